"""Runs the real Pulumi program (or one component) under Pulumi's mocks and records what it registers.

Every registration is kept with its inputs *and* its resource options (parent, ignore_changes,
depends_on, custom timeouts), so tests assert on what `pulumi up` would send to the engine.
Mocked outputs (ARNs, names, ids) are derived from the resource's own name and inputs, so references
between resources can be followed: a service input equal to a target group's mocked ARN is that group.
"""

from __future__ import annotations

import hashlib
import json
import runpy
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pulumi
from google.protobuf import json_format
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from settings import PROJECT_DIR, PROJECT_NAME
from tests.aws_types import KNOWN as KNOWN_TYPE_TOKENS

ACCOUNT_ID = "123456789012"
ORGANIZATION = "organization"  # what a DIY (file or S3) backend names every stack's organization
_SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"

# What the mocked provider's aws.ec2.get_subnet knows: subnet ID -> (VPC ID, availability zone). A test
# passes its own table to run_program(subnets=...); this one has a VPC with public and private subnets in
# three zones, and subnets of another VPC.
EXISTING_VPC_ID = "vpc-0a1b2c3d4e5f60718"
OTHER_VPC_ID = "vpc-0fedcba9876543210"
EXISTING_SUBNETS: dict[str, tuple[str, str]] = {
    "subnet-0a00000000000000a": (EXISTING_VPC_ID, "ap-northeast-1a"),  # public
    "subnet-0c00000000000000c": (EXISTING_VPC_ID, "ap-northeast-1c"),  # public
    "subnet-0d00000000000000d": (EXISTING_VPC_ID, "ap-northeast-1d"),  # public
    "subnet-1a00000000000000a": (EXISTING_VPC_ID, "ap-northeast-1a"),  # private
    "subnet-1c00000000000000c": (EXISTING_VPC_ID, "ap-northeast-1c"),  # private
    "subnet-1d00000000000000d": (EXISTING_VPC_ID, "ap-northeast-1d"),  # private
    "subnet-9a00000000000000a": (OTHER_VPC_ID, "ap-northeast-1a"),
    "subnet-9c00000000000000c": (OTHER_VPC_ID, "ap-northeast-1c"),
}


def _unwrap_secrets(value: Any, path: str, secret_paths: set[str]) -> Any:
    """Inputs as the engine gets them, with secret markers removed (and their paths noted)."""
    if isinstance(value, dict):
        if _SECRET_SIGNATURE in value:
            secret_paths.add(path)
            return _unwrap_secrets(value["value"], path, secret_paths)
        return {k: _unwrap_secrets(v, f"{path}.{k}" if path else k, secret_paths) for k, v in value.items()}
    if isinstance(value, list):
        return [_unwrap_secrets(v, f"{path}[{i}]", secret_paths) for i, v in enumerate(value)]
    return value


@dataclass
class Registered:
    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    inputs: dict[str, Any]
    state: dict[str, Any]
    id: str
    ignore_changes: list[str]
    dependencies: list[str]
    custom_timeouts: dict[str, str]
    secret_inputs: set[str]
    provider: str
    """`<provider urn>::<provider id>` for a custom resource; empty means the default provider."""
    providers: dict[str, str]
    """Package -> provider reference, as passed to a (remote) component."""
    aliases: list[dict[str, Any]]
    """As sent: {"spec": {"parentUrn": ..., "name": ...}} or {"urn": ...}."""

    def __getitem__(self, key: str) -> Any:
        return self.inputs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.inputs.get(key, default)


