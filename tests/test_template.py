"""`pulumi new` from this repository: the template section of Pulumi.yaml asks for what a new stack needs,
and its defaults are a stack the settings accept."""

from __future__ import annotations

import runpy
from typing import Any

import yaml

from settings import PROJECT_DIR, parse_settings
from tests.aws_types import SERVICE
from tests.pulumi_harness import _run

TEMPLATE: dict[str, Any] = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())["template"]


def test_the_template_describes_itself_and_each_key_it_asks_for() -> None:
    assert TEMPLATE["description"] and TEMPLATE["displayName"]
    config = TEMPLATE["config"]
    assert set(config) == {"aws:region", "appVersion"}, "what a new stack needs, and nothing it can default"
    for key, prompt in config.items():
        assert set(prompt) == {"description", "default"} and prompt["description"].strip(), key


def test_the_template_defaults_are_a_stack_the_settings_accept() -> None:
    config = TEMPLATE["config"]
    project_keys = {key: str(prompt["default"]) for key, prompt in config.items() if key != "aws:region"}
    # parse_settings refuses a key it does not read, an appVersion that is no Docker tag, and a region whose
    # availability zones it has no defaults for.
    settings = parse_settings("dev", config["aws:region"]["default"], project_keys)
    assert (settings.region, settings.app_version) == (config["aws:region"]["default"], config["appVersion"]["default"])


def test_a_project_pulumi_new_named_otherwise_reads_its_own_config() -> None:
    # pulumi new replaces the project name, and with it the namespace of the keys it sets.
    defaults = {key if ":" in key else f"my-service:{key}": prompt["default"] for key, prompt in TEMPLATE["config"].items()}

    def program() -> None:
        runpy.run_path(str(PROJECT_DIR / "__main__.py"), run_name="__main__")

    run = _run(program, stack="dev", config=defaults, region=defaults["aws:region"], project="my-service")
    assert run.outputs["appVersion"] == TEMPLATE["config"]["appVersion"]["default"]
    assert len(run.of_type(SERVICE)) == 1
