"""`rollback`: stop the deployment in progress with stopType=ROLLBACK, then follow the rollback."""

from __future__ import annotations

import argparse

from ops import deployments as aws
from ops import render
from ops.commands.common import confirm, deployment_in_progress, version_labels
from ops.commands.watch import follow
from ops.errors import CliError, ExitCode, as_cli_error
from ops.options import add_confirm, add_follow
from ops.runtime import Runtime

HELP = "roll back the deployment in progress and follow the rollback (StopServiceDeployment)"
DESCRIPTION = """\
Roll back the deployment in progress (StopServiceDeployment with stopType=ROLLBACK): ECS returns production
traffic to the previous revision and stops the new tasks. Asks first unless --yes. Then follows the rollback
like `watch` until it ends: exit 0 if it ended ROLLBACK_SUCCESSFUL, 1 if not, 5 if following stopped first
(--timeout passed, or AWS kept failing for 3 minutes: the rollback carries on); --no-wait returns at once."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("rollback", parents=[common], help=HELP, description=DESCRIPTION)
    add_confirm(parser)
    parser.add_argument("--no-wait", action="store_true", help="return once the rollback is requested")
    add_follow(parser)
    parser.set_defaults(handler=run, follows=lambda args: not args.no_wait)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    deployment = deployment_in_progress(rt, "roll back", "; to run earlier code, deploy it under a new appVersion")
    arn = deployment["serviceDeploymentArn"]
    revisions = version_labels(rt, aws.revision_arns(deployment))
    sources = ", ".join(render.version(revisions, s.get("arn")) for s in deployment.get("sourceServiceRevisions", []))
    confirm(rt, args, f"Roll back deployment {render.short_id(arn)} ({render.transition(deployment, revisions)}, "
                      f"{render.state(deployment)})? ECS returns production traffic to {sources or 'the previous revision'} and stops "
                      "the new tasks.")
    rt.clients.ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    if args.no_wait:
        rt.out(f"Rollback requested for deployment {render.short_id(arn)}. Follow it with: python -m ops watch")
        return ExitCode.OK
    rt.out(f"Rollback requested for deployment {render.short_id(arn)}.")
    try:
        final = follow(rt, arn, args, "Following the rollback of")
    except Exception as error:  # noqa: BLE001 - AWS failures only; the rest (a bug, a broken pipe) re-raised
        failure = as_cli_error(error)
        if failure.code != ExitCode.AWS:
            raise
        # Exit 5, as when --timeout passes: the rollback is requested and carries on; only its outcome is
        # unknown. Exit 3 would tell a script the request itself failed, and a retry would find nothing to do.
        raise CliError(f"rollback requested for deployment {render.short_id(arn)}, but following it failed: "
                       f"{failure}; it carries on (python -m ops watch)", ExitCode.TIMED_OUT) from None
    return ExitCode.OK if final["status"] == "ROLLBACK_SUCCESSFUL" else ExitCode.DEPLOYMENT_FAILED
