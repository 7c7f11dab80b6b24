"""`pulumi new` from this repository: the template section of Pulumi.yaml asks for what a new stack needs,
and its defaults are a stack the settings accept."""

from __future__ import annotations

import runpy
from typing import Any

import pytest
import yaml

from ecs_bluegreen import NetworkArgs
from settings import PROJECT_DIR, parse_settings
from tests.aws_types import SERVICE
from tests.pulumi_harness import ProgramFailed, _run

TEMPLATE: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["template"]


def test_the_template_describes_itself_and_each_key_it_asks_for() -> None:
    assert TEMPLATE["description"] and TEMPLATE["displayName"]
    config = TEMPLATE["config"]
    # What a new stack needs: the zones too, since only ap-northeast-1's have defaults.
    assert set(config) == {"aws:region", "availabilityZones", "appVersion"}, "and nothing the program can default"
    for key, prompt in config.items():
        assert set(prompt) == {"description", "default"} and prompt["description"].strip(), key


def test_the_template_defaults_are_a_stack_the_settings_accept() -> None:
    config = TEMPLATE["config"]
    project_keys = {key: str(prompt["default"]) for key, prompt in config.items() if key != "aws:region"}
    # parse_settings refuses a key it does not read, an appVersion that is no Docker tag, and a region whose
    # availability zones it has no defaults for.
    settings = parse_settings("dev", config["aws:region"]["default"], project_keys)
    assert (settings.region, settings.app_version) == (config["aws:region"]["default"], config["appVersion"]["default"])
    assert isinstance(settings.network, NetworkArgs)
    assert list(settings.network.availability_zones) == yaml.safe_load(config["availabilityZones"]["default"])


def test_a_project_pulumi_new_named_otherwise_reads_its_own_config() -> None:
    # pulumi new replaces the project name, and with it the namespace of the keys it sets.
    defaults = {key if ":" in key else f"my-service:{key}": prompt["default"] for key, prompt in TEMPLATE["config"].items()}

    def program() -> None:
        runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")

    run = _run(program, stack="dev", config=defaults, region=defaults["aws:region"], project="my-service")
    assert run.outputs["appVersion"] == TEMPLATE["config"]["appVersion"]["default"]
    assert len(run.of_type(SERVICE)) == 1


def test_a_project_named_otherwise_refuses_the_stack_files_keys_it_would_not_read() -> None:
    # pulumi new copies Pulumi.prod.yaml as it is: its ecs-bluegreen: keys would be read by no one, and prod
    # would deploy with dev's defaults (public tasks, no HTTPS, no alarms).
    config = {"aws:region": "ap-northeast-1", "my-service:appVersion": "v1", "ecs-bluegreen:desiredCount": "2"}

    def program() -> None:
        runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")

    with pytest.raises(ProgramFailed) as failure:
        _run(program, stack="prod", config=config, region="ap-northeast-1", project="my-service")
    assert str(failure.value.cause) == (
        "config 'ecs-bluegreen:desiredCount': '2' is not allowed; this project is named 'my-service', so its keys "
        "are 'my-service:<key>': rename every 'ecs-bluegreen:' key of the stack's config file to 'my-service:'")
    assert failure.value.resources == []
