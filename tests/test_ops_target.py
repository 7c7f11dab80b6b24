"""The right target, said out loud: `--stack` beats a leftover environment, and every command that changes
something names the service, cluster, region and stack before it acts."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ops_fixtures import DEPLOYMENT_ARN, T0, Aws, deployment, pause_hook, run, stubbed_aws
from tests.test_ops_rewire import fake_pulumi  # noqa: F401 - a pytest fixture

DEV_ENV = {"BG_CLUSTER": "dev-cluster", "BG_SERVICE": "dev-svc", "AWS_REGION": "us-west-2"}
"""Exported for another stack: the stubs below expect app-cluster/app-svc, so acting on dev-* fails the test."""
PROD_TARGET = "Target: service app-svc in cluster app-cluster, region ap-northeast-1 (stack prod)"
PAUSED = deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook()])


def expect_change(aws: Aws, command: str) -> None:
    aws.expect_service()
    if command == "rewire":
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8)))
        return
    aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME") if command == "rollback" else PAUSED)
    aws.expect_versions()
    if command == "rollback":
        aws.ecs_stub.add_response("stop_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN},
                                  {"serviceDeploymentArn": DEPLOYMENT_ARN, "stopType": "ROLLBACK"})
    else:
        aws.ecs_stub.add_response("continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN}, {
            "serviceDeploymentArn": DEPLOYMENT_ARN, "hookId": pause_hook()["hookId"],
            "action": "CONTINUE" if command == "approve" else "ROLLBACK"})


@pytest.mark.parametrize("argv", [["rollback", "--yes", "--no-wait"], ["approve", "--yes"], ["reject", "--yes"],
                                  ["rewire", "--", "--yes"]], ids=lambda argv: argv[0])
def test_each_changing_command_acts_on_the_stack_named_and_says_so_first(
        argv: list[str], fake_pulumi: Path) -> None:  # noqa: F811 - the fixture
    with stubbed_aws() as aws:
        expect_change(aws, argv[0])
        result = run(aws, argv[0], "--stack", "prod", *argv[1:], env=DEV_ENV)

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[0] == PROD_TARGET


@pytest.mark.parametrize("command", ["rollback", "approve", "reject"])
def test_the_prompt_names_the_target_right_before_the_question(command: str) -> None:
    with stubbed_aws() as aws:
        expect_change(aws, command)
        result = run(aws, command, "--stack", "prod", *(["--no-wait"] if command == "rollback" else []),
                     stdin="y\n", env=DEV_ENV)

    assert result.code == 0, result.stderr
    target, question = result.stdout.splitlines()[:2]
    assert target == PROD_TARGET
    assert question.startswith(("Roll back deployment ", "Approve deployment ", "Reject deployment "))


def test_without_a_stack_the_target_line_says_where_the_names_came_from() -> None:
    with stubbed_aws() as aws:
        expect_change(aws, "rollback")
        result = run(aws, "rollback", "--yes", "--no-wait", "--region", "ap-northeast-1",
                     env={"BG_CLUSTER": "app-cluster", "BG_SERVICE": "app-svc"})

    assert result.stdout.splitlines()[0] == ("Target: service app-svc in cluster app-cluster, region "
                                             "ap-northeast-1 (no stack: BG_CLUSTER, BG_SERVICE)")
