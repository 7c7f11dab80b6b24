"""Act with the least it needs: a read that only labels versions may be denied; the command still does its job,
shows "?" for the versions and says in one line what was denied. Reads an action needs still stop it."""

from __future__ import annotations

import pytest

from tests.ops_fixtures import DEPLOYMENT_ARN, OLD_REVISION, NEW_REVISION, Aws, deployment, pause_hook, revisions, \
    run, stubbed_aws

DENIED = ("User: arn:aws:iam::123456789012:user/operator is not authorized to perform: "
          "ecs:DescribeServiceRevisions")
NOTE = f"ops: access denied calling DescribeServiceRevisions: {DENIED}; versions show as ?\n"


def deny_revisions(aws: Aws) -> None:
    aws.ecs_stub.add_client_error("describe_service_revisions", "AccessDeniedException", DENIED, 400,
                                  expected_params={"serviceRevisionArns": [OLD_REVISION, NEW_REVISION]})


def test_rollback_stops_the_deployment_though_it_may_not_read_the_versions() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        deny_revisions(aws)
        aws.ecs_stub.add_response("stop_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN},
                                  {"serviceDeploymentArn": DEPLOYMENT_ARN, "stopType": "ROLLBACK"})
        result = run(aws, "rollback", "--no-wait", stdin="y\n")

    assert (result.code, result.stderr) == (0, NOTE)
    assert "Roll back deployment r9i43YFjvgF_xlg7m2eJ1r (? -> ?, IN_PROGRESS at BAKE_TIME)? ECS returns production " \
           "traffic to ? and stops the new tasks." in result.stdout


@pytest.mark.parametrize("command, action", [("approve", "CONTINUE"), ("reject", "ROLLBACK")])
def test_approve_and_reject_resolve_the_hook_though_they_may_not_read_the_versions(command: str, action: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook()]))
        deny_revisions(aws)
        aws.ecs_stub.add_response("continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN}, {
            "serviceDeploymentArn": DEPLOYMENT_ARN, "hookId": pause_hook()["hookId"], "action": action})
        result = run(aws, command, "--yes")

    assert (result.code, result.stderr) == (0, NOTE)


def test_watch_follows_with_unknown_versions_when_the_task_definition_read_is_denied() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP"))
        aws.ecs_stub.add_response("describe_service_revisions",
                                  revisions((OLD_REVISION, 7, None), (NEW_REVISION, 8, None)))
        aws.ecs_stub.add_client_error("describe_task_definition", "AccessDeniedException", "not authorized", 400)
        result = run(aws, "watch")

    assert result.code == 0
    assert result.stderr == "ops: access denied calling DescribeTaskDefinition: not authorized; versions show as ?\n"
    assert result.stdout.splitlines()[-1] == "[+00:00] deployment SUCCESSFUL: ? serves production traffic"


def test_a_denied_read_the_action_needs_still_stops_it() -> None:
    with stubbed_aws() as aws:  # no stop_service_deployment queued: calling it would fail the test
        aws.expect_service()
        aws.ecs_stub.add_client_error("describe_service_deployments", "AccessDeniedException", "not authorized", 400)
        result = run(aws, "rollback", "--yes")

    assert (result.code, result.stderr) == (3, "ops: access denied calling DescribeServiceDeployments: "
                                               "not authorized\n")
