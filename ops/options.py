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


def add_common(parser: argparse.ArgumentParser, *, after_command: bool) -> None:
    """The flags every command takes, before the command or after it (after wins). After it they default to
    SUPPRESS, so a command's parser leaves a value given before the command in place."""
    unset = argparse.SUPPRESS if after_command else None
    parser.add_argument("--cluster", default=unset, help="ECS cluster name (env BG_CLUSTER, output clusterName)")
    parser.add_argument("--service", default=unset, help="ECS service name (env BG_SERVICE, output serviceName)")
    parser.add_argument("--region", default=unset,
                        help="AWS region (env AWS_REGION or AWS_DEFAULT_REGION, output region)")
    parser.add_argument("--stack", default=unset,
                        help="Pulumi stack whose outputs (or tags) name the target; they win over BG_CLUSTER, "
                             "BG_SERVICE and AWS_REGION (default: the selected stack)")
    parser.add_argument("--deadline", default=unset, metavar="SECONDS",
                        type=number(float, 1, 7 * 24 * 3600, " seconds", zero_means="none"),
                        help=f"give up after this long in all, exit 7; 0 = none (default: {DEFAULT_DEADLINE_SECONDS} s; "
                             "none for watch, rollback, logs --follow and rewire, which follow a rollout)")


def common_options() -> argparse.ArgumentParser:
    common = Parser(add_help=False)
    add_common(common, after_command=True)
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


OUTPUT_COMMANDS = ("status", "doctor", "history")


def add_output(parser: argparse.ArgumentParser, *, after_command: bool = True) -> None:
    """--output, on the top-level parser (default text) and on each command that prints JSON."""
    parser.add_argument("--output", choices=["text", "json"], default=argparse.SUPPRESS if after_command else "text",
                        help=f"output format (default: text); {', '.join(OUTPUT_COMMANDS)} print JSON, and an error "
                             'then prints {"error": ..., "exitCode": ...} on stdout too')


def add_prod_rule(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--prod-rule-arn", help="production listener rule ARN (env BG_PROD_RULE_ARN; default: the "
                                                "service's advancedConfiguration.productionListenerRule)")
