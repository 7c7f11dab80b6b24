"""`rewire`: one `pulumi up` that sends the service's load balancers again, oriented as ECS has them now."""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
from typing import Any

from ops import deployments as aws
from ops import render
from ops.commands.common import announce_target
from ops.errors import CliError, ExitCode, as_cli_error
from ops.runtime import Runtime
from stack_contract import REWIRE_VARIABLE

HELP = "run `pulumi up` that changes what the live service is wired to, oriented as ECS has it now"
DESCRIPTION = f"""\
The program ignores the service's load balancers once it exists: after a deployment ECS may call the other
target group primary, and sending the program's own orientation back would start the next revision in the
live group. A config change that changes what the live service is wired to (HTTPS on or off, which moves
the listener rules; test traffic on or off; the container port; turning off the last lifecycle hook) is
refused by a plain `pulumi up` and needs this command. It reads which group the service calls primary now
and refuses while a deployment runs. It clears the service's lifecycle hooks (ECS keeps hooks an update
leaves out), then runs `pulumi up` with {REWIRE_VARIABLE} set to that group: every listener rule the update
creates forwards all traffic to that group, and the service gets its load balancers and the stack's hooks
once, the right way round. Sending them starts a new deployment of the service. Arguments after `--` go to
`pulumi up`."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("rewire", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("pulumi_args", nargs=argparse.REMAINDER, metavar="-- PULUMI_UP_ARGS",
                        help="passed to `pulumi up`, e.g. -- --yes")
    # No --deadline by default: its `pulumi up` follows the rollout it starts, for as long as the stack says.
    parser.set_defaults(handler=run, follows=lambda args: True)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    announce_target(rt)
    service = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service)
    _refuse_while_deploying(rt, service)
    color = _primary_color(rt, service)
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CliError("the pulumi CLI is not on PATH", ExitCode.CONFIG)
    cleared = _clear_lifecycle_hooks(rt, service)
    extra = [arg for arg in args.pulumi_args if arg != "--"]
    command = [pulumi, "up", *(["--stack", args.stack] if args.stack else []), *extra]
    rt.out(f"The service calls {color} primary now; running: {REWIRE_VARIABLE}={color} "
           + " ".join(["pulumi", *command[1:]]))
    code = _run_to_its_end(rt, command, {**os.environ, REWIRE_VARIABLE: color})
    if code != 0:
        hooks = _put_back_hooks_the_update_did_not_reach(rt, cleared)
        raise CliError(f"pulumi up failed (exit code {code}); the wiring was not sent{hooks}. Until a rewire "
                       "succeeds, make every update with rewire, even one that undoes the change",
                       ExitCode.DEPLOYMENT_FAILED)
    return ExitCode.OK


def _run_to_its_end(rt: Runtime, command: list[str], env: dict[str, str]) -> int:
    """Runs `pulumi up` until it exits. Ctrl-C reaches it directly (one process group), and it cancels
    gracefully; neither Ctrl-C nor --deadline in this process may kill it mid-update, which would leave
    pending operations and a locked stack."""
    try:
        ignore_interrupt = signal.signal(signal.SIGINT, lambda signum, frame: None)
    except ValueError:  # not on the main thread: no signal reaches this code there anyway
        ignore_interrupt = None
    try:
        with rt.deadline.paused():
            return subprocess.Popen(command, env=env).wait()
    finally:
        if ignore_interrupt is not None:
            signal.signal(signal.SIGINT, ignore_interrupt)


def _clear_lifecycle_hooks(rt: Runtime, service: dict[str, Any]) -> list[dict[str, Any]]:
    """Empties the service's lifecycle hooks; returns those it had. The provider leaves an empty hook list
    out of UpdateService, and ECS keeps the hooks a request leaves out (terraform-provider-aws PR #47096):
    a hook turned off would stay, and fail every deployment once its Lambda is deleted. The `pulumi up`
    that follows refreshes, finds none, and sends the stack's hooks (if any) with the new wiring."""
    configuration = service.get("deploymentConfiguration") or {}
    hooks: list[dict[str, Any]] = configuration.get("lifecycleHooks") or []
    if not hooks:
        return []
    _set_lifecycle_hooks(rt, configuration, [])
    after = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service)
    if after.get("currentServiceDeployment") != service.get("currentServiceDeployment"):
        raise CliError("clearing the lifecycle hooks started a deployment; run rewire again once it has ended "
                       "(python -m ops watch)", ExitCode.NOTHING_DONE)
    stages = ", ".join(stage for hook in hooks for stage in hook.get("lifecycleStages", []))
    rt.out(f"Cleared the service's {len(hooks)} lifecycle hook(s) ({stages}); the update sets the stack's hooks again.")
    return hooks


def _set_lifecycle_hooks(rt: Runtime, configuration: dict[str, Any], hooks: list[dict[str, Any]]) -> None:
    """The service's deployment configuration as read, with these hooks (UpdateService replaces it whole)."""
    rt.clients.ecs.update_service(cluster=rt.config.cluster, service=rt.config.service,
                                  deploymentConfiguration={**configuration, "lifecycleHooks": hooks})


def _put_back_hooks_the_update_did_not_reach(rt: Runtime, cleared: list[dict[str, Any]]) -> str:
    """After a failed `pulumi up`: the hooks rewire cleared go back if the service still has none (the
    update never reached it: declined, refused, interrupted); what to add to the failure line."""
    if not cleared:
        return ""
    try:
        configuration = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service).get(
            "deploymentConfiguration") or {}
        if configuration.get("lifecycleHooks"):
            return ""  # the update sent the stack's own
        _set_lifecycle_hooks(rt, configuration, cleared)
    except Exception as error:  # noqa: BLE001 - the pulumi up failure is what the line reports
        return f"; the service's lifecycle hooks could not be put back ({as_cli_error(error)})"
    return f"; the service's {len(cleared)} lifecycle hook(s) were put back"


def _refuse_while_deploying(rt: Runtime, service: dict[str, Any]) -> None:
    deployment = aws.current_deployment(rt.clients.ecs, service)
    if deployment is not None and deployment["status"] in aws.IN_PROGRESS | aws.ROLLING_BACK:
        raise CliError(f"deployment {render.short_id(deployment['serviceDeploymentArn'])} is "
                       f"{deployment['status']}: rewire once it has ended (python -m ops watch)", ExitCode.NOTHING_DONE)


def _primary_color(rt: Runtime, service: dict[str, Any]) -> str:
    primary = (service.get("loadBalancers") or [{}])[0].get("targetGroupArn", "")
    colors = {rt.config.outputs.get(f"{color}TargetGroupArn"): color for color in ("blue", "green")}
    if primary not in colors:
        raise CliError(f"the service's primary target group {primary or '(none)'} is neither of the stack's "
                       "blueTargetGroupArn and greenTargetGroupArn outputs", ExitCode.CONFIG)
    return colors[primary]
