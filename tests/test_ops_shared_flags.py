"""What every command shares: the common flags before or after the command, and JSON that a script can rely on
(one shape for a missing value, and an error object instead of nothing)."""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path
from typing import Any

import pytest

from ops.cli import build_parser

from tests.ops_fixtures import CLUSTER, REGION, SERVICE, run, stubbed_aws
from tests.test_ops_history import LIST, brief
from tests.test_ops_status import status_of_paused_deployment

FLAGS = ["--cluster", CLUSTER, "--service", SERVICE, "--region", REGION]
REPO = Path(__file__).resolve().parent.parent
OPERATIONS_DOC = REPO / "docs" / "operations.md"


@pytest.mark.parametrize("argv", [
    [*FLAGS, "history"],
    ["history", *FLAGS],
    ["--cluster", "before-cluster", "--service", SERVICE, "history", "--cluster", CLUSTER, "--region", REGION],
], ids=["before", "after", "after-wins"])
def test_common_flags_work_before_or_after_the_command(argv: list[str]) -> None:
    with stubbed_aws() as aws:  # the stub expects app-cluster/app-svc: any other name fails the call
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": []}, LIST)
        result = run(aws, *argv, outputs={})  # no stack outputs: only the flags can name the service

    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == f"No deployments recorded for service {SERVICE}.\n"


def test_output_json_works_before_the_command_too() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": []}, LIST)
        result = run(aws, "--output", "json", "history")

    assert json.loads(result.stdout) == {"service": SERVICE, "cluster": CLUSTER, "deployments": []}


def test_output_json_before_a_command_that_prints_no_json_is_a_usage_error() -> None:
    with stubbed_aws() as aws:
        result = run(aws, "--output", "json", "watch")

    assert (result.code, result.stderr) == (
        2, "ops: python -m ops watch: --output json: only status, doctor, history print JSON\n")


def test_a_missing_reason_is_null_in_both_history_and_status_json() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments",
                                  {"serviceDeployments": [brief("done", "SUCCESSFUL", 7, 0, 483)]}, LIST)
        aws.ecs_stub.add_response("describe_service_revisions", {"serviceRevisions": [], "failures": []})
        history = run(aws, "history", "--output", "json")
    assert json.loads(history.stdout)["deployments"][0]["reason"] is None

    status = status_of_paused_deployment("--output", "json")  # a deployment in progress has no reason yet
    assert json.loads(status.stdout)["deployment"]["reason"] is None


def error_document(result: Any) -> dict[str, Any]:
    assert result.stdout.count("\n") == 1, result.stdout
    return json.loads(result.stdout)


def test_an_error_with_output_json_is_a_json_object_on_stdout_as_well_as_the_line_on_stderr() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "AccessDeniedException", "not authorized", 400)
        result = run(aws, "status", "--output", "json")

    assert (result.code, result.stderr) == (3, "ops: access denied calling DescribeServices: not authorized\n")
    assert error_document(result) == {"error": "access denied calling DescribeServices: not authorized",
                                      "exitCode": 3}


@pytest.mark.parametrize("argv", [["history", "--output", "json", "--limit", "x"],
                                  ["--output=json", "history", "--limit", "x"]])
def test_a_usage_error_with_output_json_is_a_json_object_too(argv: list[str]) -> None:
    with stubbed_aws() as aws:
        result = run(aws, *argv)

    assert result.code == 2
    assert error_document(result) == {
        "error": "python -m ops history: argument --limit: expected a whole number from 1 to 1000, got 'x' "
                 "(see `python -m ops history --help`)", "exitCode": 2}


def every_flag() -> set[str]:
    parser = build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    return {option for each in [parser, *commands.choices.values()] for action in each._actions
            for option in action.option_strings if option.startswith("--") and option != "--help"}


def every_variable() -> set[str]:
    """Every BG_* and AWS_* name the CLI's code mentions: what it reads, or tells the operator to set."""
    return {name for path in (REPO / "ops").rglob("*.py")
            for name in re.findall(r"\b(?:BG|AWS)_[A-Z_]+\b", path.read_text())}


def operations_section() -> str:
    doc = OPERATIONS_DOC.read_text()
    start = doc.index("## Operating a rollout: `python -m ops`")
    return doc[start:doc.index("\n## ", start)]


def test_the_operations_doc_names_every_flag_and_environment_variable() -> None:
    section = operations_section()
    assert {"--prod-rule-arn", "--url", "--header", "--stack"} <= every_flag()
    assert [flag for flag in sorted(every_flag()) if flag not in section] == []
    assert {"BG_PROD_RULE_ARN", "BG_TEST_TRAFFIC_HEADER_VALUE", "BG_CLUSTER"} <= every_variable()
    assert [name for name in sorted(every_variable()) if name not in section] == []


def test_the_top_level_help_names_every_environment_variable_and_the_flags_beside_the_common_ones() -> None:
    text = build_parser().format_help()
    assert [name for name in sorted(every_variable()) if name not in text] == []
    assert [flag for flag in ("--cluster", "--service", "--region", "--stack", "--output", "--prod-rule-arn",
                              "--url", "--header") if flag not in text] == []
