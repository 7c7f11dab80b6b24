"""`watch`: follow a deployment stage by stage until it ends; the exit code says how it ended."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ops import deployments as aws
from ops import live
from ops import render
from ops.deployments import Deployment, Revision
from ops.commands.common import RideOut, version_labels
from ops.errors import CliError, ExitCode
from ops.options import add_follow
from ops.runtime import Runtime

HELP = "follow a deployment until it ends; exit 0 only if it succeeded"
DESCRIPTION = """\
Follow the current deployment (or the one given) stage by stage: lifecycle stage, hooks, task counts and
traffic weights, until it ends. Ctrl-C stops watching, not the deployment. Throttling, 5xx answers and
timeouts are retried for up to 3 minutes in a row. Exit 0 if it ended SUCCESSFUL, 1 if it was rolled
back, stopped or failed, 5 if --timeout passed first."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("watch", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("deployment", nargs="?", help="deployment ARN or ID from `history` (default: current)")
    add_follow(parser)
    parser.set_defaults(handler=run, follows=lambda args: True)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    began = rt.clock()
    service = RideOut(rt).call(lambda: aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service),
                               args.interval, lambda: render.elapsed(rt.clock() - began))
    if args.deployment:
        arn = aws.deployment_arn(args.deployment, service["serviceArn"])
    elif service.get("currentServiceDeployment"):
        arn = service["currentServiceDeployment"]
    else:
        raise CliError(f"service {rt.config.service!r} has no deployment to watch", ExitCode.NOTHING_DONE)
    final = follow(rt, arn, args, "Watching", began)
    return ExitCode.OK if final["status"] == aws.SUCCEEDED else ExitCode.DEPLOYMENT_FAILED


@dataclass
class _Printed:
    """What was printed already, so each poll only prints what changed."""

    state: tuple[str, str] | None = None
    progress: str = ""
    reason: str = ""
    hooks: dict[str, str] = field(default_factory=dict)


@live.shown_on_a_terminal
def follow(rt: Runtime, arn: str, args: argparse.Namespace, verb: str, began: float | None = None) -> Deployment:
    """Print the deployment's changes until it ends and return it; CliError(TIMED_OUT) if --timeout passes.
    Times are counted from `began` (default: now)."""
    start = rt.clock() if began is None else began
    ride_out = RideOut(rt)
    deployment = ride_out.call(lambda: aws.describe_deployment(rt.clients.ecs, arn), args.interval,
                               lambda: render.elapsed(rt.clock() - start))
    revisions = version_labels(rt, aws.revision_arns(deployment))
    rt.out(f"{verb} deployment {render.short_id(arn)} of {rt.config.service}: "
           f"{render.transition(deployment, revisions)}  (Ctrl-C stops watching, not the deployment)")
    timeout = args.timeout if args.timeout is not None else _announced_rollout_timeout(rt)
    printed = _Printed()
    while True:
        stamp = render.elapsed(rt.clock() - start)
        if ride_out.failing_since is None:
            _print_changes(rt, deployment, revisions, printed, stamp)
            live.show(deployment, revisions, started=start, timeout=timeout)
            if deployment["status"] == aws.SUCCEEDED or deployment["status"] in aws.FAILED:
                _print_outcome(rt, deployment, revisions, stamp)
                return deployment
        if timeout and rt.clock() - start >= timeout:
            raise CliError(f"timed out after {render.duration(timeout)}: deployment {render.short_id(arn)} is "
                           f"still {deployment['status']} (it carries on)", ExitCode.TIMED_OUT)
        rt.sleep(args.interval)
        try:
            deployment = aws.describe_deployment(rt.clients.ecs, arn)
        except Exception as error:  # noqa: BLE001 - only transient errors are ridden out, the rest re-raised
            ride_out.failed(error, render.elapsed(rt.clock() - start))
            continue
        ride_out.succeeded(render.elapsed(rt.clock() - start))


def _announced_rollout_timeout(rt: Runtime) -> float:
    seconds, source = rt.rollout_timeout()
    rt.out(f"Gives up after {render.duration(seconds)}, {source}; --timeout changes it")
    return seconds


def _print_changes(rt: Runtime, deployment: Deployment, revisions: Mapping[str, Revision], printed: _Printed,
                   stamp: str) -> None:
    state = (deployment["status"], deployment.get("lifecycleStage", ""))
    if state != printed.state:
        rt.out(f"{stamp} {state[0]:<20} {state[1]}".rstrip())
        printed.state = state
    reason = deployment.get("statusReason", "")
    if deployment["status"] in aws.ROLLING_BACK and reason and reason != printed.reason:
        rt.out(f"{stamp} reason: {reason}")
        printed.reason = reason
    for hook in deployment.get("lifecycleHookDetails", []):
        hook_id, hook_status = hook.get("hookId", "?"), hook.get("status", "?")
        if printed.hooks.get(hook_id) != hook_status:
            printed.hooks[hook_id] = hook_status
            rt.out(f"{stamp} {_hook_name(hook)} hook: {hook_status}")
            if hook.get("targetType") == "PAUSE" and hook_status == "AWAITING_ACTION":
                rt.out(f"{stamp} waiting for approval until {render.timestamp(hook.get('expiresAt'))}"
                       f" (then {hook.get('timeoutAction', '?')}): python -m ops approve | reject")
    line = render.progress(deployment, revisions)
    if line and line != printed.progress:
        rt.out(f"{' ' * len(stamp)} {line}")
        printed.progress = line


def _print_outcome(rt: Runtime, deployment: Deployment, revisions: Mapping[str, Revision], stamp: str) -> None:
    if deployment["status"] == aws.SUCCEEDED:
        target = render.version(revisions, deployment.get("targetServiceRevision", {}).get("arn"))
        rt.out(f"{stamp} deployment SUCCESSFUL: {target} serves production traffic")
    else:
        reason = deployment.get("statusReason") or deployment.get("rollback", {}).get("reason") or "no reason given"
        rt.out(f"{stamp} deployment {deployment['status']}: {reason}")


def _hook_name(hook: Mapping[str, Any]) -> str:
    target = hook.get("targetArn")
    return f"{hook.get('targetType', '?')} {target.rsplit(':', 1)[-1]}" if target else hook.get("targetType", "?")
