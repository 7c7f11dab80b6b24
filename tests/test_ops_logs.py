"""`python -m ops logs`: one revision's app lines (by its tasks' streams), or the smoke-test hook's attempts."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tests.ops_fixtures import (
    ACCOUNT, LOG_GROUP, NEW_REVISION, OLD_REVISION, REGION, T0, Aws, FakeTime, deployment, revisions, run,
    stubbed_aws, task, task_definition, task_definition_arn,
)

NOW = T0 + timedelta(minutes=30)
SINCE_30_MIN = int(T0.timestamp() * 1000)
HOOK_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:app-dev-smoke-test"
HOOK_LOG_GROUP = "/aws/lambda/app-dev-smoke-test-7f3a"


def stream(number: int) -> str:
    return f"app/flask-container/{number:032x}"


def event(event_id: str, at: datetime, message: str, log_stream: str = "") -> dict[str, Any]:
    return {"eventId": event_id, "timestamp": int(at.timestamp() * 1000), "message": message,
            **({"logStreamName": log_stream} if log_stream else {})}


def expect_revision(aws: Aws, arn: str, number: int, version: str) -> None:
    aws.expect_service()
    aws.expect_deployment(deployment("IN_PROGRESS", "SCALE_UP"))
    aws.ecs_stub.add_response("describe_service_revisions", revisions((arn, number, None)),
                              {"serviceRevisionArns": [arn]})
    aws.ecs_stub.add_response("describe_task_definition", task_definition(number, version),
                              {"taskDefinition": task_definition_arn(number)})


def expect_tasks_of_both_revisions(aws: Aws) -> None:
    """Running: task 1 (app:8) and task 3 (app:7); stopped: task 2 (app:8)."""
    aws.expect_tasks("RUNNING", [task(1, revision=8), task(3, revision=7)])
    aws.expect_tasks("STOPPED", [task(2, revision=8, stopped=T0)])


def test_prints_the_target_revisions_lines_from_its_tasks_streams_oldest_first() -> None:
    with stubbed_aws() as aws:
        expect_revision(aws, NEW_REVISION, 8, "v2")
        expect_tasks_of_both_revisions(aws)
        aws.stubs["logs"].add_response("filter_log_events", {"events": [
            event("b", T0 + timedelta(minutes=2), "GET /health 200\n", stream(1)),
            event("a", T0 + timedelta(minutes=1), "Traceback: KeyError 'x'\n", stream(2)),
        ]}, {"logGroupName": LOG_GROUP, "startTime": SINCE_30_MIN, "logStreamNames": [stream(1), stream(2)]})
        result = run(aws, "logs", now=NOW)

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"# target revision v2 (app:8), log group {LOG_GROUP}",
        f"2025-06-01 12:01:00Z  {2:032x}  Traceback: KeyError 'x'",
        f"2025-06-01 12:02:00Z  {1:032x}  GET /health 200",
    ]


def test_source_reads_the_replaced_revision_and_since_moves_the_start() -> None:
    with stubbed_aws() as aws:
        expect_revision(aws, OLD_REVISION, 7, "v1")
        expect_tasks_of_both_revisions(aws)
        aws.stubs["logs"].add_response("filter_log_events", {"events": []}, {
            "logGroupName": LOG_GROUP, "startTime": SINCE_30_MIN + 25 * 60 * 1000, "logStreamNames": [stream(3)]})
        result = run(aws, "logs", "--source", "--since", "5", now=NOW)

    assert result.code == 0, result.stderr
    assert result.stdout == f"# source revision v1 (app:7), log group {LOG_GROUP}\n# no lines in the last 5 minutes\n"


def hook_line(**fields: Any) -> str:
    return f"[WARNING]\t2025-06-01T12:05:00.000Z\tb7c1\t{json.dumps(fields)}\n"


def test_hook_prints_each_attempt_with_status_failed_check_and_reason() -> None:
    hooks = [{"targetType": "AWS_LAMBDA", "hookTargetArn": HOOK_ARN, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/hook",
              "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"]}]
    with stubbed_aws() as aws:
        aws.expect_service(deploymentConfiguration={"lifecycleHooks": hooks})
        aws.stubs["lambda"].add_response("get_function_configuration", {
            "FunctionName": "app-dev-smoke-test", "LoggingConfig": {"LogFormat": "Text", "LogGroup": HOOK_LOG_GROUP}},
            {"FunctionName": HOOK_ARN})
        aws.stubs["logs"].add_response("filter_log_events", {"events": [
            event("1", T0 + timedelta(minutes=5), "START RequestId: b7c1 Version: $LATEST\n"),
            event("2", T0 + timedelta(minutes=5), hook_line(
                message="smoke test attempt failed; retrying", attempt=1, maxAttempts=10, hookStatus="IN_PROGRESS",
                failedCheck="version", url="http://alb/", statusCode=200, reason="page says Version: v1")),
            event("3", T0 + timedelta(minutes=6), hook_line(
                message="smoke test passed", attempt=2, maxAttempts=10, hookStatus="SUCCEEDED")),
        ]}, {"logGroupName": HOOK_LOG_GROUP, "startTime": SINCE_30_MIN})
        result = run(aws, "logs", "--hook", now=NOW)

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"# smoke-test hook app-dev-smoke-test, log group {HOOK_LOG_GROUP}",
        "2025-06-01 12:05:00Z  attempt 1/10  IN_PROGRESS  smoke test attempt failed; retrying  "
        "failed check version: page says Version: v1  http://alb/ -> 200",
        "2025-06-01 12:06:00Z  attempt 2/10  SUCCEEDED  smoke test passed",
    ]


def test_hook_without_a_lambda_hook_says_the_smoke_test_is_off() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        result = run(aws, "logs", "--hook")

    assert result.code == 2
    assert result.stderr == "ops: the service has no Lambda lifecycle hook (smokeTest.enabled is false)\n"


def test_follow_reads_on_from_the_newest_line_prints_each_once_and_rides_out_throttling() -> None:
    class StopAfterThreeReads(FakeTime):
        def sleep(self, seconds: float) -> None:
            super().sleep(seconds)
            if len(self.sleeps) == 3:
                raise KeyboardInterrupt

    first = event("a", T0 + timedelta(minutes=1), "one", stream(1))
    second = event("b", T0 + timedelta(minutes=3), "two", stream(1))
    params = {"logGroupName": LOG_GROUP, "logStreamNames": [stream(1), stream(2)]}
    with stubbed_aws() as aws:
        expect_revision(aws, NEW_REVISION, 8, "v2")
        expect_tasks_of_both_revisions(aws)
        aws.stubs["logs"].add_response("filter_log_events", {"events": [first]}, {**params, "startTime": SINCE_30_MIN})
        expect_tasks_of_both_revisions(aws)
        aws.stubs["logs"].add_client_error("filter_log_events", "ThrottlingException", "Rate exceeded", 400)
        expect_tasks_of_both_revisions(aws)
        aws.stubs["logs"].add_response("filter_log_events", {"events": [first, second]},
                                   {**params, "startTime": first["timestamp"]})
        result = run(aws, "logs", "--follow", "--interval", "2", now=NOW, time=StopAfterThreeReads())

    assert result.code == 130
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        f"2025-06-01 12:01:00Z  {1:032x}  one",
        "2025-06-01 12:30:00Z polling failed (FilterLogEvents failed: ThrottlingException: Rate exceeded); "
        "retrying for up to 3m00s",
        "2025-06-01 12:30:00Z AWS answers again",
        f"2025-06-01 12:03:00Z  {1:032x}  two"]


def test_follow_rides_out_failures_from_its_first_call() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "ServerException", "Service Unavailable", 503)
        aws.ecs_stub.add_client_error("describe_services", "ThrottlingException", "Rate exceeded", 400)
        expect_revision(aws, NEW_REVISION, 8, "v2")
        aws.expect_tasks("RUNNING", [])
        aws.expect_tasks("STOPPED", [])
        result = run(aws, "logs", "--follow", "--interval", "2", now=NOW, time=InterruptedAtSecondRead())

    assert result.code == 130, result.stderr
    assert result.stdout.splitlines() == [
        "2025-06-01 12:30:00Z polling failed (DescribeServices failed: ServerException: Service Unavailable); "
        "retrying for up to 3m00s",
        f"# target revision v2 (app:8), log group {LOG_GROUP}",
        "2025-06-01 12:30:00Z AWS answers again"]


class InterruptedAtSecondRead(FakeTime):
    def sleep(self, seconds: float) -> None:
        super().sleep(seconds)
        if len(self.sleeps) == 3:  # two start-up retries, then the first wait between reads
            raise KeyboardInterrupt


def test_without_follow_a_failing_first_call_is_not_retried() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "ServerException", "Service Unavailable", 503)
        result = run(aws, "logs")

    assert (result.code, result.stderr) == (3, "ops: DescribeServices failed: ServerException: Service Unavailable\n")
