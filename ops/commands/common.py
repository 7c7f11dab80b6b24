"""Pieces several commands share: finding the deployment in progress, and asking before changing it."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TypeVar

from ops import deployments as aws
from ops import render
from ops.deployments import Deployment, Revision
from ops.errors import CliError, ExitCode, as_cli_error, is_access_denied, is_transient
from ops.parallel import Starter, in_turn
from ops.runtime import Runtime

T = TypeVar("T")

RIDE_OUT_SECONDS = 180
"""How long polls may keep failing with throttling, 5xx or timeouts before a following command gives up."""


def deployment_in_progress(rt: Runtime, verb: str, ended_hint: str = "") -> Deployment:
    service = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service)
    deployment = aws.current_deployment(rt.clients.ecs, service)
    if deployment is None:
        raise CliError(f"nothing to {verb}: service {rt.config.service!r} has no deployments", ExitCode.NOTHING_DONE)
    short, state = render.short_id(deployment["serviceDeploymentArn"]), deployment["status"]
    if state in aws.ROLLING_BACK:
        raise CliError(f"nothing to {verb}: deployment {short} is already {state}", ExitCode.NOTHING_DONE)
    if state not in aws.IN_PROGRESS:
        ended = deployment.get("finishedAt") or deployment.get("stoppedAt")
        raise CliError(f"nothing to {verb}: no deployment in progress (the last one, {short}, ended {state} at "
                       f"{render.timestamp(ended)}){ended_hint}", ExitCode.NOTHING_DONE)
    return deployment


def version_labels(rt: Runtime, arns: list[str], start: Starter = in_turn) -> dict[str, Revision]:
    """The revisions, read only to label versions and task definitions: denied (or AWS not answering), they
    show as "?" after one line saying so, rather than stopping a command that does not need them. `start`
    may describe their task definitions at the same time."""
    try:
        return aws.describe_revisions(rt.clients.ecs, arns, start)
    except Exception as error:  # noqa: BLE001 - only denials and transient failures are passed over
        if not (is_access_denied(error) or is_transient(error)):
            raise
        print(f"ops: {as_cli_error(error)}; versions show as ?", file=rt.stderr, flush=True)
        return {}


def announce_target(rt: Runtime) -> None:
    """Before changing anything: the service it acts on, in full, wherever its name came from."""
    config = rt.config
    rt.out(f"Target: service {config.service} in cluster {config.cluster}, region "
           f"{config.region or rt.clients.region_name()} ({config.origin})")


def confirm(rt: Runtime, args: argparse.Namespace, question: str) -> None:
    announce_target(rt)
    if args.yes:
        return
    rt.stdout.write(f"{question} [y/N] ")
    rt.stdout.flush()
    with rt.deadline.paused():
        answer = rt.stdin.readline()
    if not answer:
        rt.out()
        raise CliError("no answer on stdin; pass --yes to confirm without a prompt", ExitCode.NOTHING_DONE)
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("cancelled; nothing was changed", ExitCode.NOTHING_DONE)


class RideOut:
    """Lets a following command (watch, logs --follow, rollback after its request) carry on through transient
    AWS failures, from its first call on, saying so once, until they have lasted RIDE_OUT_SECONDS; any other
    error ends it at once."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.failing_since: float | None = None

    def failed(self, error: Exception, stamp: str) -> None:
        if not is_transient(error):
            raise error
        now = self.rt.clock()
        if self.failing_since is None:
            self.failing_since = now
            self.rt.out(f"{stamp} polling failed ({as_cli_error(error)}); retrying for up to "
                        f"{render.duration(RIDE_OUT_SECONDS)}")
        elif now - self.failing_since >= RIDE_OUT_SECONDS:
            raise CliError(f"gave up after {render.duration(now - self.failing_since)} of failed polls: "
                           f"{as_cli_error(error)}", ExitCode.AWS)

    def succeeded(self, stamp: str) -> None:
        if self.failing_since is not None:
            self.rt.out(f"{stamp} AWS answers again")
            self.failing_since = None

    def call(self, read: Callable[[], T], interval: float, stamp: Callable[[], str]) -> T:
        """`read()`'s answer, asking again every `interval` seconds while it fails transiently (so a start-up
        read is ridden out like a poll: `pulumi up && python -m ops watch` survives a blip)."""
        while True:
            try:
                answer = read()
            except Exception as error:  # noqa: BLE001 - failed() re-raises all but transient errors
                self.failed(error, stamp())
                self.rt.sleep(interval)
                continue
            self.succeeded(stamp())
            return answer
