"""The components as a Pulumi package for every language: the schema Pulumi's own analyzer derives from
them (what `pulumi package add` generates SDKs from), the YAML example against it, and the provider-facing
component registering what the stack program registers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from functools import cache
from typing import Any, get_args

import grpc
import pulumi
import pytest
import yaml
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from ecs_bluegreen import rollout
from ecs_bluegreen.blue_green_targets import BlueGreenTargets as LibraryTargets
from ecs_bluegreen.blue_green_targets import BlueGreenTargetsArgs as LibraryTargetsArgs
from config_reader import project_values
from ecs_bluegreen_provider import (
    COMPONENTS, PACKAGE_NAME, PACKAGE_VERSION, BlueGreenService, BlueGreenServiceArgs, BlueGreenTargets,
    BlueGreenTargetsArgs, ComponentInputError, LifecycleHookArgs,
)
from ecs_bluegreen_provider.blue_green_service import service_args
from ecs_bluegreen_provider.blue_green_targets import targets_args
from settings import PROJECT_DIR, PROJECT_NAME, STRATEGIES, StackSettings, parse_settings
from tests.aws_types import RANDOM_PASSWORD, RULE, SERVICE, TARGET_GROUP, TASK_DEFINITION
from tests.pulumi_harness import ProgramRun, run_component, run_program, stack_config

PROVIDER_DIR = PROJECT_DIR / "ecs_bluegreen_provider"
YAML_EXAMPLE = PROJECT_DIR / "examples" / "yaml" / "Pulumi.yaml"
SERVICE_TOKEN = f"{PACKAGE_NAME}:index:BlueGreenService"
TARGETS_TOKEN = f"{PACKAGE_NAME}:index:BlueGreenTargets"
TYPES = f"#/types/{PACKAGE_NAME}:index:"


@cache
def _schema_text() -> str:
    # The schema the plugin's GetSchema answers with: the host's own path (analyzer, then generate_schema).
    schema = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION).schema
    assert schema is not None
    return schema


def schema() -> dict[str, Any]:
    return json.loads(_schema_text())


def service_schema() -> dict[str, Any]:
    return schema()["resources"][SERVICE_TOKEN]


def targets_schema() -> dict[str, Any]:
    return schema()["resources"][TARGETS_TOKEN]


# --- the schema --------------------------------------------------------------------------------------


def test_the_package_serves_blue_green_service_and_blue_green_targets_under_its_name() -> None:
    document = schema()
    assert document["name"] == PACKAGE_NAME == PROJECT_NAME
    assert set(document["resources"]) == {SERVICE_TOKEN, TARGETS_TOKEN}
    assert all(document["resources"][token]["isComponent"] is True for token in (SERVICE_TOKEN, TARGETS_TOKEN))


def test_required_inputs_are_the_wiring_the_service_cannot_guess() -> None:
    assert set(service_schema()["requiredInputs"]) == {
        "image", "appVersion", "subnetIds", "securityGroupId", "blueTargetGroupArn", "greenTargetGroupArn",
        "productionListenerRuleArn"}


@pytest.mark.parametrize(("name", "expected"), [
    ("image", {"type": "string"}),
    ("securityGroupId", {"type": "string"}),
    ("blueTargetGroupArn", {"type": "string"}),
    ("productionListenerRuleArn", {"type": "string"}),
    ("testListenerRuleArn", {"type": "string"}),
    ("subnetIds", {"type": "array", "items": {"type": "string"}}),
    ("rollbackAlarmNames", {"type": "array", "items": {"type": "string"}}),
    # Decided while the component is constructed (names, validation, the rollout timeout): plain.
    ("appVersion", {"type": "string", "plain": True}),
    ("containerPort", {"type": "integer", "plain": True}),
    ("cpu", {"type": "integer", "plain": True}),
    ("memory", {"type": "integer", "plain": True}),
    ("desiredCount", {"type": "integer", "plain": True}),
    ("bakeTimeMinutes", {"type": "integer", "plain": True}),
    ("assignPublicIp", {"type": "boolean", "plain": True}),
    ("desiredCountManagedByAutoscaling", {"type": "boolean", "plain": True}),
    ("strategy", {"$ref": f"{TYPES}DeploymentStrategy", "plain": True}),
    ("linear", {"$ref": f"{TYPES}LinearArgs", "plain": True}),
    ("canary", {"$ref": f"{TYPES}CanaryArgs", "plain": True}),
    ("lifecycleHooks", {"type": "array", "plain": True, "items": {"$ref": f"{TYPES}LifecycleHookArgs", "plain": True}}),
])
def test_each_input_has_its_type(name: str, expected: dict[str, Any]) -> None:
    prop = service_schema()["inputProperties"][name]
    assert _shape(prop) == expected
    assert prop["description"], f"{name} has no description"


def test_outputs_are_the_service_identifiers_and_the_rollout_timeout() -> None:
    outputs = {name: _shape(prop) for name, prop in service_schema()["properties"].items()}
    assert outputs == {
        "clusterName": {"type": "string"}, "serviceName": {"type": "string"}, "serviceArn": {"type": "string"},
        "taskDefinitionArn": {"type": "string"}, "logGroupName": {"type": "string"},
        "rolloutTimeoutMinutes": {"type": "integer"}}


def test_blue_green_targets_needs_only_the_vpc_and_the_listener() -> None:
    assert set(targets_schema()["requiredInputs"]) == {"vpcId", "listenerArn"}


def test_blue_green_targets_inputs_have_their_types() -> None:
    plain_strings = {"type": "array", "plain": True, "items": {"type": "string", "plain": True}}
    inputs = targets_schema()["inputProperties"]
    assert {name: _shape(prop) for name, prop in inputs.items()} == {
        "vpcId": {"type": "string"}, "listenerArn": {"type": "string"},
        # They decide the target groups' and rules' settings and are checked while the component is built.
        "containerPort": {"type": "integer", "plain": True},
        "healthCheckPath": {"type": "string", "plain": True},
        "testTrafficHeaderName": {"type": "string", "plain": True},
        "productionRulePriority": {"type": "integer", "plain": True},
        "testRulePriority": {"type": "integer", "plain": True},
        "productionPathPatterns": plain_strings,
        "hostHeaders": plain_strings,
        "deregistrationDelaySeconds": {"type": "integer", "plain": True},
    }
    assert all(prop["description"] for prop in inputs.values())


def test_blue_green_targets_outputs_are_the_services_traffic_inputs_and_the_test_header() -> None:
    outputs = targets_schema()["properties"]
    names = ("blueTargetGroupArn", "greenTargetGroupArn", "blueTargetGroupArnSuffix", "greenTargetGroupArnSuffix",
             "productionListenerRuleArn", "testListenerRuleArn", "testTrafficHeaderName", "testTrafficHeaderValue")
    assert {name: _shape(prop) for name, prop in outputs.items()} == {name: {"type": "string"} for name in names}
    # The test rule and its header exist only with testTrafficHeaderName.
    assert set(targets_schema()["required"]) == set(names[:5])
    # The analyzer has no way to mark an output secret in the schema (there is no `secret` in
    # pulumi/provider/experimental); the value itself is a secret Output (tested under the host below).
    assert "secret" in outputs["testTrafficHeaderValue"]["description"]
    assert "secret" not in json.dumps({name: _shape(prop) for name, prop in outputs.items()})


def test_lifecycle_hooks_are_a_lambda_or_a_pause_with_a_stage_and_a_budget() -> None:
    hook = schema()["types"][f"{PACKAGE_NAME}:index:LifecycleHookArgs"]
    assert set(hook["required"]) == {"stage", "budgetMinutes"}
    assert {name: _shape(prop) for name, prop in hook["properties"].items()} == {
        "stage": {"$ref": f"{TYPES}LifecycleStage", "plain": True},
        "budgetMinutes": {"type": "integer", "plain": True},
        "functionArn": {"type": "string"},
        "invokeRoleArn": {"type": "string"},
        "details": {"type": "string"},
        "pauseTimeoutAction": {"$ref": f"{TYPES}TimeoutAction", "plain": True},
    }


@pytest.mark.parametrize(("enum", "values"), [
    ("DeploymentStrategy", STRATEGIES),
    ("LifecycleStage", get_args(rollout.LifecycleStage)),
    ("TimeoutAction", rollout.TIMEOUT_ACTIONS),
])
def test_enums_are_exactly_what_the_rollout_accepts(enum: str, values: tuple[str, ...]) -> None:
    definition = schema()["types"][f"{PACKAGE_NAME}:index:{enum}"]
    assert definition["type"] == "string"
    assert [value["value"] for value in definition["enum"]] == list(values)


def test_internal_settings_types_stay_out_of_the_schema() -> None:
    # BlueGreenTargets' inputs are flat (no object types of its own).
    assert set(schema()["types"]) == {f"{PACKAGE_NAME}:index:{name}" for name in (
        "DeploymentStrategy", "LinearArgs", "CanaryArgs", "LifecycleHookArgs", "LifecycleStage", "TimeoutAction")}
    assert not any(word in _schema_text() for word in ("ServiceSettings", "Rollout\"", "LoadBalancerSettings"))


def _shape(prop: dict[str, Any]) -> dict[str, Any]:
    """A property's type, without its description."""
    return {key: _shape(value) if isinstance(value, dict) else value
            for key, value in prop.items() if key != "description"}