@dataclass
class ProgramRun:
    resources: list[Registered]
    outputs: dict[str, Any]
    region: str = "ap-northeast-1"
    stacks_read: list[str] = field(default_factory=list)
    """The stacks whose outputs the program read (readStackOutputs), in order."""
    subnets_looked_up: list[tuple[str, str]] = field(default_factory=list)
    """(subnet ID, the provider reference the lookup was made with), in order."""
    _by_urn: dict[str, Registered] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_urn = {r.urn: r for r in self.resources}

    def of_type(self, type_: str) -> list[Registered]:
        # A misspelled token would find nothing, and an absence check would pass without checking.
        assert type_ in KNOWN_TYPE_TOKENS, f"{type_!r} is not a type token of tests/aws_types.py"
        return [r for r in self.resources if r.type == type_]

    def one(self, type_: str, name_contains: str = "") -> Registered:
        found = [r for r in self.of_type(type_) if name_contains in r.name]
        assert len(found) == 1, f"expected one {type_} named *{name_contains}*, got {[r.name for r in found]}"
        return found[0]

    def by_output(self, key: str, value: Any) -> Registered:
        """The resource whose mocked output `key` equals `value` (follows a reference)."""
        found = [r for r in self.resources if r.state.get(key) == value]
        assert len(found) == 1, f"expected one resource with {key}={value!r}, got {[r.name for r in found]}"
        return found[0]

    def by_urn(self, urn: str) -> Registered:
        return self._by_urn[urn]

    def children_of(self, parent: Registered) -> Iterator[Registered]:
        return (r for r in self.resources if r.parent == parent.urn)


class _EngineError(grpc.RpcError):
    """An invoke the engine answers with an error, as the resource monitor reports it over gRPC."""

    def __init__(self, details: str) -> None:
        super().__init__(details)
        self._details = details

    def code(self) -> grpc.StatusCode:
        return grpc.StatusCode.UNKNOWN

    def details(self) -> str:
        return self._details


