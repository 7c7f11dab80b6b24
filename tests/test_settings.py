"""Every settings rule: the seed's defaults, and a clear error for each bad value."""

from __future__ import annotations

import json

import pytest

from settings import SettingsError, parse_settings, settings_for_stack_file
from tests.pulumi_harness import ProgramFailed, run_program


def parse(**values: object) -> object:
    raw = {"appVersion": "v1"}
    raw.update({key: value if isinstance(value, str) else json.dumps(value) for key, value in values.items()})
    return parse_settings("dev", "ap-northeast-1", raw)


def test_dev_stack_file_gives_the_seed_values() -> None:
    settings = settings_for_stack_file("dev")
    assert settings.region == "ap-northeast-1"
    assert settings.app_version == "v1"
    assert settings.network.vpc_cidr == "10.0.0.0/16"
    assert settings.network.availability_zones == ("ap-northeast-1a", "ap-northeast-1c")
    assert settings.network.public_subnet_cidrs == ("10.0.1.0/24", "10.0.2.0/24")
    assert (settings.service.cpu, settings.service.memory) == (256, 512)
    assert settings.service.desired_count == 1
    assert settings.service.container_port == 8080
    assert settings.service.health_check_path == "/health"
    assert settings.deployment.bake_time_minutes == 15
    assert settings.deployment.wait_for_steady_state is True


def test_values_are_converted_from_pulumi_strings() -> None:
    settings = parse(desiredCount="3", cpu="1024", memory="3072", bakeTimeMinutes="0", waitForSteadyState="false",
                     availabilityZones=["ap-northeast-1a", "ap-northeast-1d"],
                     publicSubnetCidrs=["10.0.10.0/24", "10.0.20.0/24"])
    assert settings.service.desired_count == 3  # type: ignore[attr-defined]
    assert (settings.service.cpu, settings.service.memory) == (1024, 3072)  # type: ignore[attr-defined]
    assert settings.deployment.bake_time_minutes == 0  # type: ignore[attr-defined]
    assert settings.deployment.wait_for_steady_state is False  # type: ignore[attr-defined]
    assert settings.network.availability_zones == ("ap-northeast-1a", "ap-northeast-1d")  # type: ignore[attr-defined]


def test_rollout_timeout_grows_with_the_bake_time() -> None:
    short = parse(bakeTimeMinutes=0).deployment.rollout_timeout_minutes  # type: ignore[attr-defined]
    long = parse(bakeTimeMinutes=120).deployment.rollout_timeout_minutes  # type: ignore[attr-defined]
    assert long - short == 120
    assert short >= 20, "scale-up, health checks and draining alone take several minutes"


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
]


@pytest.mark.parametrize(("key", "value", "allowed"), BAD_VALUES, ids=[f"{k}={v}" for k, v, _ in BAD_VALUES])
def test_bad_value_is_rejected_naming_key_value_and_what_is_allowed(key: str, value: object, allowed: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse(**{key: value})
    message = str(error.value)
    assert error.value.key == key
    assert f"config '{key}'" in message
    # A list is shown whole, or by the element at fault.
    shown = [str(item) for item in value] if isinstance(value, list) else [str(value)]
    assert any(text in message for text in shown + [str(value)])
    assert allowed in message


def test_memory_is_checked_against_the_chosen_cpu() -> None:
    assert parse(cpu=4096, memory=8192).service.memory == 8192  # type: ignore[attr-defined]
    with pytest.raises(SettingsError, match="config 'memory'.*one of 8192, 9216"):
        parse(cpu=4096, memory=512)


def test_app_version_is_required() -> None:
    with pytest.raises(SettingsError, match="config 'appVersion': None"):
        parse_settings("dev", "ap-northeast-1", {})


def test_region_is_required() -> None:
    with pytest.raises(SettingsError, match="config 'aws:region'.*pulumi config set aws:region"):
        parse_settings("dev", None, {"appVersion": "v1"})


def test_other_regions_must_name_their_zones() -> None:
    with pytest.raises(SettingsError, match="config 'availabilityZones'"):
        parse_settings("dev", "eu-west-1", {"appVersion": "v1"})
    settings = parse_settings("dev", "eu-west-1", {"appVersion": "v1",
                                                   "availabilityZones": '["eu-west-1a", "eu-west-1b"]'})
    assert settings.network.availability_zones == ("eu-west-1a", "eu-west-1b")


def test_a_bad_value_stops_the_program_before_any_resource_is_registered() -> None:
    with pytest.raises(ProgramFailed) as failure:
        run_program("dev", bakeTimeMinutes=2000)
    assert isinstance(failure.value.cause, SettingsError)
    assert "config 'bakeTimeMinutes': 2000" in str(failure.value.cause)
    assert failure.value.resources == []
