"""What every command shares: the common flags before or after the command, and JSON that a script can rely on
(one shape for a missing value, and an error object instead of nothing)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.ops_fixtures import CLUSTER, REGION, SERVICE, run, stubbed_aws
from tests.test_ops_history import LIST, brief
from tests.test_ops_status import status_of_paused_deployment

FLAGS = ["--cluster", CLUSTER, "--service", SERVICE, "--region", REGION]


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