class _Mocks(pulumi.runtime.Mocks):
    def __init__(self, region: str, previous_outputs: Mapping[str, Any] | None = None,
                 readable_stack_names: Callable[[str], bool] | None = None,
                 subnets: Mapping[str, tuple[str, str]] = EXISTING_SUBNETS) -> None:
        self.region = region
        self.previous_outputs = dict(previous_outputs or {})
        self.readable_stack_names = readable_stack_names
        self.subnets = dict(subnets)
        self.stacks_read: list[str] = []
        self.subnets_looked_up: list[tuple[str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        outputs = dict(args.inputs)
        short = args.name.rsplit("-", 1)[-1]
        resource_id = f"{args.name}-id"
        service = args.typ.split(":")[1].split("/")[0]
        region = "" if service == "iam" else self.region  # IAM is global: its ARNs name no region
        arn = f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{args.typ.split(':')[-1].lower()}/{args.name}"
        typ = args.typ
        if typ.startswith("aws:"):
            outputs.setdefault("arn", arn)
            outputs.setdefault("name", outputs.get("namePrefix", "") + args.name)
        if typ == "awsx:ec2:Vpc":
            zones = args.inputs.get("availabilityZoneNames", [])
            # A remote component: its outputs are its own, not an echo of its inputs.
            outputs = dict(vpcId=f"{args.name}-vpc-id",
                           publicSubnetIds=[f"{args.name}-public-{zone}" for zone in zones],
                           privateSubnetIds=[f"{args.name}-private-{zone}" for zone in zones]
                           if any(s["type"] == "Private" for s in args.inputs.get("subnetSpecs", [])) else [])
        elif typ in ("aws:lb/targetGroup:TargetGroup", "aws:lb/loadBalancer:LoadBalancer"):
            outputs["arnSuffix"] = f"{short}/{args.name}/0123456789abcdef"
            if typ == "aws:lb/loadBalancer:LoadBalancer":
                outputs["dnsName"] = f"{args.name}-123456.{self.region}.elb.amazonaws.com"
                outputs["zoneId"] = "Z14GRHDCWA56QT"
        elif typ == "aws:ecr/repository:Repository":
            outputs["registryId"] = ACCOUNT_ID
            outputs["repositoryUrl"] = f"{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com/{args.name}"
        elif typ == "docker:index/image:Image":
            digest = hashlib.sha256(json.dumps(args.inputs.get("build"), sort_keys=True).encode()).hexdigest()
            repository = str(args.inputs["imageName"]).rsplit(":", 1)[0]
            outputs["repoDigest"] = f"{repository}@sha256:{digest}"
        elif typ == "aws:ecs/taskDefinition:TaskDefinition":
            revision = hashlib.sha256(json.dumps(args.inputs, sort_keys=True).encode()).hexdigest()[:6]
            outputs["arn"] = f"arn:aws:ecs:{self.region}:{ACCOUNT_ID}:task-definition/{args.inputs['family']}:{revision}"
        elif typ == "random:index/randomPassword:RandomPassword":
            outputs["result"] = "R" * int(args.inputs.get("length", 16))
        elif typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            outputs["name"] = args.inputs.get("name", args.name)
        return (resource_id if args.custom else None), outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        if args.token == "pulumi:pulumi:readStackOutputs":
            # The engine's builtin provider: the named stack's outputs as its last update left them.
            self.stacks_read.append(args.args["name"])
            if self.readable_stack_names is not None and not self.readable_stack_names(args.args["name"]):
                raise _EngineError(f"invocation of {args.token} returned an error: unknown stack {args.args['name']!r}")
            return {"name": args.args["name"], "outputs": self.previous_outputs, "secretOutputNames": []}, []
        if args.token == "aws:ecr/getAuthorizationToken:getAuthorizationToken":
            return {"userName": "AWS", "password": "ecr-password", "authorizationToken": "token",
                    "proxyEndpoint": f"https://{ACCOUNT_ID}.dkr.ecr.{self.region}.amazonaws.com"}, []
        if args.token == "aws:ec2/getSubnet:getSubnet":
            subnet_id = args.args["id"]
            self.subnets_looked_up.append((subnet_id, args.provider))
            if subnet_id not in self.subnets:
                return {}, [("id", "no matching EC2 Subnet found")]
            vpc_id, zone = self.subnets[subnet_id]
            return {"id": subnet_id, "vpcId": vpc_id, "availabilityZone": zone}, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT_ID, "arn": f"arn:aws:iam::{ACCOUNT_ID}:user/test", "userId": "test"}, []
        raise NotImplementedError(f"the mocks do not answer the invoke {args.token}")


class _RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: _Mocks) -> None:
        super().__init__(mocks)
        self.registered: list[Registered] = []

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == "pulumi:pulumi:Stack":
            return response
        registration = self.resources[response.urn]
        timeouts = request.customTimeouts
        secret_paths: set[str] = set()
        inputs = _unwrap_secrets(pulumi.runtime.rpc.deserialize_properties(request.object), "", secret_paths)
        self.registered.append(Registered(
            type=request.type,
            name=request.name,
            urn=response.urn,
            parent=request.parent,
            custom=bool(request.custom),
            inputs=inputs,
            state=dict(registration.state),
            id=registration.id,
            ignore_changes=list(request.ignoreChanges),
            dependencies=list(request.dependencies),
            custom_timeouts={k: getattr(timeouts, k) for k in ("create", "update", "delete")
                             if getattr(timeouts, k)},
            secret_inputs=secret_paths,
            provider=request.provider,
            providers=dict(request.providers),
            aliases=[json_format.MessageToDict(alias) for alias in request.aliases],
        ))
        return response


class ProgramFailed(Exception):
    """The program raised; `resources` holds what it had registered before that."""

    def __init__(self, cause: BaseException, resources: list[Registered]) -> None:
        super().__init__(str(cause))
        self.cause = cause
        self.resources = resources