# --- the plugin's layout ---------------------------------------------------------------------------


def test_the_plugin_directory_is_a_python_plugin_with_its_own_entry_point() -> None:
    manifest = yaml.safe_load((PROVIDER_DIR / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    entry = (PROVIDER_DIR / "__main__.py").read_text()
    assert "component_provider_host(COMPONENTS, PACKAGE_NAME" in entry
    # The repository root's __main__.py is the stack program: a plugin there would run it.
    assert not (PROJECT_DIR / "PulumiPlugin.yaml").exists()


# --- the YAML example against the schema -----------------------------------------------------------


def _yaml_example() -> dict[str, Any]:
    return yaml.safe_load(YAML_EXAMPLE.read_text())


def test_the_yaml_example_adds_this_package() -> None:
    example = _yaml_example()
    assert example["runtime"] == "yaml"
    source = example["packages"][PACKAGE_NAME]
    assert (YAML_EXAMPLE.parent / source / "PulumiPlugin.yaml").is_file()


def test_the_yaml_example_sets_only_inputs_the_schema_has_with_their_types() -> None:
    example = _yaml_example()
    resources = example["resources"]
    config = set(example.get("config") or {})
    ours = {name: r for name, r in resources.items() if r["type"].startswith(f"{PACKAGE_NAME}:")}
    assert ours, "the example uses none of this package's components"
    for name, resource in ours.items():
        definition = schema()["resources"].get(resource["type"])
        assert definition is not None, f"{name}: {resource['type']} is not in the schema"
        properties = resource.get("properties") or {}
        missing = set(definition.get("requiredInputs", [])) - set(properties)
        assert not missing, f"{name} does not set the required inputs {sorted(missing)}"
        for key, value in properties.items():
            assert key in definition["inputProperties"], f"{name}.{key} is not an input of {resource['type']}"
            _check_value(f"{name}.{key}", definition["inputProperties"][key], value, config, resources)


def test_the_yaml_example_wires_the_service_to_the_targets_it_creates() -> None:
    """A YAML user needs only a VPC, subnets, a security group, a listener and an image: no target group or
    rule of their own."""
    example = _yaml_example()
    resources = example["resources"]
    (targets, target_props), = [(name, r["properties"]) for name, r in resources.items() if r["type"] == TARGETS_TOKEN]
    service = next(r["properties"] for r in resources.values() if r["type"] == SERVICE_TOKEN)
    for name in ("blueTargetGroupArn", "greenTargetGroupArn", "productionListenerRuleArn", "testListenerRuleArn"):
        assert service[name] == f"${{{targets}.{name}}}"
    assert set(example["config"]) == {"image", "appVersion", "subnetIds", "securityGroupId", "vpcId", "listenerArn"}
    # Its values pass the component's own checks, mapped as the host maps them (config references stand in).
    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION)
    read = provider.map_inputs(target_props, provider._component_defs["BlueGreenTargets"])
    assert targets_args(read).test_traffic_header_name == "X-Canary"  # type: ignore[arg-type]


def _check_value(path: str, prop: dict[str, Any], value: Any, config: set[str], resources: dict[str, Any]) -> None:
    if isinstance(value, str) and value.startswith("${") and value.endswith("}"):
        _check_reference(path, prop, value[2:-1], config, resources)
        return
    ref = prop.get("$ref")
    if ref is not None:
        _check_value_of_type(path, schema()["types"][ref.removeprefix("#/types/")], value, config, resources)
        return
    kind = prop["type"]
    if kind == "array":
        assert isinstance(value, list), f"{path}: {value!r} is not a list"
        for index, item in enumerate(value):
            _check_value(f"{path}[{index}]", prop["items"], item, config, resources)
        return
    assert _literal_fits(kind, value), f"{path}: {value!r} is not a {kind}"


def _check_value_of_type(path: str, definition: dict[str, Any], value: Any, config: set[str],
                         resources: dict[str, Any]) -> None:
    if "enum" in definition:
        assert value in [member["value"] for member in definition["enum"]], f"{path}: {value!r} is not in the enum"
        return
    assert isinstance(value, dict), f"{path}: {value!r} is not an object"
    missing = set(definition.get("required", [])) - set(value)
    assert not missing, f"{path} does not set {sorted(missing)}"
    for key, item in value.items():
        assert key in definition["properties"], f"{path}.{key} is not a property"
        _check_value(f"{path}.{key}", definition["properties"][key], item, config, resources)


def _check_reference(path: str, prop: dict[str, Any], expression: str, config: set[str],
                     resources: dict[str, Any]) -> None:
    """`${configKey}` is known at construction; `${resource.output}` is not, so never for a plain input."""
    if expression in config:
        return
    assert not prop.get("plain"), f"{path} is plain: it takes a literal or a config value, not ${{{expression}}}"
    resource_name = expression.split(".", 1)[0]
    assert resource_name in resources, f"{path}: ${{{expression}}} names no config key or resource"
    other = schema()["resources"].get(resources[resource_name]["type"])
    if other is not None:  # another of this package's components: its output must exist
        assert expression.split(".", 1)[1] in other["properties"], f"{path}: no output {expression}"


def _literal_fits(kind: str, value: Any) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, {"string": str, "boolean": bool}[kind])


