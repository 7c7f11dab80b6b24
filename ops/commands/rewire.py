"""`rewire`: one `pulumi up` that sends the service's load balancers again, oriented as ECS has them now."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
from typing import Any

from ops import deployments as aws
from ops import render
from ops.commands.common import announce_target
from ops.errors import CliError, ExitCode
from ops.runtime import Runtime
from stack_contract import REWIRE_VARIABLE

HELP = "run `pulumi up` that changes the load balancer wiring, with the primary ECS has now"
DESCRIPTION = f"""\
The program ignores the service's load balancers once it exists: after a deployment ECS may call the other
target group primary, and sending the program's own orientation back would start the next revision in the
live group. A config change that alters the wiring (test traffic on or off, the container port) therefore
needs this command: it reads which group the service calls primary now, refuses while a deployment runs,
and runs `pulumi up` with {REWIRE_VARIABLE} set to that group, so the wiring is sent once, the right way
round. Sending it starts a new deployment of the service. Arguments after `--` go to `pulumi up`."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("rewire", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("pulumi_args", nargs=argparse.REMAINDER, metavar="-- PULUMI_UP_ARGS",
                        help="passed to `pulumi up`, e.g. -- --yes")
    parser.set_defaults(handler=run)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    announce_target(rt)
    service = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service)
    _refuse_while_deploying(rt, service)
    color = _primary_color(rt, service)
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise CliError("the pulumi CLI is not on PATH", ExitCode.CONFIG)
    extra = [arg for arg in args.pulumi_args if arg != "--"]
    command = [pulumi, "up", *(["--stack", args.stack] if args.stack else []), *extra]
    rt.out(f"The service calls {color} primary now; running: {REWIRE_VARIABLE}={color} "
           + " ".join(["pulumi", *command[1:]]))
    done = subprocess.run(command, env={**os.environ, REWIRE_VARIABLE: color}, check=False)
    if done.returncode != 0:
        raise CliError(f"pulumi up failed (exit code {done.returncode}); the wiring was not sent",
                       ExitCode.DEPLOYMENT_FAILED)
    return ExitCode.OK


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
