"""`approve` / `reject`: resolve the PAUSE lifecycle hook a deployment is waiting at."""

from __future__ import annotations

import argparse

from ops import deployments as aws
from ops import render
from ops.commands.common import confirm, deployment_in_progress, version_labels
from ops.errors import CliError, ExitCode
from ops.options import add_confirm
from ops.runtime import Runtime

ACTIONS = {
    "approve": ("continue a deployment paused at its PAUSE hook",
                "Approve the deployment waiting at its PAUSE hook (ContinueServiceDeployment, action CONTINUE): it "
                "goes on to the next stage. Run `python -m ops try` first to see the new revision answer."),
    "reject": ("roll back a deployment paused at its PAUSE hook",
               "Reject the deployment waiting at its PAUSE hook (ContinueServiceDeployment, action ROLLBACK): ECS "
               "rolls it back to the previous revision."),
}


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    for name, (summary, description) in ACTIONS.items():
        parser = commands.add_parser(name, parents=[common], help=summary, description=description)
        add_confirm(parser)
        parser.set_defaults(handler=run)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    approve = args.command == "approve"
    deployment = deployment_in_progress(rt, args.command)
    arn = deployment["serviceDeploymentArn"]
    hook = aws.awaiting_pause(deployment)
    if hook is None:
        raise CliError(f"nothing to {args.command}: deployment {render.short_id(arn)} is {render.state(deployment)} "
                       "and not paused for approval", ExitCode.NOTHING_DONE)
    revisions = version_labels(rt, aws.revision_arns(deployment))
    question = (f"{args.command.capitalize()} deployment {render.short_id(arn)} "
                f"({render.transition(deployment, revisions)}) paused at {deployment.get('lifecycleStage', '?')}?")
    confirm(rt, args, question + (" It continues to the next stage." if approve
                                  else " ECS rolls it back to the previous revision."))
    rt.clients.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE" if approve else "ROLLBACK")
    rt.out(f"Deployment {render.short_id(arn)} {'approved' if approve else 'rejected, rolling back'}. "
           "Follow it with: python -m ops watch")
    return ExitCode.OK
