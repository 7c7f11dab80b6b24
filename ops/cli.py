"""`python -m ops`: watch, inspect and stop this stack's ECS blue/green deployments."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from functools import cache
from typing import TextIO

from ops.clients import Client, Clients
from ops.commands import COMMANDS
from ops.config import Config, OutputsLoader, StackOutputs, find_tagged_service, pulumi_stack_name, \
    pulumi_stack_outputs, resolve
from ops.deadline import Deadline, deadline_seconds
from ops.errors import CliError, DeadlinePassed, ExitCode, as_cli_error, exit_code_help
from ops.options import Parser, common_options
from ops.parallel import Starter, on_threads
from ops.runtime import Runtime

DESCRIPTION = "Watch, inspect, roll back and approve the ECS blue/green deployments of this stack."

CONFIGURATION = """\
configuration (first found wins):
  flags               --cluster, --service, --region
  environment         BG_CLUSTER, BG_SERVICE, AWS_REGION (or AWS_DEFAULT_REGION)
  stack outputs       `pulumi stack output --json [--stack STACK]`, read only when a value is missing
                      and the pulumi CLI is on PATH
  stack tags          the ECS service tagged project=ecs-bluegreen and stack=STACK (--stack, else
                      `pulumi stack --show-name`), when the stack has no outputs yet (its first `pulumi up`)
  AWS credentials come from the usual boto3 chain (AWS_PROFILE, environment, SSO, instance role).
  Every AWS call times out after a few seconds and is retried (standard mode); no command hangs.

"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m ops", description=DESCRIPTION, epilog=CONFIGURATION + exit_code_help(),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    common = common_options()
    for command in COMMANDS:
        command.register(commands, common)
    for subparser in commands.choices.values():
        subparser.formatter_class = argparse.RawDescriptionHelpFormatter
        subparser.epilog = "exit codes: see `python -m ops --help`"
    return parser


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def main(
    argv: Sequence[str] | None = None,
    *,
    clients: Mapping[str, Client] | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    load_outputs: OutputsLoader = pulumi_stack_outputs,
    stack_name: Callable[[], str] = pulumi_stack_name,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = _utc_now,
    start: Starter = on_threads,
) -> int:
    """Run one command; return its exit code. Clients (by AWS service name), streams, the pulumi CLI and time
    sources, and how independent reads start (ops.parallel), are injectable for tests."""
    err = stderr or sys.stderr
    config: Config | None = None
    rt: Runtime | None = None
    deadline = Deadline(None)
    try:
        args = build_parser().parse_args(argv)
        deadline = Deadline(deadline_seconds(args))
        deadline.start()
        clients_for = cache(lambda region: Clients(region, clients))
        outputs = StackOutputs(args.stack, load_outputs)

        def find_by_tags(region: str | None) -> tuple[str, str]:
            try:
                stack = args.stack or stack_name()
            except CliError as error:
                raise CliError(f"no stack name to look for (pass --stack): {error}", error.code) from None
            return find_tagged_service(clients_for(region).get("resourcegroupstaggingapi"), stack)

        config = resolve(vars(args), os.environ if environ is None else environ, outputs, find_by_tags)
        rt = Runtime(config=config, clients=clients_for(config.region), stdin=stdin or sys.stdin,
                     stdout=stdout or sys.stdout, stderr=err, sleep=sleep, clock=clock, now=now, start=start,
                     deadline=deadline)
        return args.handler(rt, args)
    except SystemExit as exit_:  # argparse printed --help
        return exit_.code if isinstance(exit_.code, int) else ExitCode.OK
    except (Exception, KeyboardInterrupt, DeadlinePassed) as error:  # noqa: BLE001 - every failure ends as one line
        deadline.stop()  # no second interruption while the line is printed
        failure: CliError = as_cli_error(error, cluster=config.cluster if config else "?",
                                         service=config.service if config else "?",
                                         region=(rt.clients.region_if_known() if rt else None) or "?")
        print(("\n" if failure.code == ExitCode.INTERRUPTED else "") + f"ops: {failure}", file=err)
        return failure.code
    finally:
        deadline.stop()