# --- delegation: the same service the stack program registers ---------------------------------------

RICH: dict[str, Any] = dict(
    cpu=512, memory=2048, containerPort=9090, desiredCount=2, logRetentionDays=30, healthCheckGracePeriodSeconds=60,
    containerInsights=True, readOnlyRootFilesystem=True, containerHealthCheck=True, deploymentStrategy="CANARY",
    canary={"percent": 20, "bakeMinutes": 3}, bakeTimeMinutes=5, smokeTest={"enabled": True},
    manualApproval={"enabled": True, "timeoutMinutes": 30, "timeoutAction": "CONTINUE"},
    rollbackAlarms={"enabled": True},
)


def test_with_only_its_wiring_it_registers_what_a_default_stack_registers() -> None:
    program = run_program("dev")
    _assert_same_service(program, run_component(lambda: BlueGreenService("app", _wiring(program)), stack="dev"))


def test_with_equivalent_settings_it_registers_what_the_stack_program_registers() -> None:
    program = run_program("dev", **RICH)
    settings = parse_settings("dev", program.region, project_values(stack_config("dev", **RICH), PROJECT_NAME))
    args = {**_wiring(program), **_settings_args(program, settings)}
    _assert_same_service(program, run_component(lambda: BlueGreenService("app", args), stack="dev"))  # type: ignore[arg-type]


