"""`python -m acceptance`: the command line, and the run from stack creation to teardown."""

from __future__ import annotations

import argparse
import math
import re
import secrets
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from acceptance.runner import Outcome, run_steps
from acceptance.steps import DEFAULT_REGION, STEPS, Options, Run, teardown_steps
from acceptance.tools import CommandRunner, Ops, Pulumi

PROJECT_DIR = Path(__file__).resolve().parent.parent

DESCRIPTION = """\
An acceptance run on a real AWS account: opt-in, never run in CI. It COSTS MONEY (an ALB, Fargate tasks,
a VPC, a Lambda, CloudWatch, ECR, while it runs) and takes about an hour (about ten deployments, each with a
one-minute bake). This repository has NOT run it against AWS: its logic is tested with a fake `pulumi`
and a fake `python -m ops` (tests/test_acceptance.py), nothing more.

It creates a throwaway stack of this project (`pulumi stack init acceptance-<random>`, or --stack), sets
aws:region (and availabilityZones from --zones), appVersion v1 and bakeTimeMinutes 1, deploys it, and
then runs the items below in order, printing one line per item: PASS, FAIL or SKIP <item>: <detail>.
After the first FAIL the remaining items are SKIPped (each builds on the stack the ones before left).
Steps that change the stack run while a probe GETs the stack's `url` output every --probe-interval
seconds (redirects followed, --probe-timeout each) and fail if any answer is not 2xx. Each wiring change
must first be refused by a plain `pulumi up` with the line naming `python -m ops rewire`, then be made by
`python -m ops rewire --stack S -- --yes`, after which `python -m ops doctor` must pass. The app cannot be
told to fail its health check, so v3 fails its smoke test instead (smokeTest.versionPath /health, a page
that never says "Version: v3"), and ECS rolls it back.

Finally it destroys the stack and removes it (`pulumi destroy --yes`, `pulumi stack rm --yes`), after a
failure too, unless --keep. It never touches a stack it did not create: --stack must name a new stack.
Ctrl-C stops the running command (Pulumi is killed, which can leave pending operations in the stack's
state) and goes on to the teardown. Every command's full output goes to the log file named on the first
line. Exit status: 0 if no item failed, 1 if one did, 2 for a usage error.

Needs: AWS credentials allowed to deploy the stack, the Pulumi CLI logged in to a backend (with a local
backend, PULUMI_CONFIG_PASSPHRASE set), a running Docker engine (`pulumi up` builds the image), and ./venv
set up (scripts/deploy-dev.sh does it). Run it from the project directory: venv/bin/python -m acceptance."""


def items_help() -> str:
    lines = ["items, in order:"] + [f"  {step.item}" for step in STEPS]
    return "\n".join([*lines, "  destroy the stack", "  remove the stack"])


def positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def zone_pair(text: str) -> tuple[str, ...]:
    zones = tuple(zone.strip() for zone in text.split(","))
    if len(zones) != 2 or not all(zones):
        raise argparse.ArgumentTypeError(f"expected two zones separated by a comma, got {text!r}")
    return zones


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m acceptance", description=DESCRIPTION, epilog=items_help(),
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", help="name of the stack to create (default: acceptance-<random>); must not exist")
    parser.add_argument("--region", default=DEFAULT_REGION, help=f"AWS region (default: {DEFAULT_REGION})")
    parser.add_argument("--zones", type=zone_pair, default=(), metavar="ZONE,ZONE",
                        help=f"two availability zones of --region (required outside {DEFAULT_REGION})")
    parser.add_argument("--certificate-arn", help="ACM certificate ARN in --region covering --domain "
                        "(with --domain and --hosted-zone-id: the HTTPS items run; without, they SKIP)")
    parser.add_argument("--domain", help="DNS name the certificate covers; the run creates its alias record")
    parser.add_argument("--hosted-zone-id", help="Route 53 hosted zone that holds --domain")
    parser.add_argument("--keep", action="store_true", help="leave the stack deployed at the end (it keeps costing)")
    parser.add_argument("--probe-interval", type=positive_seconds, default=1.0, metavar="SECONDS",
                        help="time between the probe's requests (default: 1)")
    parser.add_argument("--probe-timeout", type=positive_seconds, default=5.0, metavar="SECONDS",
                        help="timeout of each probe request (default: 5)")
    return parser


def parse_options(parser: argparse.ArgumentParser, args: argparse.Namespace) -> Options:
    if args.region != DEFAULT_REGION and not args.zones:
        parser.error(f"--zones is required with --region {args.region} (the program defaults zones only for "
                     f"{DEFAULT_REGION})")
    https = [args.certificate_arn, args.domain, args.hosted_zone_id]
    if any(https) and not all(https):
        parser.error("--certificate-arn, --domain and --hosted-zone-id go together")
    if args.stack is not None and not re.fullmatch(r"[A-Za-z0-9_-]+", args.stack):
        parser.error(f"--stack {args.stack!r}: use letters, digits, '-' and '_'")
    return Options(region=args.region, zones=args.zones, certificate_arn=args.certificate_arn, domain=args.domain,
                   hosted_zone_id=args.hosted_zone_id, probe_interval=args.probe_interval,
                   probe_timeout=args.probe_timeout)


def report(outcome: Outcome) -> None:
    print(outcome.line(), flush=True)


def main(argv: Sequence[str] | None = None, *, ops_command: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    options = parse_options(parser, args)
    stack = args.stack or f"acceptance-{secrets.token_hex(3)}"
    log_path = Path(tempfile.gettempdir()) / f"ecs-bluegreen-{stack}.log"
    try:
        with log_path.open("w", encoding="utf-8") as log:
            runner = CommandRunner(PROJECT_DIR, log)
            ops = Ops(runner, stack) if ops_command is None else Ops(runner, stack, ops_command)
            run = Run(Pulumi(runner, stack), ops, options)
            print(f"Acceptance run on stack {stack} in {options.region}; every command's output: {log_path}",
                  flush=True)
            outcomes = run_all(run, keep=args.keep)
    except KeyboardInterrupt:
        print(f"FAIL teardown: interrupted; the stack {stack} may still exist: pulumi destroy --stack {stack}",
              file=sys.stderr)
        return 1
    except OSError as error:
        print(f"FAIL acceptance run: {error}", file=sys.stderr)
        return 1
    return 1 if any(outcome.result == "FAIL" for outcome in outcomes) else 0


def run_all(run: Run, *, keep: bool) -> list[Outcome]:
    outcomes: list[Outcome] = []
    try:
        outcomes += run_steps(STEPS, run, report)
    finally:
        outcomes += run_steps(teardown_steps(run, keep), run, report)
    return outcomes
