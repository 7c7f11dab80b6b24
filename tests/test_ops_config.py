"""Where the CLI finds its cluster, service, rule and region: flags > environment > `pulumi stack output`."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from ops.config import StackOutputs, pulumi_stack_name, pulumi_stack_outputs, resolve
from ops.errors import CliError, ExitCode
from tests.ops_fixtures import BLUE_TG, GREEN_TG, STACK_OUTPUTS

NO_FLAGS: dict[str, str | None] = {"cluster": None, "service": None, "prod_rule_arn": None, "region": None}


class Outputs:
    """A stack-output loader that records whether (and for which stack) it was asked."""

    def __init__(self, outputs: Mapping[str, Any] | None = None, problem: str = "") -> None:
        self.outputs, self.problem, self.stacks = outputs or {}, problem, []

    def __call__(self, stack: str | None, show_secrets: bool) -> Mapping[str, Any]:
        self.stacks.append(stack)
        if self.problem:
            raise CliError(self.problem, ExitCode.CONFIG)
        return self.outputs


def no_tags(region: str | None) -> tuple[str, str]:
    raise AssertionError("the tags must not be searched while flags, environment or outputs name the service")


def test_flags_beat_environment_which_beats_stack_outputs() -> None:
    outputs = Outputs(STACK_OUTPUTS)
    config = resolve({**NO_FLAGS, "cluster": "flag-cluster"}, {"BG_SERVICE": "env-service"},
                     StackOutputs(None, outputs), no_tags)

    assert (config.cluster, config.service, config.region) == ("flag-cluster", "env-service", "ap-northeast-1")
    assert config.target_group_colors == {BLUE_TG: "blue", GREEN_TG: "green"}
    assert outputs.stacks == [None]
    assert config.origin == "no stack: --cluster, BG_SERVICE"


OTHER_STACKS_ENV = {"BG_CLUSTER": "dev-cluster", "BG_SERVICE": "dev-svc", "AWS_REGION": "us-west-2"}


def test_a_stack_named_with_the_flag_wins_over_the_environment() -> None:
    outputs = Outputs(STACK_OUTPUTS)
    config = resolve(NO_FLAGS, OTHER_STACKS_ENV, StackOutputs("prod", outputs), no_tags)

    assert (config.cluster, config.service, config.region) == ("app-cluster", "app-svc", "ap-northeast-1")
    assert (config.origin, outputs.stacks) == ("stack prod", ["prod"])


def test_with_a_stack_flags_still_win_and_the_environment_gives_only_a_missing_region() -> None:
    config = resolve({**NO_FLAGS, "service": "flag-svc"}, OTHER_STACKS_ENV,
                     StackOutputs("prod", Outputs({"clusterName": "prod-cluster"})), no_tags)
    assert (config.cluster, config.service, config.region) == ("prod-cluster", "flag-svc", "us-west-2")


def test_with_a_stack_and_no_outputs_its_tags_are_searched_never_the_environments_service() -> None:
    asked: list[str | None] = []

    def by_tags(region: str | None) -> tuple[str, str]:
        asked.append(region)
        return "prod-cluster", "prod-svc"

    config = resolve(NO_FLAGS, OTHER_STACKS_ENV, StackOutputs("prod", Outputs(problem="no pulumi")), by_tags)
    assert (config.cluster, config.service, asked) == ("prod-cluster", "prod-svc", ["us-west-2"])
    assert config.origin == "stack prod"


def test_with_a_stack_a_missing_service_says_the_environment_is_not_used() -> None:
    def by_tags(region: str | None) -> tuple[str, str]:
        raise CliError("no ECS service tagged project=ecs-bluegreen, stack=prod", ExitCode.CONFIG)

    with pytest.raises(CliError) as raised:
        resolve(NO_FLAGS, OTHER_STACKS_ENV, StackOutputs("prod", Outputs(problem="no pulumi")), by_tags)
    assert str(raised.value).startswith(
        "missing cluster name (--cluster; BG_CLUSTER is not used with --stack), service name (--service; BG_SERVICE "
        "is not used with --stack); stack outputs: no pulumi; tags: ")


def test_stack_outputs_are_not_read_when_flags_and_environment_say_everything() -> None:
    outputs = Outputs(problem="must not be called")
    config = resolve({**NO_FLAGS, "region": "us-east-1"}, {"BG_CLUSTER": "c", "BG_SERVICE": "s"},
                     StackOutputs(None, outputs), no_tags)

    assert (config.cluster, config.service, config.region, config.prod_rule_arn) == ("c", "s", "us-east-1", None)
    assert outputs.stacks == []


def test_aws_default_region_is_honoured_after_aws_region() -> None:
    config = resolve(NO_FLAGS, {"BG_CLUSTER": "c", "BG_SERVICE": "s", "AWS_DEFAULT_REGION": "sa-east-1"},
                     StackOutputs(None, Outputs(problem="unused")), no_tags)
    assert config.region == "sa-east-1"


def test_unreadable_outputs_are_fine_while_nothing_required_is_missing() -> None:
    config = resolve(NO_FLAGS, {"BG_CLUSTER": "c", "BG_SERVICE": "s"},
                     StackOutputs(None, Outputs(problem="the pulumi CLI is not on PATH")), no_tags)
    assert (config.cluster, config.region) == ("c", None)  # boto3 then uses the profile's region


def test_the_outputs_are_read_once_however_often_they_are_asked_for() -> None:
    outputs = Outputs({"rolloutTimeoutMinutes": 47})
    stack_outputs = StackOutputs("dev", outputs)
    assert [stack_outputs.get("rolloutTimeoutMinutes"), stack_outputs.get("url")] == [47, None]
    assert outputs.stacks == ["dev"]


def test_without_outputs_the_service_is_found_by_the_stack_tags_in_the_resolved_region() -> None:
    asked: list[str | None] = []

    def by_tags(region: str | None) -> tuple[str, str]:
        asked.append(region)
        return "tagged-cluster", "tagged-service"

    config = resolve(NO_FLAGS, {"AWS_REGION": "eu-west-1"}, StackOutputs("dev", Outputs({})), by_tags)
    assert (config.cluster, config.service, asked) == ("tagged-cluster", "tagged-service", ["eu-west-1"])


def test_missing_values_name_their_flag_and_variable_and_why_outputs_and_tags_did_not_help() -> None:
    def by_tags(region: str | None) -> tuple[str, str]:
        raise CliError("no ECS service tagged project=ecs-bluegreen, stack=dev (region eu-west-1)", ExitCode.CONFIG)

    with pytest.raises(CliError) as raised:
        resolve(NO_FLAGS, {"BG_SERVICE": "s"},
                StackOutputs(None, Outputs(problem="`pulumi stack output` failed: error: no stack selected")), by_tags)

    assert raised.value.code == ExitCode.CONFIG
    assert str(raised.value) == (
        "missing cluster name (--cluster or BG_CLUSTER); stack outputs: `pulumi stack output` failed: error: no "
        "stack selected; tags: no ECS service tagged project=ecs-bluegreen, stack=dev (region eu-west-1)")


def test_a_required_output_names_itself_and_why_it_is_missing() -> None:
    with pytest.raises(CliError, match=r"^cannot read stack output url: the stack has no url output$"):
        StackOutputs(None, Outputs({"clusterName": "c"})).require("url")


def fake_pulumi(directory: Path, script: str) -> None:
    path = directory / "pulumi"
    path.write_text("#!/bin/sh\n" + script)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def test_pulumi_stack_output_is_run_with_json_and_the_stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pulumi(tmp_path, f'echo "$@" > "{tmp_path}/args"\necho \'{json.dumps(STACK_OUTPUTS)}\'\n')
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")

    assert pulumi_stack_outputs("dev", False) == STACK_OUTPUTS
    assert (tmp_path / "args").read_text() == "stack output --json --stack dev\n"
    pulumi_stack_outputs("dev", True)
    assert (tmp_path / "args").read_text() == "stack output --json --show-secrets --stack dev\n"


def test_the_stack_name_comes_from_pulumi_stack_show_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pulumi(tmp_path, f'echo "$@" > "{tmp_path}/args"\necho dev\n')
    monkeypatch.setenv("PATH", str(tmp_path))

    assert pulumi_stack_name() == "dev"
    assert (tmp_path / "args").read_text() == "stack --show-name\n"


def test_a_failing_pulumi_reports_its_last_error_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_pulumi(tmp_path, 'echo "warning: something" >&2\necho "error: no stack named \'qa\' found" >&2\nexit 255\n')
    monkeypatch.setenv("PATH", str(tmp_path))

    with pytest.raises(CliError, match=r"^`pulumi stack output` failed: error: no stack named 'qa' found$"):
        pulumi_stack_outputs("qa", False)


def test_pulumi_missing_from_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(CliError, match=r"^the pulumi CLI is not on PATH$"):
        pulumi_stack_outputs(None, False)
