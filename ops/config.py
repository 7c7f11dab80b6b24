"""Where cluster, service and region come from: flags > environment > stack outputs > the stack's tags."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ops.errors import CliError, ExitCode, one_line
from stack_contract import PROJECT_NAME

PULUMI_TIMEOUT_SECONDS = 30
"""Half the default --deadline, so a slow pulumi is reported as such, with time left to say so."""


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
REGION = Source("region", "--region", ("AWS_REGION", "AWS_DEFAULT_REGION"), "region", "AWS region")

OutputsLoader = Callable[[str | None, bool], Mapping[str, Any]]
"""(stack, show_secrets) -> the stack's outputs; raises CliError when they cannot be read."""
ServiceFinder = Callable[[str | None], tuple[str, str]]
"""region -> (cluster, service) found by the stack's tags; raises CliError unless exactly one matches."""


def run_pulumi(*arguments: str) -> str:
    """Run the pulumi CLI in the current directory and return its stdout; CliError if it fails. It can take
    seconds (it may ask the Pulumi Cloud backend), so a line on stderr says what the CLI waits for."""
    exe = shutil.which("pulumi")
    if exe is None:
        raise CliError("the pulumi CLI is not on PATH", ExitCode.CONFIG)
    shown = f"`pulumi {' '.join(arguments[:2])}`"
    print(f"ops: waiting for `pulumi {' '.join(arguments)}` (up to {PULUMI_TIMEOUT_SECONDS} s)", file=sys.stderr,
          flush=True)
    try:
        done = subprocess.run([exe, *arguments], capture_output=True, text=True, timeout=PULUMI_TIMEOUT_SECONDS,
                              check=False)
    except subprocess.TimeoutExpired:
        raise CliError(f"{shown} took more than {PULUMI_TIMEOUT_SECONDS} s", ExitCode.CONFIG) from None
    if done.returncode != 0:
        lines = [line.strip() for line in done.stderr.splitlines() if line.strip()]
        raise CliError(f"{shown} failed: {lines[-1] if lines else f'exit code {done.returncode}'}", ExitCode.CONFIG)
    return done.stdout


def pulumi_stack_outputs(stack: str | None, show_secrets: bool) -> Mapping[str, Any]:
    """`pulumi stack output --json` for the project in the current directory."""
    stdout = run_pulumi("stack", "output", "--json", *(["--show-secrets"] if show_secrets else []),
                        *(["--stack", stack] if stack else []))
    try:
        outputs = json.loads(stdout)
    except json.JSONDecodeError:
        outputs = None
    if not isinstance(outputs, dict):
        raise CliError("`pulumi stack output --json` did not print a JSON object", ExitCode.CONFIG)
    return outputs


def pulumi_stack_name() -> str:
    """The selected stack's name, as the program writes it into the `stack` tag."""
    name = run_pulumi("stack", "--show-name").strip()
    if not name:
        raise CliError("`pulumi stack --show-name` printed no name", ExitCode.CONFIG)
    return name


class StackOutputs:
    """The stack's outputs, read at most once each way (plain, with secrets) and only when asked for."""

    def __init__(self, stack: str | None, loader: OutputsLoader) -> None:
        self.stack = stack
        self._loader = loader
        self._read: dict[bool, Mapping[str, Any]] = {}
        self.problem = ""
        """Why the outputs could not be read, if they could not."""

    def _outputs(self, show_secrets: bool) -> Mapping[str, Any]:
        if show_secrets not in self._read:
            try:
                self._read[show_secrets] = self._loader(self.stack, show_secrets)
            except CliError as error:
                self.problem = str(error)
                self._read[show_secrets] = {}
        return self._read[show_secrets]

    def get(self, name: str) -> Any:
        return self._outputs(False).get(name)

    def require(self, name: str, *, secret: bool = False) -> str:
        value = self._outputs(secret).get(name)
        if not isinstance(value, str) or not value:
            why = self.problem or f"the stack has no {name} output"
            raise CliError(f"cannot read stack output {name}: {why}", ExitCode.CONFIG)
        return value

    @property
    def loaded(self) -> Mapping[str, Any]:
        """What was read so far, without reading anything."""
        return self._read.get(False, {})


TEST_HEADER_VALUE_VARIABLE = "BG_TEST_TRAFFIC_HEADER_VALUE"
"""The test traffic header's secret value for `try`: an environment variable, never a flag, so that it stays
out of the shell history and the process list."""


@dataclass(frozen=True)
class Config:
    cluster: str
    service: str
    region: str | None
    """None lets boto3 fall back to the profile's region."""
    outputs: StackOutputs
    prod_rule_arn: str | None = None
    """An override (--prod-rule-arn, BG_PROD_RULE_ARN); by default the service's own production rule is used."""
    test_header_value: str | None = None
    """BG_TEST_TRAFFIC_HEADER_VALUE, else `try` reads the stack's secret output."""
    origin: str = ""
    """Where the cluster and service came from, for the target line of a command that changes something."""

    @property
    def target_group_colors(self) -> Mapping[str, str]:
        """Target group ARN -> "blue"/"green", known only when the stack outputs were read anyway."""
        return {arn: color for color in ("blue", "green")
                if isinstance(arn := self.outputs.loaded.get(f"{color}TargetGroupArn"), str)}


