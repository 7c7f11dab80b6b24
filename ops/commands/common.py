"""Pieces several commands share: finding the deployment in progress, and asking before changing it."""

from __future__ import annotations

import argparse

from ops import deployments as aws
from ops import render
from ops.deployments import Deployment
from ops.errors import CliError, ExitCode
from ops.runtime import Runtime



def deployment_in_progress(rt: Runtime, verb: str) -> Deployment:
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
                       f"{render.timestamp(ended)}); to run an earlier version, deploy it with `pulumi up`",
                       ExitCode.NOTHING_DONE)
    return deployment


def confirm(rt: Runtime, args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    rt.stdout.write(f"{question} [y/N] ")
    rt.stdout.flush()
    answer = rt.stdin.readline()
    if not answer:
        rt.out()
        raise CliError("no answer on stdin; pass --yes to confirm without a prompt", ExitCode.NOTHING_DONE)
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("cancelled; nothing was changed", ExitCode.NOTHING_DONE)
