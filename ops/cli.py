"""`python -m ops`: watch, inspect and stop this stack's ECS blue/green deployments."""

from __future__ import annotations

import argparse
import json
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
    pulumi_stack_outputs, resolve, untargeted
from ops.deadline import Deadline, deadline_seconds
from ops.errors import CliError, DeadlinePassed, ExitCode, as_cli_error, exit_code_help
from ops.options import OUTPUT_COMMANDS, Parser, add_common, add_output, common_options
from ops.parallel import Starter, on_threads
from ops.runtime import Runtime

DESCRIPTION = "Watch, inspect, roll back and approve the ECS blue/green deployments of this stack."

CONFIGURATION = """\
configuration (first found wins):
  flags               --cluster, --service, --region, --stack, --output: before or after the command
  environment         BG_CLUSTER, BG_SERVICE, AWS_REGION (or AWS_DEFAULT_REGION)
  stack outputs       `pulumi stack output --json [--stack STACK]`, read only when a value is missing
                      and the pulumi CLI is on PATH
  stack tags          the ECS service tagged project=ecs-bluegreen and stack=STACK (--stack, else
                      `pulumi stack --show-name`), when the stack has no outputs yet (its first `pulumi up`)
  --stack STACK       names the target outright: its outputs (else its tags) come before the environment,
                      and BG_CLUSTER/BG_SERVICE are not used (AWS_REGION only where the stack gives none)
  Commands that change something (rollback, approve, reject, rewire) print the service, cluster, region
  and stack they act on before they ask, or before they act with --yes.
  --prod-rule-arn     (status, doctor; env BG_PROD_RULE_ARN) the production listener rule, by default
                      the one in the service's load balancer configuration
  try                 --url, --header and env BG_TEST_TRAFFIC_HEADER_VALUE (the secret) instead of the
                      stack's outputs: then the pulumi CLI is not needed
  --output json       status, doctor, history; an error then prints {"error": ..., "exitCode": ...} on
                      stdout too (and its one line on stderr)
  AWS credentials come from the usual boto3 chain (AWS_PROFILE, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY,
  SSO, instance role). Every AWS call times out after a few seconds and is retried (standard mode); no
  command hangs. watch, logs --follow and rollback (once requested) ride out throttling, 5xx and
  timeouts for up to 3 minutes, from their first call.

"""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="python -m ops", description=DESCRIPTION, epilog=CONFIGURATION + exit_code_help(),
                    formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common(parser, after_command=False)
    add_output(parser, after_command=False)
    parser.set_defaults(needs_target=True)
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
    out, err = stdout or sys.stdout, stderr or sys.stderr
    environ = os.environ if environ is None else environ
    args: argparse.Namespace | None = None
    config: Config | None = None
    rt: Runtime | None = None
    deadline = Deadline(None)
    try:
        args = build_parser().parse_args(argv)
        if args.output == "json" and args.command not in OUTPUT_COMMANDS:
            raise CliError(f"python -m ops {args.command}: --output json: only {', '.join(OUTPUT_COMMANDS)} print "
                           "JSON", ExitCode.CONFIG)
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

        config = resolve(vars(args), environ, outputs, find_by_tags) if args.needs_target \
            else untargeted(vars(args), environ, outputs)
        rt = Runtime(config=config, clients=clients_for(config.region), stdin=stdin or sys.stdin,
                     stdout=out, stderr=err, sleep=sleep, clock=clock, now=now, start=start, deadline=deadline)
        return args.handler(rt, args)
    except SystemExit as exit_:  # argparse printed --help
        return exit_.code if isinstance(exit_.code, int) else ExitCode.OK
    except (Exception, KeyboardInterrupt, DeadlinePassed) as error:  # noqa: BLE001 - every failure ends as one line
        deadline.stop()  # no second interruption while the line is printed
        failure: CliError = as_cli_error(error, cluster=config.cluster if config else "?",
                                         service=config.service if config else "?",
                                         region=(rt.clients.region_if_known() if rt else None) or "?")
        if failure.code == ExitCode.BROKEN_PIPE:
            _quiet_after_broken_pipe(out)
            return failure.code
        print(("\n" if failure.code == ExitCode.INTERRUPTED else "") + f"ops: {failure}", file=err)
        if _wants_json(args, argv):
            print(json.dumps({"error": str(failure), "exitCode": int(failure.code)}), file=out)
        return failure.code
    finally:
        deadline.stop()


def _wants_json(args: argparse.Namespace | None, argv: Sequence[str] | None) -> bool:
    """--output json, also when the arguments could not be parsed (then as written: `--output json` or
    `--output=json`)."""
    if args is not None:
        return args.output == "json"
    words = list(sys.argv[1:] if argv is None else argv)
    return "--output=json" in words or any(a == "--output" and b == "json" for a, b in zip(words, words[1:]))


def _quiet_after_broken_pipe(stream: TextIO) -> None:
    """Point the closed stream's descriptor at /dev/null, so that Python's own flush at exit does not print
    "Exception ignored ... BrokenPipeError" either (an in-memory stream has no descriptor: nothing to do)."""
    try:
        descriptor = stream.fileno()
    except (OSError, ValueError):
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, descriptor)
    os.close(devnull)