def resolve(flags: Mapping[str, Any], environ: Mapping[str, str], outputs: StackOutputs,
            find_service: ServiceFinder) -> Config:
    """Fill each value from its flag, else its environment variable, else the stack output.

    With --stack the stack's outputs come before the environment, and BG_CLUSTER/BG_SERVICE are not used at
    all: the operator typed the stack for this one command, while the environment may be left over from
    another stack's shell (the issue: `rollback --stack prod` rolled back dev). Refusing a conflict instead
    would make them unset variables other tools use too (AWS_REGION); the changing commands print the
    target they act on either way.

    The stack outputs are read only when a value is still missing (or --stack is given). When the cluster or
    service is still missing after that (the first `pulumi up` waits on its PAUSE hook before any output
    exists), they are found by the tags the program puts on them.
    """
    stack = outputs.stack
    found = {source.key: _first_found(source, flags, environ, outputs, stack) for source in (CLUSTER, SERVICE, REGION)}
    (cluster, cluster_from), (service, service_from), (region, _) = found.values()
    if cluster is None or service is None:
        try:
            found_cluster, found_service = find_service(region)
        except CliError as error:
            missing = [s for s in (CLUSTER, SERVICE) if found[s.key][0] is None]
            wanted = ", ".join(f"{s.what} ({s.flag}; {s.env[0]} is not used with --stack)" if stack
                               else f"{s.what} ({s.flag} or {s.env[0]})" for s in missing)
            from_outputs = outputs.problem or "the stack has no " + ", ".join(s.output for s in missing) + " output"
            raise CliError(f"missing {wanted}; stack outputs: {from_outputs}; tags: {error}", ExitCode.CONFIG) from None
        cluster_from, service_from = cluster_from or "stack tags", service_from or "stack tags"
        cluster, service = cluster or found_cluster, service or found_service
    origins = list(dict.fromkeys([cluster_from, service_from]))
    origin = f"stack {stack}" if stack else (
        "the selected stack" if any("stack" in where for where in origins) else f"no stack: {', '.join(origins)}")
    return _config(cluster, service, region, outputs, flags, environ, origin)


def untargeted(flags: Mapping[str, Any], environ: Mapping[str, str], outputs: StackOutputs) -> Config:
    """The configuration of a command that needs no cluster or service (`try`): nothing is looked up."""
    region = flags.get("region") or next((environ[name] for name in REGION.env if environ.get(name)), None)
    return _config("-", "-", region, outputs, flags, environ, origin="")


def _config(cluster: str, service: str, region: str | None, outputs: StackOutputs, flags: Mapping[str, Any],
            environ: Mapping[str, str], origin: str) -> Config:
    return Config(cluster=cluster, service=service, region=region, outputs=outputs, origin=origin,
                  prod_rule_arn=flags.get("prod_rule_arn") or environ.get("BG_PROD_RULE_ARN") or None,
                  test_header_value=environ.get(TEST_HEADER_VALUE_VARIABLE) or None)


def _first_found(source: Source, flags: Mapping[str, Any], environ: Mapping[str, str], outputs: StackOutputs,
                 stack: str | None) -> tuple[str | None, str]:
    """(value, where it came from): its flag, then its variables and the stack output in the order above."""
    from_env = [(name, lambda name=name: environ.get(name)) for name in source.env]
    from_output = [(f"stack output {source.output}", lambda: outputs.get(source.output))]
    if stack:  # the region's variables stay a fallback: the tags must be searched in some region
        from_env = from_env if source is REGION else []
        candidates = [(source.flag, lambda: flags.get(source.key)), *from_output, *from_env]
    else:
        candidates = [(source.flag, lambda: flags.get(source.key)), *from_env, *from_output]
    for origin, read in candidates:
        if isinstance(value := read(), str) and value:
            return value, origin
    return None, ""


TAGGED_TYPES = ["ecs:cluster", "ecs:service"]
PROJECT_TAG = ("project", PROJECT_NAME)


def find_tagged_service(tagging: Any, stack: str) -> tuple[str, str]:
    """(cluster, service) of the one ECS service tagged project=ecs-bluegreen and stack=STACK."""
    filters = [{"Key": PROJECT_TAG[0], "Values": [PROJECT_TAG[1]]}, {"Key": "stack", "Values": [stack]}]
    arns: list[str] = []
    token = ""
    while True:
        page = tagging.get_resources(TagFilters=filters, ResourceTypeFilters=TAGGED_TYPES,
                                     **({"PaginationToken": token} if token else {}))
        arns.extend(mapping["ResourceARN"] for mapping in page.get("ResourceTagMappingList", []))
        token = page.get("PaginationToken", "")
        if not token:
            break
    # arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/SERVICE (only the long ARN format carries tags)
    services = [arn.split(":service/", 1)[1].split("/") for arn in arns if ":service/" in arn]
    services = [path for path in services if len(path) == 2]
    where = f"tagged {PROJECT_TAG[0]}={PROJECT_TAG[1]}, stack={stack} (region {tagging.meta.region_name})"
    if len(services) == 1:
        return services[0][0], services[0][1]
    if not services:
        clusters = [arn.rsplit("/", 1)[-1] for arn in arns if ":cluster/" in arn]
        also = f"; found cluster {', '.join(clusters)} without a service" if clusters else ""
        raise CliError(f"no ECS service {where}{also}", ExitCode.CONFIG)
    found = ", ".join("/".join(path) for path in services)
    raise CliError(f"{len(services)} ECS services {where}: {one_line(found)}; pass --cluster and --service",
                   ExitCode.CONFIG)
