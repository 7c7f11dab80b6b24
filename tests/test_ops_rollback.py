"""`rollback`, `approve`, `reject`: they change a live deployment, so they confirm first and refuse politely."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ops_fixtures import (
    DEPLOYMENT_ARN, Aws, T0, FakeTime, deployment, lambda_hook, pause_hook, run, stubbed_aws,
)

TARGET_LINE = "Target: service app-svc in cluster app-cluster, region ap-northeast-1 (the selected stack)"
IN_FLIGHT = deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT")
PAUSED = deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[lambda_hook("SUCCEEDED"), pause_hook()])


def expect_rollback_of(aws: Aws, state: dict[str, Any]) -> None:
    aws.expect_service()
    aws.expect_deployment(state)
    aws.expect_versions()
    aws.ecs_stub.add_response("stop_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN},
                              {"serviceDeploymentArn": DEPLOYMENT_ARN, "stopType": "ROLLBACK"})


@pytest.mark.parametrize("flags, answer", [(["--yes"], ""), ([], "y\n"), ([], "YES\n")])
def test_rollback_no_wait_stops_the_deployment_in_progress_and_returns(flags: list[str], answer: str) -> None:
    with stubbed_aws() as aws:
        expect_rollback_of(aws, IN_FLIGHT)
        result = run(aws, "rollback", "--no-wait", *flags, stdin=answer)

    assert result.code == 0, result.stderr
    assert result.stdout.endswith(
        "Rollback requested for deployment r9i43YFjvgF_xlg7m2eJ1r. Follow it with: python -m ops watch\n")
    asked = "Roll back deployment r9i43YFjvgF_xlg7m2eJ1r (v1 -> v2, IN_PROGRESS at PRODUCTION_TRAFFIC_SHIFT)?"
    assert (asked in result.stdout) == (flags == [])


@pytest.mark.parametrize("answer, message", [
    ("n\n", "ops: cancelled; nothing was changed\n"),
    ("\n", "ops: cancelled; nothing was changed\n"),
    ("", "ops: no answer on stdin; pass --yes to confirm without a prompt\n"),
])
def test_rollback_does_nothing_unless_the_prompt_is_answered_yes(answer: str, message: str) -> None:
    with stubbed_aws() as aws:  # no stop_service_deployment queued: calling it would fail the test
        aws.expect_service()
        aws.expect_deployment(IN_FLIGHT)
        aws.expect_versions()
        result = run(aws, "rollback", stdin=answer)

    assert result.code == 4
    assert "ECS returns production traffic to v1 and stops the new tasks. [y/N] " in result.stdout
    assert result.stderr == message


@pytest.mark.parametrize("state, message", [
    (deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8)),
     "ops: nothing to roll back: no deployment in progress (the last one, r9i43YFjvgF_xlg7m2eJ1r, ended SUCCESSFUL "
     "at 2025-06-01 12:08:00Z); to run earlier code, deploy it under a new appVersion\n"),
    (deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"),
     "ops: nothing to roll back: deployment r9i43YFjvgF_xlg7m2eJ1r is already ROLLBACK_IN_PROGRESS\n"),
    (None, "ops: nothing to roll back: service 'app-svc' has no deployments\n"),
], ids=["finished", "already-rolling-back", "never-deployed"])
def test_rollback_explains_when_there_is_nothing_to_roll_back(state: dict | None, message: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=DEPLOYMENT_ARN if state else None)
        if state:
            aws.expect_deployment(state)
        result = run(aws, "rollback", "--yes")

    assert (result.code, result.stdout, result.stderr) == (4, "", message)


@pytest.mark.parametrize("command, action, done", [
    ("approve", "CONTINUE", "approved"), ("reject", "ROLLBACK", "rejected, rolling back")])
def test_approve_and_reject_resolve_the_pending_pause_hook(command: str, action: str, done: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(PAUSED)
        aws.expect_versions()
        aws.ecs_stub.add_response(
            "continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN},
            {"serviceDeploymentArn": DEPLOYMENT_ARN, "hookId": pause_hook()["hookId"], "action": action})
        result = run(aws, command, stdin="y\n")

    assert result.code == 0, result.stderr
    assert (f"{command.capitalize()} deployment r9i43YFjvgF_xlg7m2eJ1r (v1 -> v2) paused at POST_TEST_TRAFFIC_SHIFT?"
            in result.stdout)
    assert result.stdout.endswith(f"Deployment r9i43YFjvgF_xlg7m2eJ1r {done}. Follow it with: python -m ops watch\n")


@pytest.mark.parametrize("command", ["approve", "reject"])
def test_approve_and_reject_refuse_when_nothing_is_paused(command: str) -> None:
    # The pause hook was already approved; a Lambda hook is running but nothing awaits an operator.
    running = deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT",
                         hooks=[pause_hook("SUCCEEDED"), lambda_hook("IN_PROGRESS")])
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(running)
        result = run(aws, command, "--yes")

    assert result.code == 4
    assert result.stderr == (f"ops: nothing to {command}: deployment r9i43YFjvgF_xlg7m2eJ1r is IN_PROGRESS at "
                             "POST_TEST_TRAFFIC_SHIFT and not paused for approval\n")


def test_approve_refuses_when_no_deployment_is_in_progress() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=6)))
        result = run(aws, "approve", "--yes")

    assert result.code == 4
    assert result.stderr.startswith("ops: nothing to approve: no deployment in progress (the last one, ")


def test_a_pending_deployment_can_be_rolled_back_before_it_reaches_a_stage() -> None:
    with stubbed_aws() as aws:
        expect_rollback_of(aws, deployment("PENDING"))
        result = run(aws, "rollback", "--no-wait", stdin="y\n")

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1].startswith("Roll back deployment r9i43YFjvgF_xlg7m2eJ1r (v1 -> v2, PENDING)? ")


@pytest.mark.parametrize("outcome, code", [("ROLLBACK_SUCCESSFUL", 0), ("ROLLBACK_FAILED", 1)])
def test_rollback_follows_the_rollback_it_started_until_it_ends(outcome: str, code: int) -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        expect_rollback_of(aws, IN_FLIGHT)
        aws.expect_deployment(deployment("ROLLBACK_REQUESTED", "PRODUCTION_TRAFFIC_SHIFT"))
        aws.expect_versions()
        aws.expect_deployment(deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT", reason="stopped by user"))
        aws.expect_deployment(deployment(outcome, "CLEAN_UP", reason="stopped by user"))
        result = run(aws, "rollback", "--yes", "--interval", "5", time=time)

    assert result.code == code, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:3] == [
        TARGET_LINE,
        "Rollback requested for deployment r9i43YFjvgF_xlg7m2eJ1r.",
        "Following the rollback of deployment r9i43YFjvgF_xlg7m2eJ1r of app-svc: v1 -> v2  "
        "(Ctrl-C stops watching, not the deployment)"]
    assert lines[-1] == f"[+00:10] deployment {outcome}: stopped by user"
    assert time.sleeps == [5.0, 5.0]


def test_approve_before_the_deployment_has_a_stage_says_so_without_a_question_mark() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("PENDING"))
        result = run(aws, "approve", "--yes")

    assert (result.code, result.stderr) == (
        4, "ops: nothing to approve: deployment r9i43YFjvgF_xlg7m2eJ1r is PENDING and not paused for approval\n")


@pytest.mark.parametrize("command", ["approve", "reject"])
def test_approve_and_reject_after_the_end_give_no_hint_about_deploying_again(command: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8)))
        result = run(aws, command, "--yes")

    assert (result.code, result.stderr) == (4, f"ops: nothing to {command}: no deployment in progress (the last one, "
                                               "r9i43YFjvgF_xlg7m2eJ1r, ended SUCCESSFUL at 2025-06-01 12:08:00Z)\n")


def test_after_the_request_a_failing_first_read_is_ridden_out() -> None:
    with stubbed_aws() as aws:
        expect_rollback_of(aws, IN_FLIGHT)
        aws.ecs_stub.add_client_error("describe_service_deployments", "ServerException", "Service Unavailable", 503)
        aws.expect_deployment(deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", reason="stopped by user"))
        aws.expect_versions()
        result = run(aws, "rollback", "--yes")

    assert (result.code, result.stderr) == (0, "")
    assert "AWS answers again" in result.stdout


@pytest.mark.parametrize("failures, why", [
    (["AccessDeniedException"], "access denied calling DescribeServiceDeployments: no"),
    (["ThrottlingException"] * 19, "gave up after 3m00s of failed polls: DescribeServiceDeployments failed: "
                                   "ThrottlingException: no"),
], ids=["denied", "gave-up"])
def test_a_requested_rollback_is_reported_done_when_following_it_fails(failures: list[str], why: str) -> None:
    with stubbed_aws() as aws:
        expect_rollback_of(aws, IN_FLIGHT)
        for code in failures:
            aws.ecs_stub.add_client_error("describe_service_deployments", code, "no", 400)
        result = run(aws, "rollback", "--yes")

    assert result.code == 5
    assert "Rollback requested for deployment r9i43YFjvgF_xlg7m2eJ1r." in result.stdout
    assert result.stderr == (f"ops: rollback requested for deployment r9i43YFjvgF_xlg7m2eJ1r, but following it "
                             f"failed: {why}; it carries on (python -m ops watch)\n")