def _assert_same_service(program: ProgramRun, ours: ProgramRun) -> None:
    for kind in (SERVICE, TASK_DEFINITION):
        theirs, mine = program.one(kind), ours.one(kind)
        assert mine.inputs == theirs.inputs
        assert (mine.ignore_changes, mine.custom_timeouts) == (theirs.ignore_changes, theirs.custom_timeouts)
    assert ours.resources[0].type == SERVICE_TOKEN
    assert ours.one(SERVICE).name == "app-service"


def _wiring(program: ProgramRun) -> BlueGreenServiceArgs:
    """The required inputs, wired to the program's (mocked) resources, and the version it deploys."""
    service, task = program.one(SERVICE), program.one(TASK_DEFINITION)
    wiring = service["loadBalancers"][0]
    container = json.loads(task["containerDefinitions"])[0]
    args: BlueGreenServiceArgs = {
        "image": container["image"],
        "app_version": next(env["value"] for env in container["environment"] if env["name"] == "APP_VERSION"),
        "subnet_ids": service["networkConfiguration"]["subnets"],
        "assign_public_ip": service["networkConfiguration"]["assignPublicIp"],
        "security_group_id": service["networkConfiguration"]["securityGroups"][0],
        "blue_target_group_arn": wiring["targetGroupArn"],
        "green_target_group_arn": wiring["advancedConfiguration"]["alternateTargetGroupArn"],
        "production_listener_rule_arn": wiring["advancedConfiguration"]["productionListenerRule"],
    }
    if "testListenerRule" in wiring["advancedConfiguration"]:
        args["test_listener_rule_arn"] = wiring["advancedConfiguration"]["testListenerRule"]
    if service.get("alarms"):
        args["rollback_alarm_names"] = service["alarms"]["alarmNames"]
    return args


