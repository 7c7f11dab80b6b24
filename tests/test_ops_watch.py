"""`python -m ops watch`: follows a deployment stage by stage; its exit code tells CI how it ended."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import EndpointConnectionError, ReadTimeoutError

from tests.ops_fixtures import (
    STACK_OUTPUTS, DEPLOYMENT_ARN, NEW_REVISION, OLD_REVISION, FakeTime, deployment, lambda_hook, pause_hook, revision_summary,
    run, stubbed_aws,
)

FAILED_TASKS = "Service deployment rolled back because the circuit breaker threshold was exceeded."


def test_follows_every_stage_to_success_and_exits_0() -> None:
    source_full = revision_summary(OLD_REVISION, 2, prod=100.0, test=100.0)
    progression = [
        deployment("PENDING"),
        deployment("IN_PROGRESS", "SCALE_UP", target=revision_summary(NEW_REVISION, 1, pending=1, prod=0.0, test=0.0)),
        deployment("IN_PROGRESS", "SCALE_UP", target=revision_summary(NEW_REVISION, 2, prod=0.0, test=0.0)),
        deployment("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", target=revision_summary(NEW_REVISION, 2, prod=0.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 2, prod=100.0, test=0.0)),
        deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[lambda_hook("IN_PROGRESS")],
                   target=revision_summary(NEW_REVISION, 2, prod=0.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 2, prod=100.0, test=0.0)),
        deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[lambda_hook("SUCCEEDED"), pause_hook()],
                   target=revision_summary(NEW_REVISION, 2, prod=0.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 2, prod=100.0, test=0.0)),
        deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT",
                   hooks=[lambda_hook("SUCCEEDED"), pause_hook("SUCCEEDED")],
                   target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 2, prod=0.0, test=0.0)),
        deployment("IN_PROGRESS", "BAKE_TIME", target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 2, prod=0.0, test=0.0)),
        deployment("IN_PROGRESS", "CLEAN_UP", target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 0, requested=0, prod=0.0, test=0.0)),
        deployment("SUCCESSFUL", "CLEAN_UP", target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                   source=revision_summary(OLD_REVISION, 0, requested=0, prod=0.0, test=0.0)),
    ]
    assert progression[0]["serviceDeployments"][0]["sourceServiceRevisions"] == [source_full]
    time = FakeTime()
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(progression[0])
        aws.expect_versions()
        for response in progression[1:]:
            aws.expect_deployment(response)
        result = run(aws, "watch", "--interval", "15", time=time)

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Watching deployment {DEPLOYMENT_ARN.rsplit('/', 1)[-1]} of app-svc: v1 -> v2")
    stage_lines = [line.split(None, 1)[1] for line in lines if line.startswith("[+") and "hook" not in line
                   and "approval" not in line and "deployment " not in line]
    assert stage_lines == [
        "PENDING",
        "IN_PROGRESS          SCALE_UP",
        "IN_PROGRESS          TEST_TRAFFIC_SHIFT",
        "IN_PROGRESS          POST_TEST_TRAFFIC_SHIFT",
        "IN_PROGRESS          PRODUCTION_TRAFFIC_SHIFT",
        "IN_PROGRESS          BAKE_TIME",
        "IN_PROGRESS          CLEAN_UP",
        "SUCCESSFUL           CLEAN_UP",
    ]
    # A progress line whenever task counts or weights change, e.g. the second SCALE_UP poll:
    assert any(line.strip() == "target v2: 1/2 running, 1 pending, prod 0%, test 0% | "
               "source v1: 2/2 running, prod 100%, test 100%" for line in lines)
    assert any(line.strip() == "target v2: 2/2 running, prod 0%, test 0% | "
               "source v1: 2/2 running, prod 100%, test 100%" for line in lines)
    assert "[+01:15] AWS_LAMBDA app-smoke-test hook: SUCCEEDED" in lines
    assert any("waiting for approval" in line and "python -m ops approve | reject" in line for line in lines)
    assert lines[-1] == "[+02:15] deployment SUCCESSFUL: v2 serves production traffic"
    assert time.sleeps == [15.0] * 9


def test_rollback_exits_1_and_prints_the_status_reason() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"))
        aws.expect_versions()
        aws.expect_deployment(deployment("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT",
                                         reason=FAILED_TASKS, rollback={"reason": FAILED_TASKS}))
        aws.expect_deployment(deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", reason=FAILED_TASKS))
        result = run(aws, "watch")

    assert result.code == 1
    assert result.stdout.splitlines()[-4:] == [
        "[+00:10] ROLLBACK_IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT",
        f"[+00:10] reason: {FAILED_TASKS}",
        "[+00:20] ROLLBACK_SUCCESSFUL  CLEAN_UP",
        f"[+00:20] deployment ROLLBACK_SUCCESSFUL: {FAILED_TASKS}",
    ]


def test_ctrl_c_stops_watching_but_not_the_deployment() -> None:
    class Interrupted(FakeTime):
        def sleep(self, seconds: float) -> None:
            raise KeyboardInterrupt

    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        aws.expect_versions()
        result = run(aws, "watch", time=Interrupted())

    assert result.code == 130
    assert result.stderr == "\nops: interrupted; any deployment in progress carries on\n"


def test_a_deployment_that_already_ended_is_reported_without_polling() -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("ROLLBACK_FAILED", "CLEAN_UP", reason="tasks failed to start"))
        aws.expect_versions()
        result = run(aws, "watch", time=time)

    assert result.code == 1
    assert result.stdout.splitlines()[-1] == "[+00:00] deployment ROLLBACK_FAILED: tasks failed to start"
    assert time.sleeps == []


def test_gives_up_after_timeout_with_exit_5_and_leaves_the_deployment_alone() -> None:
    running = deployment("IN_PROGRESS", "BAKE_TIME")
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(running)
        aws.expect_versions()
        for _ in range(3):
            aws.expect_deployment(running)
        result = run(aws, "watch", "--interval", "10", "--timeout", "30")

    assert result.code == 5
    assert result.stderr == (
        "ops: timed out after 30s: deployment r9i43YFjvgF_xlg7m2eJ1r is still IN_PROGRESS (it carries on)\n")


def test_watches_a_deployment_given_by_the_id_history_prints() -> None:
    older = DEPLOYMENT_ARN.rsplit("/", 1)[0] + "/older42"
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP", arn=older), arn=older)
        aws.expect_versions()
        result = run(aws, "watch", "older42")

    assert result.code == 0, result.stderr
    assert result.stdout.startswith("Watching deployment older42 of app-svc: v1 -> v2")


def test_a_service_without_deployments_has_nothing_to_watch() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None)
        result = run(aws, "watch")

    assert result.code == 4
    assert result.stderr == "ops: service 'app-svc' has no deployment to watch\n"


class FlakyEcs:
    """The stubbed ECS client, except that DescribeServiceDeployments raises the given network errors in turn
    (None: the stub answers)."""

    def __init__(self, client: Any, failures: list[Exception | None]) -> None:
        self.client, self.failures = client, failures

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)

    def describe_service_deployments(self, **params: Any) -> Any:
        failure = self.failures.pop(0) if self.failures else None
        if failure:
            raise failure
        return self.client.describe_service_deployments(**params)


def test_rides_out_throttling_5xx_and_timeouts_saying_so_once() -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        aws.expect_versions()
        for code, status in (("ThrottlingException", 400), ("ThrottlingException", 400), ("ThrottlingException", 400),
                             ("ServerException", 503), ("ServerException", 500)):
            aws.ecs_stub.add_client_error("describe_service_deployments", code, "Rate exceeded", status)
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP"))
        timeout = ReadTimeoutError(endpoint_url="https://ecs.ap-northeast-1.amazonaws.com/")
        aws.clients["ecs"] = FlakyEcs(aws.clients["ecs"], [None, timeout, EndpointConnectionError(endpoint_url="x")])
        result = run(aws, "watch", time=time)

    assert result.code == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[4] == ('[+00:10] polling failed (AWS call failed: Read timeout on endpoint URL: '
                        '"https://ecs.ap-northeast-1.amazonaws.com/"); retrying for up to 3m00s')
    assert lines[5:] == ["[+01:20] AWS answers again", "[+01:20] SUCCESSFUL           CLEAN_UP",
                         "[+01:20] deployment SUCCESSFUL: v2 serves production traffic"]


def test_gives_up_after_three_minutes_of_consecutive_failures_with_one_line_and_exit_3() -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        aws.expect_versions()
        for _ in range(19):  # 10 s apart: the 19th failure comes 180 s after the first
            aws.ecs_stub.add_client_error("describe_service_deployments", "ThrottlingException", "Rate exceeded", 400)
        result = run(aws, "watch", time=time)

    assert result.code == 3
    assert result.stderr == ("ops: gave up after 3m00s of failed polls: DescribeServiceDeployments failed: "
                             "ThrottlingException: Rate exceeded\n")
    assert len([line for line in result.stdout.splitlines() if "retrying" in line]) == 1
    assert time.now == 190


def test_an_error_that_will_not_go_away_ends_watching_at_once() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        aws.expect_versions()
        aws.ecs_stub.add_client_error("describe_service_deployments", "AccessDeniedException", "not authorized", 400)
        result = run(aws, "watch")

    assert result.code == 3
    assert result.stderr == "ops: access denied calling DescribeServiceDeployments: not authorized\n"


@pytest.mark.parametrize("outputs, polls, waited", [
    ({**STACK_OUTPUTS, "rolloutTimeoutMinutes": 1}, 3, "1m00s"),
    (STACK_OUTPUTS, 24, "2h00m"),  # no rolloutTimeoutMinutes output: the documented 120 min
], ids=["stack-output", "fallback"])
def test_timeout_defaults_to_the_stacks_rollout_timeout(outputs: dict[str, Any], polls: int, waited: str) -> None:
    running = deployment("IN_PROGRESS", "BAKE_TIME")
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(running)
        aws.expect_versions()
        for _ in range(polls):
            aws.expect_deployment(running)
        result = run(aws, "watch", "--interval", "20" if polls == 3 else "300", outputs=outputs)

    assert result.code == 5
    assert result.stderr.startswith(f"ops: timed out after {waited}: deployment ")


def test_an_unexpected_answer_is_one_line_with_its_own_exit_code() -> None:
    broken = deployment("IN_PROGRESS", "BAKE_TIME")
    del broken["serviceDeployments"][0]["status"]  # valid for the model, but the CLI needs it
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(broken)
        aws.expect_versions()
        result = run(aws, "watch")

    assert result.code == 70
    assert result.stderr == "ops: unexpected error: KeyError: 'status'\n"


def test_the_rollback_reason_is_printed_once_however_many_states_it_goes_through() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"))
        aws.expect_versions()
        for status, stage in (("ROLLBACK_REQUESTED", "PRODUCTION_TRAFFIC_SHIFT"),
                              ("ROLLBACK_IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"),
                              ("ROLLBACK_IN_PROGRESS", "CLEAN_UP")):
            aws.expect_deployment(deployment(status, stage, reason=FAILED_TASKS))
        aws.expect_deployment(deployment("ROLLBACK_SUCCESSFUL", "CLEAN_UP", reason=FAILED_TASKS))
        result = run(aws, "watch")

    assert result.code == 1
    assert result.stdout.splitlines()[-6:] == [
        "[+00:10] ROLLBACK_REQUESTED   PRODUCTION_TRAFFIC_SHIFT",
        f"[+00:10] reason: {FAILED_TASKS}",
        "[+00:20] ROLLBACK_IN_PROGRESS PRODUCTION_TRAFFIC_SHIFT",
        "[+00:30] ROLLBACK_IN_PROGRESS CLEAN_UP",
        "[+00:40] ROLLBACK_SUCCESSFUL  CLEAN_UP",
        f"[+00:40] deployment ROLLBACK_SUCCESSFUL: {FAILED_TASKS}",
    ]


def test_failures_from_the_first_call_are_ridden_out_like_later_ones() -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "ThrottlingException", "Rate exceeded", 400)
        aws.expect_service()
        aws.ecs_stub.add_client_error("describe_service_deployments", "ServerException", "Service Unavailable", 503)
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP"))
        aws.expect_versions()
        result = run(aws, "watch", time=time)

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[:4] == [
        "[+00:00] polling failed (DescribeServices failed: ThrottlingException: Rate exceeded); retrying for up to 3m00s",
        "[+00:10] AWS answers again",
        "[+00:10] polling failed (DescribeServiceDeployments failed: ServerException: Service Unavailable); retrying "
        "for up to 3m00s",
        "[+00:20] AWS answers again"]
    assert time.sleeps == [10.0, 10.0]


def test_at_start_up_too_it_gives_up_after_three_minutes_of_failures() -> None:
    time = FakeTime()
    with stubbed_aws() as aws:
        for _ in range(19):  # 10 s apart: the 19th failure comes 180 s after the first
            aws.ecs_stub.add_client_error("describe_services", "ThrottlingException", "Rate exceeded", 400)
        result = run(aws, "watch", time=time)

    assert result.code == 3
    assert result.stderr == ("ops: gave up after 3m00s of failed polls: DescribeServices failed: "
                             "ThrottlingException: Rate exceeded\n")
    assert time.now == 180
