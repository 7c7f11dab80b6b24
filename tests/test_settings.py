"""Every settings rule: the seed's defaults, and a clear error for each bad value."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
import pytest
import yaml

from ecs_bluegreen.container_image import ContainerImageArgs, PrebuiltImage
from ecs_bluegreen.network import ExistingNetworkArgs, NetworkArgs
from ecs_bluegreen.rollout import Linear
from settings import PROJECT_DIR, SettingsError, StackSettings, parse_settings, settings_for_stack_file
from tests.pulumi_harness import EXISTING_VPC_ID, ProgramFailed, run_program

CONFIGURATION_DOC = PROJECT_DIR / "docs" / "configuration.md"


# An existing VPC's subnets (tests/pulumi_harness.py's table): public ones for the ALB, private for the tasks.
ALB_SUBNETS = ["subnet-0a00000000000000a", "subnet-0c00000000000000c"]
TASK_SUBNETS = ["subnet-1a00000000000000a", "subnet-1c00000000000000c"]
EXISTING_NETWORK = {"vpcId": EXISTING_VPC_ID, "albSubnetIds": ALB_SUBNETS, "taskSubnetIds": TASK_SUBNETS}


def parse(**values: object) -> StackSettings:
    raw = {"appVersion": "v1"}
    raw.update({key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()})
    return parse_settings("dev", "ap-northeast-1", raw)


def created_network(settings: StackSettings) -> NetworkArgs:
    assert isinstance(settings.network, NetworkArgs), "the stack creates its VPC"
    return settings.network


def test_dev_stack_file_gives_the_seed_values() -> None:
    settings = settings_for_stack_file("dev")
    assert settings.region == "ap-northeast-1"
    assert settings.app_version == "v1"
    assert created_network(settings).vpc_cidr == "10.0.0.0/16"
    assert created_network(settings).availability_zones == ("ap-northeast-1a", "ap-northeast-1c")
    assert created_network(settings).public_subnet_cidrs == ("10.0.1.0/24", "10.0.2.0/24")
    assert (settings.service.cpu, settings.service.memory) == (256, 512)
    assert settings.service.desired_count == 1
    assert settings.service.container_port == 8080
    assert settings.load_balancer.health_check_path == "/health"
    assert settings.deployment.bake_time_minutes == 15
    assert settings.service.wait_for_steady_state is True


def test_values_are_converted_from_pulumi_strings() -> None:
    settings = parse(desiredCount="3", cpu="1024", memory="3072", bakeTimeMinutes="0", waitForSteadyState="false",
                     availabilityZones=["ap-northeast-1a", "ap-northeast-1d"],
                     publicSubnetCidrs=["10.0.10.0/24", "10.0.20.0/24"])
    assert settings.service.desired_count == 3
    assert (settings.service.cpu, settings.service.memory) == (1024, 3072)
    assert settings.deployment.bake_time_minutes == 0
    assert settings.service.wait_for_steady_state is False
    assert created_network(settings).availability_zones == ("ap-northeast-1a", "ap-northeast-1d")


BAD_VALUES = [
    # (key, bad value, a fragment of what the error must say is allowed)
    ("appVersion", "v1 beta", "Docker tag"),
    ("appVersion", "-v1", "Docker tag"),
    ("vpcCidr", "10.0.0.0/33", "IPv4 CIDR"),
    ("vpcCidr", "10.0.0.0/8", "/16 to /28"),
    ("availabilityZones", ["ap-northeast-1a"], "two different availability zones"),
    ("availabilityZones", ["ap-northeast-1a", "ap-northeast-1a"], "two different availability zones"),
    ("availabilityZones", ["us-east-1a", "us-east-1b"], "zone names of region ap-northeast-1"),
    ("availabilityZones", "ap-northeast-1a", "a list of strings"),
    ("publicSubnetCidrs", ["10.0.1.0/24"], "two CIDR blocks"),
    ("publicSubnetCidrs", ["10.1.1.0/24", "10.0.2.0/24"], "inside vpcCidr 10.0.0.0/16"),
    ("publicSubnetCidrs", ["10.0.1.0/24", "10.0.1.128/25"], "do not overlap"),
    ("publicSubnetCidrs", ["10.0.1.0/24", "nonsense"], "IPv4 CIDR"),
    ("desiredCount", 0, "from 1 to 100"),
    ("desiredCount", "two", "from 1 to 100"),
    ("cpu", 300, "one of 256, 512, 1024"),
    ("memory", 4096, "one of 512, 1024, 2048"),  # not valid with the default 256 CPU units
    ("containerPort", 80, "from 1024 to 65535"),
    ("containerPort", 70000, "from 1024 to 65535"),
    ("bakeTimeMinutes", 1441, "from 0 to 1440"),
    ("bakeTimeMinutes", -1, "from 0 to 1440"),
    ("healthCheckPath", "health", "starting with '/'"),
    ("healthCheckPath", "/he alth", "starting with '/'"),
    ("healthCheckGracePeriodSeconds", -5, "from 0 to"),
    ("waitForSteadyState", "yes", "true or false"),
    ("logRetentionDays", 10, "one of 1, 3, 5, 7, 14"),
    ("imageRepositoryForceDelete", "maybe", "true or false"),
    ("imagesToKeep", 0, "from 1 to 1000"),
    ("desiredCont", 2, "unknown (a typo?)"),
    ("deploymentStrategy", "ROLLING", "one of BLUE_GREEN, LINEAR, CANARY"),
    ("deploymentCircuitBreaker", "on", "true or false"),
    ("testTraffic.enabled", "1", "true or false"),
    ("testTraffic.headerName", "X Test", "HTTP header name"),
    ("testTraffic.headerName", "X_Test", "letters, digits and '-'"),
    ("testTraffic.headerName", "Host", "other than Host"),
    ("testTraffic.headerName", "X-" + "a" * 40, "at most 40 characters"),
    ("testTraffic.speed", 1, "unknown (a typo?)"),
    ("smokeTest.enabled", "sure", "true or false"),
    ("smokeTest.healthPath", "health", "starting with '/'"),
    ("smokeTest.versionPath", "", "starting with '/'"),
    ("smokeTest.maxAttempts", 0, "from 1 to 100"),
    ("smokeTest.maxAttempts", 101, "from 1 to 100"),
    ("smokeTest.callbackDelaySeconds", 0, "from 1 to 600"),
    ("smokeTest.maxAtempts", 5, "unknown (a typo?)"),
    ("manualApproval.enabled", "y", "true or false"),
    ("manualApproval.timeoutMinutes", 0, "from 1 to 20160"),
    ("manualApproval.timeoutMinutes", 20161, "from 1 to 20160"),
    ("manualApproval.timeoutAction", "ABORT", "one of ROLLBACK, CONTINUE"),
    ("rollbackAlarms.enabled", "no", "true or false"),
    ("taskSubnets", "isolated", "one of public, private"),
    ("natGateways", "Single", "allowed only with taskSubnets: private"),
    ("vpcEndpoints", True, "allowed only with taskSubnets: private"),
    ("privateSubnetCidrs", ["10.0.11.0/24", "10.0.12.0/24"], "allowed only with taskSubnets: private"),
    ("https.certificateArn", "arn:aws:iam::123456789012:server-certificate/x", "an ACM certificate ARN"),
    ("https.domainName", "app.example.com", "allowed only with https.certificateArn"),
    ("https.hostedZoneId", "Z0123", "allowed only with https.certificateArn"),
    ("albDeletionProtection", "yes", "true or false"),
    ("albDropInvalidHeaderFields", "1", "true or false"),
    ("readOnlyRootFilesystem", "ro", "true or false"),
    ("containerHealthCheck", "on", "true or false"),
    ("containerInsights", "enhanced", "true or false"),
    ("imageTagMutability", "IMMUTABLE_WITH_EXCLUSION", "one of MUTABLE, IMMUTABLE"),
    ("autoscaling.enabled", "auto", "true or false"),
    ("autoscaling.maxCapacity", 4, "allowed only with autoscaling.enabled: true"),
    ("owner", "team<script>", "a tag value"),
    # Values are validated whole: a trailing newline (`re.match` with `$` lets one through), spaces
    # around a number, and an empty value where a default exists are errors, not near-misses.
    ("appVersion", "v2\n", "Docker tag"),
    ("healthCheckPath", "/health\n", "starting with '/'"),
    ("smokeTest.healthPath", "/health\n", "starting with '/'"),
    ("testTraffic.headerName", "X-Test\n", "HTTP header name"),
    ("testTraffic.headerName", "", "HTTP header name"),
    ("owner", "", "a tag value"),
    ("vpcCidr", "", "IPv4 CIDR"),
    ("desiredCount", " 2", "a whole number from 1 to 100"),
    ("desiredCount", "2\n", "a whole number from 1 to 100"),
    ("desiredCount", "1_0", "a whole number from 1 to 100"),
    ("waitForSteadyState", "true\n", "true or false"),
]


def as_config(key: str, value: object) -> dict[str, object]:
    """`smokeTest.maxAttempts: 5` is stored by Pulumi as the object `smokeTest: {maxAttempts: 5}`."""
    if "." in key:
        outer, inner = key.split(".", 1)
        return {outer: {inner: value}}
    return {key: value}


# Features whose other keys are refused while the feature is off: their bad values are tried with it on.
SWITCHED_ON_FOR_BAD_VALUES = ("smokeTest.", "manualApproval.", "testTraffic.")


def with_feature_on(key: str, value: object) -> dict[str, object]:
    config = as_config(key, value)
    outer = key.split(".", 1)[0]
    if key.startswith(SWITCHED_ON_FOR_BAD_VALUES) and not key.endswith(".enabled"):
        inner = config[outer]
        assert isinstance(inner, dict)
        config[outer] = {"enabled": True, **inner}
    return config


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES, ids=[f"{k}={v}" for k, v, _ in BAD_VALUES])
def test_bad_value_is_rejected_naming_key_value_and_what_is_allowed(key: str, value: object, allowed: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse(**with_feature_on(key, value))
    message = str(error.value)
    assert error.value.key == key
    assert f"config '{key}'" in message
    # A list is shown whole, or by the element at fault.
    shown = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    assert any(text in message for text in shown + [str(value), repr(value), json.dumps(value)])
    assert allowed in message


def test_memory_is_checked_against_the_chosen_cpu() -> None:
    assert parse(cpu=4096, memory=8192).service.memory == 8192
    with pytest.raises(SettingsError, match="config 'memory'.*one of 8192, 9216"):
        parse(cpu=4096, memory=512)


def test_app_version_is_required() -> None:
    with pytest.raises(SettingsError, match="config 'appVersion': None"):
        parse_settings("dev", "ap-northeast-1", {})


def test_region_is_required() -> None:
    with pytest.raises(SettingsError, match="config 'aws:region'.*pulumi config set aws:region"):
        parse_settings("dev", None, {"appVersion": "v1"})


def test_the_default_autoscaling_maximum_stays_within_its_range() -> None:
    settings = parse(desiredCount=50, autoscaling={"enabled": True})
    assert settings.autoscaling is not None and settings.autoscaling.max_capacity == 100
    assert parse(desiredCount=2, autoscaling={"enabled": True}).autoscaling == \
        parse(desiredCount=2, autoscaling={"enabled": True, "maxCapacity": 6}).autoscaling


def test_a_vpc_of_its_own_cidr_needs_only_its_public_subnets_while_tasks_are_public() -> None:
    # The private subnets' defaults (10.0.11.0/24, ...) lie outside this VPC, but no private subnet is made.
    settings = parse(vpcCidr="10.1.0.0/16", publicSubnetCidrs=["10.1.1.0/24", "10.1.2.0/24"])
    assert created_network(settings).vpc_cidr == "10.1.0.0/16"
    assert created_network(settings).private_subnet_cidrs == ()
    with pytest.raises(SettingsError, match="config 'privateSubnetCidrs': '10.0.11.0/24'.*inside vpcCidr 10.1.0.0/16"):
        parse(vpcCidr="10.1.0.0/16", publicSubnetCidrs=["10.1.1.0/24", "10.1.2.0/24"], taskSubnets="private")


@pytest.mark.parametrize("stack", ["dev.eu", "prod.v2"])
def test_a_stack_name_pulumi_allows_but_ecs_does_not_is_refused_in_one_line(stack: str) -> None:
    # Pulumi stack names allow '.', which the task definition family (ecs-bluegreen-<stack>-app) cannot hold.
    with pytest.raises(SettingsError) as error:
        parse_settings(stack, "ap-northeast-1", {"appVersion": "v1"})
    assert str(error.value).startswith(f"Pulumi 'stack name': {stack!r} is not allowed; allowed: letters, digits, "
                                       "'-' and '_'")
    assert stack.replace(".", "-") in str(error.value), "it suggests a name that works"


def test_other_regions_must_name_their_zones() -> None:
    with pytest.raises(SettingsError, match="config 'availabilityZones'"):
        parse_settings("dev", "eu-west-1", {"appVersion": "v1"})
    settings = parse_settings("dev", "eu-west-1", {"appVersion": "v1",
                                                   "availabilityZones": '["eu-west-1a", "eu-west-1b"]'})
    assert created_network(settings).availability_zones == ("eu-west-1a", "eu-west-1b")


def test_a_bad_value_stops_the_program_before_any_resource_is_registered() -> None:
    with pytest.raises(ProgramFailed) as failure:
        run_program("dev", bakeTimeMinutes=2000)
    assert isinstance(failure.value.cause, SettingsError)
    assert "config 'bakeTimeMinutes': 2000" in str(failure.value.cause)
    assert failure.value.resources == []


def test_a_settings_error_is_the_run_error_the_language_host_prints_as_one_line() -> None:
    # pulumi-language-python-exec: `except pulumi.RunError as e: pulumi.log.error(str(e))`; any
    # other exception is logged with traceback.format_exc().
    with pytest.raises(ProgramFailed) as failure:
        run_program("dev", appVersion="v2\n")
    assert isinstance(failure.value.cause, pulumi.RunError)
    message = str(failure.value.cause)
    assert message == "config 'appVersion': 'v2\\n' is not allowed; allowed: a Docker tag such as v1 " \
                      "(letters, digits, '_', '.', '-'; at most 128)"
    assert "\n" not in message


@pytest.mark.parametrize(("key", "value"), [("linear.stepPercent", "nan"), ("linear.stepPercent", "inf"),
                                            ("linear.stepPercent", "1e1"), ("linear.stepPercent", " 10"),
                                            ("linear.stepPercent", "3.33")])  # ECS: multiples of 0.1
def test_decimal_settings_take_plain_decimals_only(key: str, value: str) -> None:
    with pytest.raises(SettingsError, match=f"config '{re.escape(key)}'.*a number with at most one decimal from 3.0"):
        parse(deploymentStrategy="LINEAR", **as_config(key, value))
    assert parse(deploymentStrategy="LINEAR", linear={"stepPercent": "12.5"}).deployment.strategy == Linear(12.5, 1)


STRATEGY_BAD_VALUES = [
    ({"deploymentStrategy": "LINEAR", "linear": {"stepPercent": 2}}, "linear.stepPercent", "from 3.0 to 100.0"),
    ({"deploymentStrategy": "LINEAR", "linear": {"stepPercent": 100.5}}, "linear.stepPercent", "from 3.0 to 100.0"),
    ({"deploymentStrategy": "LINEAR", "linear": {"stepPercent": "ten"}}, "linear.stepPercent", "a number"),
    ({"deploymentStrategy": "LINEAR", "linear": {"stepBakeMinutes": 1441}}, "linear.stepBakeMinutes", "0 to 1440"),
    ({"deploymentStrategy": "CANARY", "canary": {"percent": 0.05}}, "canary.percent", "from 0.1 to 100.0"),
    ({"deploymentStrategy": "CANARY", "canary": {"bakeMinutes": -1}}, "canary.bakeMinutes", "0 to 1440"),
    ({"canary": {"percent": 5}}, "canary.percent", "only with deploymentStrategy CANARY (it is BLUE_GREEN)"),
    ({"rollbackAlarms": {"enabled": True, "target5xxThreshold": 0}}, "rollbackAlarms.target5xxThreshold", "from 1 to"),
    ({"rollbackAlarms": {"enabled": True, "unhealthyHostsThreshold": 0}}, "rollbackAlarms.unhealthyHostsThreshold",
     "from 1 to 1000"),
    ({"rollbackAlarms": {"enabled": True, "evaluationPeriods": 11}}, "rollbackAlarms.evaluationPeriods", "from 1 to 10"),
    ({"rollbackAlarms": {"evaluationPeriods": 3}}, "rollbackAlarms.evaluationPeriods",
     "allowed only with rollbackAlarms.enabled: true"),
    ({"smokeTest": {"maxAttempts": 3}}, "smokeTest.maxAttempts", "allowed only with smokeTest.enabled: true"),
    ({"manualApproval": {"timeoutMinutes": 30}}, "manualApproval.timeoutMinutes",
     "allowed only with manualApproval.enabled: true"),
    ({"deploymentStrategy": "CANARY", "linear": {"stepPercent": 5}}, "linear.stepPercent",
     "only with deploymentStrategy LINEAR (it is CANARY)"),
]


@pytest.mark.parametrize(("values", "key", "allowed"), STRATEGY_BAD_VALUES,
                         ids=[f"{k}:{json.dumps(v)}" for v, k, _ in STRATEGY_BAD_VALUES])
def test_strategy_parameters_are_checked_against_aws_ranges(values: dict, key: str, allowed: str) -> None:
    assert_refused(values, key, allowed)


def assert_refused(values: dict, key: str, allowed: str) -> None:
    """The settings refuse `values` for `key`, in one line saying what is allowed."""
    with pytest.raises(SettingsError) as error:
        parse(**values)
    assert error.value.key == key
    assert f"config '{key}'" in str(error.value)
    assert allowed in str(error.value)
    assert "\n" not in str(error.value)


def test_smoke_test_and_approval_turn_test_traffic_on_but_not_over_an_explicit_false() -> None:
    assert parse(smokeTest={"enabled": True}).load_balancer.test_traffic_header_name == "X-Bluegreen-Test"
    assert parse(manualApproval={"enabled": True}).load_balancer.test_traffic_header_name == "X-Bluegreen-Test"
    assert parse().load_balancer.test_traffic_header_name is None
    with pytest.raises(SettingsError, match="config 'testTraffic.enabled': False.*smokeTest.enabled"):
        parse(smokeTest={"enabled": True}, testTraffic={"enabled": False})


def test_turning_test_traffic_off_under_the_smoke_test_is_explained_before_any_key_it_makes_unused() -> None:
    with pytest.raises(SettingsError, match="config 'testTraffic.enabled': False.*smokeTest.enabled"):
        parse(smokeTest={"enabled": True}, testTraffic={"enabled": False, "headerName": "X-Canary"})


def test_a_header_name_without_a_test_rule_is_refused_not_ignored() -> None:
    with pytest.raises(SettingsError, match="config 'testTraffic.headerName': 'X-Canary'.*testTraffic.enabled: true"):
        parse(testTraffic={"headerName": "X-Canary"})
    assert parse(testTraffic={"enabled": True, "headerName": "X-Canary"}).load_balancer.test_traffic_header_name \
        == "X-Canary"


def test_nested_values_may_be_strings_as_pulumi_config_set_path_stores_them() -> None:
    smoke_test = parse(smokeTest={"enabled": "true", "maxAttempts": "3"}).deployment.smoke_test
    assert smoke_test is not None, "enabled"
    assert smoke_test.max_attempts == 3
    assert smoke_test.health_path == "/health", "defaults to the target group's health check"


CERTIFICATE = "arn:aws:acm:ap-northeast-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"

PROFILE_BAD_VALUES = [
    ({"taskSubnets": "private", "natGateways": "None"}, "natGateways", "or set vpcEndpoints: true"),
    ({"taskSubnets": "private", "natGateways": "Some"}, "natGateways", "one of None, Single, OnePerAz"),
    ({"taskSubnets": "private", "privateSubnetCidrs": ["10.0.1.0/24", "10.0.12.0/24"]}, "privateSubnetCidrs",
     "do not overlap publicSubnetCidrs"),
    ({"taskSubnets": "private", "privateSubnetCidrs": ["10.9.1.0/24", "10.0.12.0/24"]}, "privateSubnetCidrs",
     "inside vpcCidr"),
    ({"https": {"certificateArn": CERTIFICATE.replace("ap-northeast-1", "us-east-1"), "domainName": "a.example.com"}},
     "https.certificateArn", "in the stack's region ap-northeast-1"),
    ({"https": {"certificateArn": CERTIFICATE}}, "https.domainName", "required with https.certificateArn"),
    ({"https": {"certificateArn": CERTIFICATE, "domainName": "not a domain"}}, "https.domainName", "DNS name"),
    ({"https": {"certificateArn": CERTIFICATE, "domainName": "a.example.com", "hostedZoneId": "zone"}},
     "https.hostedZoneId", "Route 53 hosted zone ID"),
    ({"autoscaling": {"enabled": True, "minCapacity": 3}}, "desiredCount", "from autoscaling.minCapacity 3"),
    ({"smokeTest": {"enabled": True}, "https": {"certificateArn": CERTIFICATE, "domainName": "a.example.com"}},
     "https.hostedZoneId", "required while smokeTest.enabled is true with HTTPS"),
    ({"publicSubnetCidrs": ["10.0.1.0/28", "10.0.2.0/24"]}, "publicSubnetCidrs", "an ALB needs /27 subnets"),
    ({"desiredCount": 8, "autoscaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 4}}, "desiredCount",
     "to autoscaling.maxCapacity 4"),
    ({"autoscaling": {"enabled": True, "minCapacity": 4, "maxCapacity": 2}}, "autoscaling.maxCapacity", "from 4 to 100"),
    ({"autoscaling": {"enabled": True, "cpuTargetPercent": 99}}, "autoscaling.cpuTargetPercent", "from 10 to 95"),
    ({"autoscaling": {"enabled": True, "memoryTargetPercent": 5}}, "autoscaling.memoryTargetPercent",
     "from 10 to 95"),
]


@pytest.mark.parametrize(("values", "key", "allowed"), PROFILE_BAD_VALUES,
                         ids=[f"{k}:{json.dumps(v)}" for v, k, _ in PROFILE_BAD_VALUES])
def test_production_profile_rules(values: dict, key: str, allowed: str) -> None:
    assert_refused(values, key, allowed)


def test_private_tasks_default_to_a_nat_gateway_per_zone_unless_endpoints_are_on() -> None:
    assert created_network(parse(taskSubnets="private")).nat_gateways == "OnePerAz"
    assert created_network(parse(taskSubnets="private", vpcEndpoints=True)).nat_gateways == "None"
    assert created_network(parse()).nat_gateways == "None"
    assert created_network(parse()).private_subnet_cidrs == ()


def test_prod_stack_file_is_the_production_profile() -> None:
    settings = settings_for_stack_file("prod")
    assert created_network(settings).private and created_network(settings).nat_gateways == "OnePerAz"
    assert settings.load_balancer.https is not None
    assert settings.service.desired_count >= 2
    assert settings.autoscaling is not None and settings.autoscaling.min_capacity >= 2
    assert settings.deployment.smoke_test is not None and settings.deployment.rollback_alarms is not None
    assert settings.tags == {"project": "ecs-bluegreen", "stack": "prod", "owner": "platform-team"}


def test_the_config_reference_documents_exactly_the_keys_the_program_reads() -> None:
    # The unknown-key error lists every key the settings read; with autoscaling on, that is all of them.
    with pytest.raises(SettingsError) as error:
        parse(autoscaling={"enabled": True}, zzzUnknown=1)
    known = set(error.value.allowed.split("known keys: ", 1)[1].split(", "))
    doc = CONFIGURATION_DOC.read_text()
    table = doc[doc.index("## Configuration\n"):doc.index("Outputs:")]
    documented = set(re.findall(r"^\| `([A-Za-z0-9.]+)` \|", table, flags=re.MULTILINE))
    assert known == documented


# Settings a key only applies with (the config table: "only with ..."), so its row can be checked on its own.
ROW_CONTEXT: dict[str, dict[str, object]] = {
    "linear.": {"deploymentStrategy": "LINEAR"}, "canary.": {"deploymentStrategy": "CANARY"},
    "autoscaling.": {"autoscaling": {"enabled": True}}, "rollbackAlarms.": {"rollbackAlarms": {"enabled": True}},
    "smokeTest.": {"smokeTest": {"enabled": True}}, "manualApproval.": {"manualApproval": {"enabled": True}},
    "testTraffic.": {"testTraffic": {"enabled": True}},
    "privateSubnetCidrs": {"taskSubnets": "private"},
    "vpcEndpoints": {"taskSubnets": "private"},
    "existingNetwork.": {"existingNetwork": EXISTING_NETWORK},
}


def config_table() -> list[tuple[str, str, str]]:
    """(key, default cell, allowed cell) for each row of the config table in docs/configuration.md."""
    doc = CONFIGURATION_DOC.read_text()
    table = doc[doc.index("## Configuration\n"):doc.index("Outputs:")]
    return re.findall(r"^\| `([A-Za-z0-9.]+)` \| ([^|]+) \| ([^|]+) \|", table, flags=re.MULTILINE)


def parse_row(key: str, value: object | None = None) -> StackSettings:
    context = next((c for prefix, c in ROW_CONTEXT.items() if key.startswith(prefix) and not key.endswith(".enabled")),
                   {})
    merged: dict[str, object] = json.loads(json.dumps(context))
    if value is not None:
        outer, _, inner = key.partition(".")
        if inner:
            nested = merged.setdefault(outer, {})
            assert isinstance(nested, dict)
            nested[inner] = value
        else:
            merged[key] = value
    return parse(**merged)


DOCUMENTED_DEFAULTS = [(key, literal.group(1)) for key, cell, _ in config_table()
                       if (literal := re.fullmatch(r"`([^`]+)`(?: \(.*\))?", cell.strip()))
                       and key not in ("aws:region", "natGateways")  # defaults that depend on other keys
                       and literal.group(1) not in {row[0] for row in config_table()}]  # "= another key"
DOCUMENTED_RANGES = [(key, match.group(1), match.group(2)) for key, _, allowed in config_table()
                     if (match := re.match(r"(\d+(?:\.\d+)?)–(\d+(?:\.\d+)?)", allowed.strip()))]


@pytest.mark.parametrize(("key", "default"), DOCUMENTED_DEFAULTS, ids=[k for k, _ in DOCUMENTED_DEFAULTS])
def test_each_documented_default_is_the_default(key: str, default: str) -> None:
    # Setting the documented default explicitly must give exactly the settings that leaving it unset gives.
    value = yaml.safe_load(default) if default.startswith("[") else default
    assert parse_row(key, value if isinstance(value, list) else str(value)) == parse_row(key)


@pytest.mark.parametrize(("key", "low", "high"), DOCUMENTED_RANGES, ids=[k for k, _, _ in DOCUMENTED_RANGES])
def test_each_documented_range_is_the_range(key: str, low: str, high: str) -> None:
    below = str(float(low) / 2) if "." in low else str(int(low) - 1)
    above = str(float(high) + 1) if "." in high else str(int(high) + 1)
    for outside in (below, above):
        with pytest.raises(SettingsError) as error:
            parse_row(key, outside)
        assert error.value.key == key, f"{key}={outside} was refused for {error.value.key}, not for itself"
    for inside in (low, high):
        try:
            parse_row(key, inside)
        except SettingsError as error:
            assert error.key != key, f"{key}={inside} is documented as allowed: {error}"


# ---------------------------------------------------------------------------------------------
# An existing network, and the image: your own, built or pre-built


def existing(**changes: object) -> dict[str, Any]:
    return {"existingNetwork": {**EXISTING_NETWORK, **changes}}


PREBUILT_REF = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team/app@sha256:" + "0123456789abcdef" * 4

OWN_NETWORK_AND_IMAGE_BAD_VALUES = [
    (existing(vpcId="vpc-123"), "existingNetwork.vpcId", "a VPC ID, vpc- and 8 or 17 hex digits"),
    (existing(vpcId="vpc-0A1B2C3D4E5F60718"), "existingNetwork.vpcId", "a VPC ID"),
    (existing(vpcId="vpc-0a1b2c3d4e5f60718\n"), "existingNetwork.vpcId", "a VPC ID"),
    (existing(albSubnetIds=ALB_SUBNETS[:1]), "existingNetwork.albSubnetIds", "at least 2 subnet IDs"),
    (existing(albSubnetIds=[ALB_SUBNETS[0]] * 2), "existingNetwork.albSubnetIds", "without repeats"),
    (existing(albSubnetIds=[ALB_SUBNETS[0], "subnet-xyz"]), "existingNetwork.albSubnetIds", "subnet IDs such as"),
    (existing(albSubnetIds="subnet-0a00000000000000a"), "existingNetwork.albSubnetIds", "a list of strings"),
    (existing(taskSubnetIds=[]), "existingNetwork.taskSubnetIds", "required with existingNetwork.vpcId"),
    (existing(taskSubnetsPublic="yes"), "existingNetwork.taskSubnetsPublic", "true or false"),
    ({"existingNetwork": {"albSubnetIds": ALB_SUBNETS}}, "existingNetwork.albSubnetIds",
     "allowed only with existingNetwork.vpcId"),
    ({"existingNetwork": {"taskSubnetsPublic": True}}, "existingNetwork.taskSubnetsPublic",
     "allowed only with existingNetwork.vpcId"),
    ({"image": {"prebuilt": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app:v1"}}, "image.prebuilt",
     "<registry>/<repository>@sha256:<64 hex digits>"),
    ({"image": {"prebuilt": PREBUILT_REF[:-1]}}, "image.prebuilt", "an image by digest"),
    ({"image": {"prebuilt": PREBUILT_REF.split("@", 1)[0]}}, "image.prebuilt", "an image by digest"),
    ({"image": {"prebuilt": PREBUILT_REF.split("/", 1)[1]}}, "image.prebuilt", "an image by digest"),
    ({"image": {"prebuilt": PREBUILT_REF + "\n"}}, "image.prebuilt", "an image by digest"),
    ({"image": {"prebuilt": PREBUILT_REF}, "imagesToKeep": 5}, "imagesToKeep", "allowed only without image.prebuilt"),
    ({"image": {"prebuilt": PREBUILT_REF, "dockerfile": "app/Dockerfile"}}, "image.dockerfile",
     "allowed only without image.prebuilt"),
    ({"image": {"buildContext": "no-such-dir"}}, "image.buildContext", "a directory that exists, relative to"),
    ({"image": {"buildContext": "app/Dockerfile"}}, "image.buildContext", "a directory that exists"),
    ({"image": {"buildContext": str(PROJECT_DIR / "app")}}, "image.buildContext", "relative to the project"),
    ({"image": {"buildContext": ""}}, "image.buildContext", "a directory that exists"),
    ({"image": {"dockerfile": "app/Dockerfile.missing"}}, "image.dockerfile", "a file that exists"),
    ({"image": {"buildContext": "."}}, "image.dockerfile", "a file that exists"),  # ./Dockerfile: the context's
    ({"smokeTest": {"enabled": True, "checkVersion": "no"}}, "smokeTest.checkVersion", "true or false"),
    ({"smokeTest": {"enabled": True, "checkVersion": False, "versionPath": "/version"}}, "smokeTest.versionPath",
     "allowed only with smokeTest.checkVersion: true"),
    ({"smokeTest": {"checkVersion": False}}, "smokeTest.checkVersion", "allowed only with smokeTest.enabled: true"),
]


@pytest.mark.parametrize(("values", "key", "allowed"), OWN_NETWORK_AND_IMAGE_BAD_VALUES,
                         ids=[f"{k}:{json.dumps(v)[:80]}" for v, k, _ in OWN_NETWORK_AND_IMAGE_BAD_VALUES])
def test_own_network_and_image_values_are_checked(values: dict, key: str, allowed: str) -> None:
    assert_refused(values, key, allowed)


CREATED_NETWORK_VALUES = {"vpcCidr": "10.0.0.0/16", "availabilityZones": ["ap-northeast-1a", "ap-northeast-1c"],
                          "publicSubnetCidrs": ["10.0.1.0/24", "10.0.2.0/24"], "taskSubnets": "public",
                          "privateSubnetCidrs": ["10.0.11.0/24", "10.0.12.0/24"], "natGateways": "None",
                          "vpcEndpoints": False}


@pytest.mark.parametrize("key", CREATED_NETWORK_VALUES)
def test_the_keys_of_a_created_vpc_are_refused_beside_an_existing_one(key: str) -> None:
    # Even set to its default: it describes a VPC the stack would not create.
    with pytest.raises(SettingsError, match=f"config '{key}'.*allowed only without existingNetwork.vpcId"):
        parse(**existing(), **{key: CREATED_NETWORK_VALUES[key]})


def test_an_existing_network_needs_no_zones_in_any_region() -> None:
    # A created VPC outside ap-northeast-1 must name its zones; an existing one has its subnets' zones.
    settings = parse_settings("dev", "eu-west-1", {"appVersion": "v1", "existingNetwork": json.dumps(EXISTING_NETWORK)})
    assert settings.network == ExistingNetworkArgs(EXISTING_VPC_ID, tuple(ALB_SUBNETS), tuple(TASK_SUBNETS), False)


def test_a_prebuilt_image_is_taken_as_given_and_a_build_path_relative_to_the_project() -> None:
    assert parse(image={"prebuilt": PREBUILT_REF}).image == PrebuiltImage(PREBUILT_REF)
    built = parse(image={"buildContext": ".", "dockerfile": "app/Dockerfile"}).image
    assert isinstance(built, ContainerImageArgs)
    assert (built.context, built.dockerfile) == (".", "app/Dockerfile")


def test_a_bad_network_or_image_value_stops_the_program_before_any_resource() -> None:
    bad: list[dict[str, Any]] = [{"image": {"prebuilt": "repo:v1"}}, existing(vpcId="vpc-1")]
    for values in bad:
        with pytest.raises(ProgramFailed) as failure:
            run_program("dev", **values)
        assert isinstance(failure.value.cause, SettingsError)
        assert failure.value.resources == []