def _settings_args(program: ProgramRun, settings: StackSettings) -> dict[str, Any]:
    """The stack's settings as BlueGreenService's inputs."""
    strategy = settings.deployment.strategy
    args: dict[str, Any] = {
        "cpu": settings.service.cpu, "memory": settings.service.memory,
        "container_port": settings.service.container_port, "desired_count": settings.service.desired_count,
        "health_check_grace_period_seconds": settings.service.health_check_grace_period_seconds,
        "log_retention_days": settings.service.log_retention_days,
        "container_insights": settings.service.container_insights,
        "read_only_root_filesystem": settings.service.read_only_root_filesystem,
        "container_health_check": settings.service.container_health_check,
        "strategy": strategy.kind,
        "bake_time_minutes": settings.deployment.bake_time_minutes,
        "lifecycle_hooks": _hooks(program.one(SERVICE), settings),
    }
    if isinstance(strategy, rollout.Canary):
        args["canary"] = {"percent": strategy.percent, "bake_minutes": strategy.bake_minutes}
    return args


def _hooks(service: Any, settings: StackSettings) -> list[LifecycleHookArgs]:
    hooks: list[LifecycleHookArgs] = []
    for registered in service["deploymentConfiguration"].get("lifecycleHooks", []):
        stage = registered["lifecycleStages"][0]
        if "hookTargetArn" in registered:
            smoke_test = settings.deployment.smoke_test
            assert smoke_test is not None
            hooks.append({"stage": stage, "budget_minutes": smoke_test.budget_minutes,  # type: ignore[typeddict-item]
                          "function_arn": registered["hookTargetArn"], "invoke_role_arn": registered["roleArn"],
                          "details": registered["hookDetails"]})
        else:
            timeout = registered["timeoutConfiguration"]
            hooks.append({"stage": stage, "budget_minutes": int(timeout["timeoutInMinutes"]),  # type: ignore[typeddict-item]
                          "pause_timeout_action": timeout["action"]})
    return hooks


