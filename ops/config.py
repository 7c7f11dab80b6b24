"""Where cluster, service, listener rule and region come from: flags > environment > stack outputs."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ops.errors import CliError, ExitCode

PULUMI_TIMEOUT_SECONDS = 120


@dataclass(frozen=True)
class Source:
    """One value the CLI needs, and the flag, variables and stack output that can supply it."""

    key: str
    flag: str
    env: tuple[str, ...]
    output: str
    what: str


CLUSTER = Source("cluster", "--cluster", ("BG_CLUSTER",), "clusterName", "cluster name")
SERVICE = Source("service", "--service", ("BG_SERVICE",), "serviceName", "service name")
PROD_RULE = Source(
    "prod_rule_arn", "--prod-rule-arn", ("BG_PROD_RULE_ARN",), "productionListenerRuleArn",
    "production listener rule ARN")
REGION = Source("region", "--region", ("AWS_REGION", "AWS_DEFAULT_REGION"), "region", "AWS region")


@dataclass(frozen=True)
class Config:
    cluster: str
    service: str
    region: str | None
    """None lets boto3 fall back to the profile's region."""
    prod_rule_arn: str | None
    """Only `status` needs it."""
    target_group_colors: Mapping[str, str] = field(default_factory=dict)
    """Target group ARN -> "blue"/"green", known only when the stack outputs were read."""


OutputsLoader = Callable[[str | None], Mapping[str, Any]]


def pulumi_stack_outputs(stack: str | None) -> Mapping[str, Any]:
    """`pulumi stack output --json` for the project in the current directory; CliError if unavailable."""
    exe = shutil.which("pulumi")
    if exe is None:
        raise CliError("the pulumi CLI is not on PATH", ExitCode.CONFIG)
    command = [exe, "stack", "output", "--json", *(["--stack", stack] if stack else [])]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=PULUMI_TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise CliError(f"`pulumi stack output` took more than {PULUMI_TIMEOUT_SECONDS} s", ExitCode.CONFIG) from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {done.returncode}"
        raise CliError(f"`pulumi stack output` failed: {detail}", ExitCode.CONFIG)
    try:
        outputs = json.loads(done.stdout)
    except json.JSONDecodeError:
        outputs = None
    if not isinstance(outputs, dict):
        raise CliError("`pulumi stack output --json` did not print a JSON object", ExitCode.CONFIG)
    return outputs


def resolve(
    flags: Mapping[str, str | None],
    environ: Mapping[str, str],
    *,
    stack: str | None,
    need_rule: bool,
    load_outputs: OutputsLoader = pulumi_stack_outputs,
) -> Config:
    """Fill each value from its flag, else its environment variable, else the stack output.

    The stack outputs are read only when a value is still missing, and failing to read them is an
    error only if a required value then stays missing.
    """
    required = [CLUSTER, SERVICE, *([PROD_RULE] if need_rule else [])]
    values: dict[str, str | None] = {}
    for source in (*required, REGION):
        from_env = (environ.get(name) for name in source.env)
        values[source.key] = flags.get(source.key) or next((v for v in from_env if v), None)

    outputs: Mapping[str, Any] = {}
    outputs_problem = ""
    if any(value is None for value in values.values()):
        try:
            outputs = load_outputs(stack)
        except CliError as error:
            outputs_problem = str(error)
        for source in (*required, REGION):
            output = outputs.get(source.output)
            if values[source.key] is None and isinstance(output, str) and output:
                values[source.key] = output

    missing = [source for source in required if values[source.key] is None]
    if missing:
        wanted = ", ".join(f"{s.what} ({s.flag} or {s.env[0]})" for s in missing)
        why = outputs_problem or "the stack has no " + ", ".join(s.output for s in missing) + " output"
        raise CliError(f"missing {wanted}; stack outputs: {why}", ExitCode.CONFIG)

    colors = {
        arn: color for color in ("blue", "green")
        if isinstance(arn := outputs.get(f"{color}TargetGroupArn"), str)
    }
    return Config(
        cluster=values["cluster"] or "",
        service=values["service"] or "",
        region=values["region"],
        prod_rule_arn=values.get("prod_rule_arn"),
        target_group_colors=colors,
    )
