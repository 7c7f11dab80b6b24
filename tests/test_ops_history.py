"""`python -m ops history`: every page of ListServiceDeployments, newest first, with outcome and duration."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from tests.ops_fixtures import (
    CLUSTER, SERVICE, SERVICE_ARN, T0, deployment_arn, revision_arn, revisions, run, stubbed_aws, task_definition,
    task_definition_arn,
)


def brief(deployment_id: str, status: str, revision: int, started_minutes: int, took_seconds: int | None,
          reason: str = "") -> dict[str, Any]:
    started = T0 + timedelta(minutes=started_minutes)
    body: dict[str, Any] = {
        "serviceDeploymentArn": deployment_arn(deployment_id), "serviceArn": SERVICE_ARN, "status": status,
        "createdAt": started, "startedAt": started, "targetServiceRevisionArn": revision_arn(revision),
    }
    if took_seconds is not None:
        body["finishedAt"] = started + timedelta(seconds=took_seconds)
    if reason:
        body["statusReason"] = reason
    return body


LIST = {"cluster": CLUSTER, "service": SERVICE, "maxResults": 100}


def test_follows_next_token_and_lists_newest_first_with_outcome_and_duration() -> None:
    rolled_back = "Service deployment rolled back because the circuit breaker threshold was exceeded."
    with stubbed_aws() as aws:
        # Pages arrive in no particular order; the CLI must read them all and sort.
        aws.ecs_stub.add_response("list_service_deployments", {
            "serviceDeployments": [brief("first", "SUCCESSFUL", 7, 0, 483), brief("third", "IN_PROGRESS", 9, 40, None)],
            "nextToken": "page-2"}, LIST)
        aws.ecs_stub.add_response("list_service_deployments", {
            "serviceDeployments": [brief("second", "ROLLBACK_SUCCESSFUL", 8, 20, 360, rolled_back),
                                   brief("stopped", "STOPPED", 8, 10, None, "stopped by user")]},
            {**LIST, "nextToken": "page-2"})
        aws.ecs_stub.add_response(
            "describe_service_revisions", revisions((revision_arn(9), 9, None), (revision_arn(8), 8, None),
                                                    (revision_arn(7), 7, None)),
            {"serviceRevisionArns": [revision_arn(9), revision_arn(8), revision_arn(7)]})
        for number, version in ((9, "v3"), (8, "v2"), (7, "v1")):
            aws.ecs_stub.add_response("describe_task_definition", task_definition(number, version),
                                      {"taskDefinition": task_definition_arn(number)})
        result = run(aws, "history", now=T0 + timedelta(minutes=42, seconds=30))

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "DEPLOYMENT  STATUS               VERSION  STARTED               DURATION      REASON",
        "third       IN_PROGRESS          v3       2025-06-01 12:40:00Z  2m30s so far",
        f"second      ROLLBACK_SUCCESSFUL  v2       2025-06-01 12:20:00Z  6m00s         {rolled_back}",
        "stopped     STOPPED              v2       2025-06-01 12:10:00Z  -             stopped by user",
        "first       SUCCESSFUL           v1       2025-06-01 12:00:00Z  8m03s",
    ]


def test_limit_keeps_the_newest_and_only_describes_what_it_shows() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": [
            brief("old", "SUCCESSFUL", 7, 0, 300), brief("new", "SUCCESSFUL", 8, 30, 300)]}, LIST)
        aws.ecs_stub.add_response("describe_service_revisions", revisions((revision_arn(8), 8, None)),
                                  {"serviceRevisionArns": [revision_arn(8)]})
        aws.ecs_stub.add_response("describe_task_definition", task_definition(8, "v2"),
                                  {"taskDefinition": task_definition_arn(8)})
        result = run(aws, "history", "--limit", "1")

    assert result.code == 0, result.stderr
    assert [line.split()[0] for line in result.stdout.splitlines()] == ["DEPLOYMENT", "new"]


def test_revisions_ecs_can_no_longer_describe_show_an_unknown_version() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": [
            brief("ancient", "SUCCESSFUL", 3, 0, 60)]}, LIST)
        aws.ecs_stub.add_response("describe_service_revisions", {"serviceRevisions": [], "failures": [
            {"arn": revision_arn(3), "reason": "MISSING"}]}, {"serviceRevisionArns": [revision_arn(3)]})
        result = run(aws, "history")

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1].split()[:3] == ["ancient", "SUCCESSFUL", "?"]


def test_a_service_without_deployments_says_so() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": []}, LIST)
        result = run(aws, "history")

    assert (result.code, result.stdout) == (0, "No deployments recorded for service app-svc.\n")


def test_long_histories_are_described_in_batches_of_twenty_with_each_task_definition_read_once() -> None:
    briefs = [brief(f"d{n:02d}", "SUCCESSFUL", 100 + n, n, 60) for n in range(25)]
    newest_first = [revision_arn(100 + n) for n in reversed(range(25))]
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": briefs}, LIST)
        # Two task definitions alternate across the 25 revisions: app:2 for even n, app:1 for odd n.
        for first, batch in ((True, newest_first[:20]), (False, newest_first[20:])):
            aws.ecs_stub.add_response(
                "describe_service_revisions",
                revisions(*[(arn, 2 - int(arn[-3:]) % 2, None) for arn in batch]), {"serviceRevisionArns": batch})
            if first:
                for number in (2, 1):
                    aws.ecs_stub.add_response("describe_task_definition", task_definition(number, f"v{number}"),
                                              {"taskDefinition": task_definition_arn(number)})
        result = run(aws, "history", "--limit", "30")

    assert result.code == 0, result.stderr
    rows = result.stdout.splitlines()[1:]
    assert [row.split()[0] for row in rows] == [f"d{n:02d}" for n in reversed(range(25))]
    assert [row.split()[2] for row in rows[:2]] == ["v2", "v1"]


def test_output_json_lists_the_same_deployments_with_iso_times_and_seconds() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": [
            brief("done", "SUCCESSFUL", 7, 0, 483), brief("now", "IN_PROGRESS", 8, 40, None)]}, LIST)
        aws.ecs_stub.add_response("describe_service_revisions", revisions((revision_arn(8), 8, None),
                                                                          (revision_arn(7), 7, None)),
                                  {"serviceRevisionArns": [revision_arn(8), revision_arn(7)]})
        for number, version in ((8, "v2"), (7, "v1")):
            aws.ecs_stub.add_response("describe_task_definition", task_definition(number, version),
                                      {"taskDefinition": task_definition_arn(number)})
        result = run(aws, "history", "--output", "json", now=T0 + timedelta(minutes=42, seconds=30))

    assert result.code == 0, result.stderr
    document = json.loads(result.stdout)
    assert (document["cluster"], document["service"]) == (CLUSTER, SERVICE)
    assert [(d["id"], d["status"], d["version"], d["durationSeconds"], d["running"]) for d in document["deployments"]] \
        == [("now", "IN_PROGRESS", "v2", 150.0, True), ("done", "SUCCESSFUL", "v1", 483.0, False)]
    assert document["deployments"][1]["startedAt"] == "2025-06-01T12:00:00+00:00"


def test_output_json_of_a_service_without_deployments_is_an_empty_list() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("list_service_deployments", {"serviceDeployments": []}, LIST)
        result = run(aws, "history", "--output", "json")

    assert json.loads(result.stdout)["deployments"] == []