def test_the_rollout_timeout_counts_the_hooks_budgets() -> None:
    hook: LifecycleHookArgs = {"stage": "POST_TEST_TRAFFIC_SHIFT", "budget_minutes": 40,  # type: ignore[typeddict-item]
                               "pause_timeout_action": "ROLLBACK"}  # type: ignore[typeddict-item]
    run = run_component(lambda: BlueGreenService("svc", _minimal(lifecycle_hooks=[hook], bake_time_minutes=0)))
    service = run.one(SERVICE)
    assert service.custom_timeouts == {"create": "70m", "update": "70m"}  # 30 overhead + 40 + 0 bake
    assert service["deploymentConfiguration"]["lifecycleHooks"][0]["targetType"] == "PAUSE"


def test_an_autoscaled_service_leaves_its_task_count_to_autoscaling() -> None:
    run = run_component(lambda: BlueGreenService("svc", _minimal(desired_count_managed_by_autoscaling=True)))
    assert run.one(SERVICE).ignore_changes == ["loadBalancers", "desiredCount"]


def test_whole_numbers_arrive_as_floats_and_are_sent_as_integers() -> None:
    # The provider host hands integers over as floats (component.py: map_input_properties).
    run = run_component(lambda: BlueGreenService("svc", _minimal(cpu=512.0, memory=1024.0)))  # type: ignore[arg-type]
    task = run.one(TASK_DEFINITION)
    assert (task["cpu"], task["memory"]) == ("512", "1024")


# --- refusals: one error naming the input, the value and what is allowed -------------------------------


@pytest.mark.parametrize(("overrides", "message"), [
    ({"cpu": pulumi.Output.from_input(512)}, "input 'cpu': '<output>' is not allowed; a value known when"),
    ({"container_port": 8080.5}, "input 'containerPort': 8080.5 is not allowed; a whole number"),
    ({"strategy": "ROLLING"}, "input 'strategy': 'ROLLING' is not allowed; one of BLUE_GREEN, LINEAR, CANARY"),
    ({"linear": {"step_percent": 20}}, "input 'linear': {'step_percent': 20} is not allowed; allowed only with "
                                       "strategy LINEAR (it is BLUE_GREEN)"),
    ({"lifecycle_hooks": [{"stage": "POST_SCALE_UP", "budget_minutes": 5}]},
     "BlueGreenService lifecycleHooks[0] input 'pauseTimeoutAction': None is not allowed; set either"),
    ({"lifecycle_hooks": [{"stage": "POST_SCALE_UP", "budget_minutes": 5, "function_arn": "arn:fn",
                           "invoke_role_arn": "arn:role", "details": "[1]"}]},
     "lifecycleHooks[0] input 'details': '[1]' is not allowed; a JSON object, as a string"),
])
def test_a_bad_input_is_refused_by_its_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ComponentInputError, match=_literal(message)):
        _service_args(_minimal(**overrides))


def test_the_internal_checks_say_which_component_refused() -> None:
    with pytest.raises(ValueError, match=_literal("BlueGreenService: cpu 256 with memory 4096 is not a Fargate task size")):
        _service_args(_minimal(memory=4096))


def test_an_integer_input_cannot_be_another_resources_output_under_the_host() -> None:
    """Why sizes, ports and budgets are plain: the SDK's host converts every integer input with int(),
    which an Output refuses (pulumi/provider/experimental/component.py, map_input_properties)."""
    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION)
    definition = provider._component_defs["BlueGreenService"]
    inputs = {**_schema_inputs(), "cpu": pulumi.Output.from_input(512.0)}
    with pytest.raises(TypeError):
        provider.map_inputs(inputs, definition)


def _schema_inputs() -> dict[str, Any]:
    return {"image": "repo@sha256:" + "0" * 64, "appVersion": "v1", "subnetIds": ["subnet-a"],
            "securityGroupId": "sg-1", "blueTargetGroupArn": "arn:blue", "greenTargetGroupArn": "arn:green",
            "productionListenerRuleArn": "arn:rule"}


