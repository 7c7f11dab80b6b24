"""Argument parsing shared by the commands: one-line usage errors, checked numbers, shared flags."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from ops.errors import CliError, ExitCode

DEFAULT_ROLLOUT_TIMEOUT_MINUTES = 120
"""watch/rollback --timeout when the stack has no rolloutTimeoutMinutes output (older stacks, no pulumi CLI)."""


DEFAULT_DEADLINE_SECONDS = 60
"""--deadline of a command that does not follow anything: a dead endpoint fails a call in about 20 s."""


class Parser(argparse.ArgumentParser):
    """Bad input is one line naming the flag, the value and what is allowed; never a usage dump."""

    def error(self, message: str) -> NoReturn:
        raise CliError(f"{self.prog}: {message} (see `{self.prog} --help`)", ExitCode.CONFIG)


def number(kind: type[int] | type[float], low: float, high: float, unit: str = "",
           zero_means: str = "") -> Callable[[str], float]:
    """A finite `kind` from low to high (or 0, when zero_means says what 0 does)."""
    allowed = f"{'a whole' if kind is int else 'a'} number from {low:g} to {high:g}{unit}"
    allowed += f", or 0 for {zero_means}" if zero_means else ""

    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}") from None
        if not (low <= value <= high or (zero_means and value == 0)):  # False for nan and inf too
            raise argparse.ArgumentTypeError(f"expected {allowed}, got {text!r}")
        return value
    return parse


def common_options() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    common.add_argument("--cluster", help="ECS cluster name (env BG_CLUSTER, output clusterName)")
    common.add_argument("--service", help="ECS service name (env BG_SERVICE, output serviceName)")
    common.add_argument("--region", help="AWS region (env AWS_REGION, output region)")
    common.add_argument("--stack", help="Pulumi stack whose outputs and tags to use (default: the selected stack)")
    common.add_argument("--deadline", type=number(float, 1, 7 * 24 * 3600, " seconds", zero_means="none"),
                        metavar="SECONDS", help=f"give up after this long in all, exit 7; 0 = none (default: "
                        f"{DEFAULT_DEADLINE_SECONDS} s; none for watch, rollback and logs --follow, which their "
                        "--timeout or Ctrl-C end)")
    return common


def add_confirm(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation (CI)")


def add_follow(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--interval", type=number(float, 1, 300, " seconds"), default=10.0, metavar="SECONDS",
                        help="seconds between polls, 1 to 300 (default: 10)")
    parser.add_argument("--timeout", type=number(float, 1, 7 * 24 * 3600, " seconds", zero_means="no limit"),
                        default=None, metavar="SECONDS",
                        help="stop following after this long; 0 = never (default: the stack's rolloutTimeoutMinutes "
                             f"output, the time `pulumi up` waits; {DEFAULT_ROLLOUT_TIMEOUT_MINUTES} min without it)")


def add_output(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--output", choices=["text", "json"], default="text", help="output format (default: text)")