def _run(body: Callable[[], None], *, stack: str, config: Mapping[str, Any], region: str,
         previous_outputs: Mapping[str, Any] | None = None,
         readable_stack_names: Callable[[str], bool] | None = None, project: str = PROJECT_NAME,
         subnets: Mapping[str, tuple[str, str]] = EXISTING_SUBNETS) -> ProgramRun:
    mocks = _Mocks(region, previous_outputs, readable_stack_names, subnets)
    monitor = _RecordingMonitor(mocks)
    pulumi_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False, monitor=monitor,
                             organization=ORGANIZATION)
    pulumi.runtime.set_all_config({key: v if isinstance(v, str) else json.dumps(v) for key, v in config.items()})
    # What pulumi.runtime.mocks.test() does before each test: forget a previous run's pending work.
    runtime_state: Any = pulumi_settings.SETTINGS
    runtime_state.rpc_manager.clear()
    runtime_state.outputs.clear()
    try:
        _sync_await(run_pulumi_func(body))
    except Exception as error:
        raise ProgramFailed(error, monitor.registered) from error
    root = pulumi_settings.get_root_resource()
    outputs = {}
    if root is not None:
        for key, value in getattr(root, "outputs", {}).items():
            outputs[key] = _sync_await(pulumi.Output.from_input(value).future())
    return ProgramRun(resources=monitor.registered, outputs=outputs, region=region, stacks_read=mocks.stacks_read,
                      subnets_looked_up=mocks.subnets_looked_up)


def project_name(program_dir: Path = PROJECT_DIR) -> str:
    import yaml

    return str(yaml.safe_load((program_dir / "Pulumi.yaml").read_text())["name"])


def stack_config(stack: str, program_dir: Path = PROJECT_DIR, **overrides: Any) -> dict[str, Any]:
    """`Pulumi.<stack>.yaml`'s config (none if the program has no such file), with project keys overridden by
    name (without the prefix)."""
    import yaml

    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    document = (yaml.safe_load(stack_file.read_text()) if stack_file.exists() else None) or {}
    config = dict(document.get("config") or {})
    project = project_name(program_dir)
    for key, value in overrides.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if value is None:
            config.pop(full_key, None)
        else:
            config[full_key] = value
    return config


def run_program(stack: str = "dev", *, previous_outputs: Mapping[str, Any] | None = None,
                readable_stack_names: Callable[[str], bool] | None = None,
                subnets: Mapping[str, tuple[str, str]] = EXISTING_SUBNETS, **overrides: Any) -> ProgramRun:
    """Runs `__main__.py` as `pulumi up` would, with the stack file's config plus overrides; the stack's
    previous outputs are `previous_outputs` (a stack never deployed has none), readable by the names
    `readable_stack_names` accepts (default: any), and the subnets the AWS provider can look up are
    `subnets` (ID -> (VPC ID, availability zone))."""
    return run_program_at(PROJECT_DIR, stack, previous_outputs=previous_outputs,
                          readable_stack_names=readable_stack_names, subnets=subnets, **overrides)


def run_program_at(program_dir: Path, stack: str, *, previous_outputs: Mapping[str, Any] | None = None,
                   readable_stack_names: Callable[[str], bool] | None = None,
                   subnets: Mapping[str, tuple[str, str]] = EXISTING_SUBNETS, **overrides: Any) -> ProgramRun:
    """Runs the Pulumi program in `program_dir` (its Pulumi.yaml names the project) like run_program."""
    config = stack_config(stack, program_dir, **overrides)
    region = str(config.get("aws:region", "ap-northeast-1"))

    def program() -> None:
        runpy.run_path(str(program_dir / "__main__.py"), run_name="__main__")

    return _run(program, stack=stack, config=config, region=region, previous_outputs=previous_outputs,
                readable_stack_names=readable_stack_names, project=project_name(program_dir), subnets=subnets)


def run_component(build: Callable[[], object], region: str = "ap-northeast-1", stack: str = "test") -> ProgramRun:
    """Registers one component on its own (no stack config but the region), in the stack named `stack`."""

    def program() -> None:
        build()

    return _run(program, stack=stack, config={"aws:region": region}, region=region)