def _minimal(**overrides: Any) -> BlueGreenServiceArgs:
    args: dict[str, Any] = {
        "image": "repo@sha256:" + "0" * 64, "app_version": "v1", "subnet_ids": ["subnet-a", "subnet-b"],
        "security_group_id": "sg-1", "blue_target_group_arn": "arn:blue", "green_target_group_arn": "arn:green",
        "production_listener_rule_arn": "arn:rule", "region": "eu-west-1", **overrides}
    return args  # type: ignore[return-value]


def _service_args(args: BlueGreenServiceArgs) -> Any:
    return service_args(args)


def _literal(text: str) -> str:
    return re.escape(text)


def test_the_plugin_process_answers_get_schema_with_that_schema() -> None:
    """What `pulumi package add` does first: run the plugin's entry point and ask for its schema."""
    # From another directory, as the language host runs it: `python <plugin directory> <engine address>`.
    plugin = subprocess.Popen([sys.executable, str(PROVIDER_DIR), "127.0.0.1:1"], cwd="/",
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert plugin.stdout is not None
        port = plugin.stdout.readline().strip()
        assert port.isdigit(), f"the plugin printed no port: {port!r} {plugin.stderr.read() if plugin.stderr else ''}"
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            response = provider_pb2_grpc.ResourceProviderStub(channel).GetSchema(
                provider_pb2.GetSchemaRequest(version=0), timeout=30)
        assert json.loads(response.schema) == schema()
    finally:
        plugin.terminate()
        plugin.wait(timeout=10)


# --- BlueGreenTargets: the library's target groups and rules, from flat inputs ---------------------------

LISTENER_ARN = "arn:aws:elasticloadbalancing:ap-northeast-1:123456789012:listener/app/shared/0123/4567"


def _targets(**overrides: Any) -> BlueGreenTargetsArgs:
    return {"vpc_id": "vpc-1", "listener_arn": LISTENER_ARN, **overrides}  # type: ignore[typeddict-item]


def _registered(run: ProgramRun) -> list[tuple[str, str, str, list[str], set[str]]]:
    """What reaches AWS (and the test header's secret), by type and name."""
    return sorted((r.type, r.name, json.dumps(r.inputs, sort_keys=True), r.ignore_changes, r.secret_inputs)
                  for r in run.resources if r.type in (TARGET_GROUP, RULE, RANDOM_PASSWORD))


@pytest.mark.parametrize(("ours", "theirs"), [
    ({}, {"container_port": 8080}),
    ({"containerPort": 9090.0, "healthCheckPath": "/ready", "testTrafficHeaderName": "X-Canary",
      "productionRulePriority": 300.0, "testRulePriority": 20.0, "deregistrationDelaySeconds": 5.0},
     {"container_port": 9090, "health_check_path": "/ready", "test_traffic_header_name": "X-Canary",
      "production_rule_priority": 300, "test_rule_priority": 20, "deregistration_delay_seconds": 5}),
])
def test_blue_green_targets_registers_what_the_librarys_registers(ours: dict[str, Any], theirs: dict[str, Any]) -> None:
    # Through the host's own path: schema names, whole numbers as floats (map_inputs), then the constructor.
    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION)
    inputs = {"vpcId": "vpc-1", "listenerArn": LISTENER_ARN, **ours}
    served = run_component(lambda: provider.construct("app", TARGETS_TOKEN, inputs))
    library = run_component(lambda: LibraryTargets("app", LibraryTargetsArgs(
        vpc_id="vpc-1", listener_arn=LISTENER_ARN, **theirs)))
    assert _registered(served) == _registered(library)
    assert len(served.of_type(TARGET_GROUP)) == 2
    assert len(served.of_type(RULE)) == (2 if "test_traffic_header_name" in theirs else 1)
    assert served.resources[0].type == TARGETS_TOKEN


def test_blue_green_targets_rules_are_on_the_given_listener_and_leave_the_weights_to_ecs() -> None:
    run = run_component(lambda: BlueGreenTargets("app", _targets(
        test_traffic_header_name="X-Canary", production_path_patterns=["/api/*", "/health"],
        host_headers=["app.example.com"])))
    for rule in run.of_type(RULE):
        assert rule["listenerArn"] == LISTENER_ARN
        assert rule.ignore_changes == ["actions"]
    production, test = run.one(RULE, "production-rule"), run.one(RULE, "test-rule")
    assert production["conditions"] == [{"pathPattern": {"values": ["/api/*", "/health"]}},
                                        {"hostHeader": {"values": ["app.example.com"]}}]
    assert production["priority"] == 100 and test["priority"] == 10
    assert test["conditions"][0]["httpHeader"]["httpHeaderName"] == "X-Canary"


def test_blue_green_targets_production_rule_matches_every_path_by_default() -> None:
    run = run_component(lambda: BlueGreenTargets("app", _targets()))
    assert run.one(RULE, "production-rule")["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    assert not [r for r in run.of_type(RULE) if "test-rule" in r.name]


def test_blue_green_targets_outputs_wire_blue_green_service_and_the_header_value_stays_secret() -> None:
    provider = ComponentProvider(COMPONENTS, PACKAGE_NAME, version=PACKAGE_VERSION)
    state: dict[str, Any] = {}

    def build() -> None:
        result = provider.construct("app", TARGETS_TOKEN, {"vpcId": "vpc-1", "listenerArn": LISTENER_ARN,
                                                           "testTrafficHeaderName": "X-Canary"})
        state.update(result.state)
        value = pulumi.Output.from_input(result.state["testTrafficHeaderValue"])
        pulumi.export("valueIsSecret", pulumi.Output.from_input(value.is_secret()))
        pulumi.export("state", pulumi.Output.from_input(result.state))

    run = run_component(build)
    assert run.outputs["valueIsSecret"] is True
    outputs = run.outputs["state"]
    groups = {color: run.one(TARGET_GROUP, f"app-{color}").state for color in ("blue", "green")}
    assert outputs == {
        "blueTargetGroupArn": groups["blue"]["arn"], "greenTargetGroupArn": groups["green"]["arn"],
        "blueTargetGroupArnSuffix": groups["blue"]["arnSuffix"],
        "greenTargetGroupArnSuffix": groups["green"]["arnSuffix"],
        "productionListenerRuleArn": run.one(RULE, "production-rule").state["arn"],
        "testListenerRuleArn": run.one(RULE, "test-rule").state["arn"],
        "testTrafficHeaderName": "X-Canary", "testTrafficHeaderValue": run.one(RANDOM_PASSWORD).state["result"]}
    assert set(state) == set(targets_schema()["properties"])


@pytest.mark.parametrize(("overrides", "message"), [
    ({"test_rule_priority": 100}, "BlueGreenTargets input 'testRulePriority': 100 is not allowed; rule priorities "
                                  "test 100 < production 100 must both be in 1-50000"),
    ({"production_rule_priority": 50001}, "input 'productionRulePriority': 50001 is not allowed; rule priorities"),
    ({"test_traffic_header_name": "X Canary"}, "input 'testTrafficHeaderName': 'X Canary' is not allowed; "
                                               "test_traffic_header_name 'X Canary' is not a header name"),
    ({"container_port": 80}, "input 'containerPort': 80 is not allowed; container_port 80 is not in 1024-65535"),
    ({"health_check_path": "health"}, "input 'healthCheckPath': 'health' is not allowed; health_check_path"),
    ({"deregistration_delay_seconds": 3601}, "input 'deregistrationDelaySeconds': 3601 is not allowed;"),
    ({"host_headers": []}, "input 'hostHeaders': [] is not allowed; a non-empty list of non-empty strings"),
    ({"production_path_patterns": "/*"}, "input 'productionPathPatterns': '/*' is not allowed; a non-empty list"),
    ({"test_rule_priority": pulumi.Output.from_input(5)}, "input 'testRulePriority': '<output>' is not allowed"),
])
def test_blue_green_targets_refuses_a_bad_input_by_its_name(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ComponentInputError, match=_literal(message)) as refused:
        targets_args(_targets(**overrides))
    assert "\n" not in str(refused.value)
