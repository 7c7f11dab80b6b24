"""`python -m ops status`: the current deployment, which target group is live, and why things fail."""

from __future__ import annotations

import json

import pytest

from tests.ops_fixtures import (
    BLUE_TG, GREEN_TG, NEW_REVISION, OLD_REVISION, PROD_RULE_ARN, STACK_OUTPUTS, T0, Aws, deployment, pause_hook,
    Result, revision_summary, rule, run, stubbed_aws, task,
)


def expect_quiet_targets(aws: Aws, *, deployment: bool = True) -> None:
    """Blue (primary) drains two old targets, green (alternate) has two healthy ones; no task stopped."""
    aws.expect_target_health(BLUE_TG, ("10.0.1.5", "draining", "Target.DeregistrationInProgress"),
                             ("10.0.2.5", "draining", "Target.DeregistrationInProgress"))
    aws.expect_target_health(GREEN_TG, ("10.0.1.9", "healthy", None), ("10.0.2.9", "healthy", None))
    if deployment:
        aws.expect_tasks("STOPPED", [])


def production_line(stdout: str) -> str:
    return next(line for line in stdout.splitlines() if line.startswith("Production  "))


def test_shows_deployment_revisions_versions_and_the_live_target_group() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment(
            "IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT",
            target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
            source=revision_summary(OLD_REVISION, 2, prod=0.0, test=0.0)))
        aws.expect_versions(old_tg=BLUE_TG, new_tg=GREEN_TG)
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 0), (GREEN_TG, 100)]),
                                    {"RuleArns": [STACK_OUTPUTS["productionListenerRuleArn"]]})
        expect_quiet_targets(aws)
        result = run(aws, "status")

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "Service     app-svc in cluster app-cluster (ap-northeast-1)",
        "Deployment  r9i43YFjvgF_xlg7m2eJ1r  IN_PROGRESS  stage PRODUCTION_TRAFFIC_SHIFT  (v1 -> v2)",
        "            started 2025-06-01 12:00:00Z, running for 4m12s",
        "  target  v2  app:8  2/2 running  prod 100%  test 100%  target group app-green-9c1d (green)",
        "  source  v1  app:7  2/2 running  prod 0%    test 0%    target group app-blue-3f2a (blue)",
        "Production  live: app-green-9c1d (green)  "
        "(rule weights: app-blue-3f2a (blue) 0%, app-green-9c1d (green) 100%)",
        "Targets     app-blue-3f2a (blue), primary: 2 draining (Target.DeregistrationInProgress x2)",
        "            app-green-9c1d (green), alternate: 2 healthy",
    ]


@pytest.mark.parametrize("live, idle", [(BLUE_TG, GREEN_TG), (GREEN_TG, BLUE_TG)], ids=["blue-live", "green-live"])
def test_live_target_group_comes_from_the_rule_weights_not_from_assumed_alternation(live: str, idle: str) -> None:
    # terraform-provider-aws#45678: provider-started deployments may not alternate target groups, so the
    # new revision can land in either group; only the rule's weights say which one serves production.
    finished = deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8, second=3),
                          target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                          source=revision_summary(OLD_REVISION, 0, requested=0, prod=0.0, test=0.0))
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(finished)
        aws.expect_versions(old_tg=idle, new_tg=live)
        aws.elbv2_stub.add_response("describe_rules", rule([(idle, 0), (live, 1)]))
        expect_quiet_targets(aws)
        result = run(aws, "status")

    live_name = "app-blue-3f2a (blue)" if live == BLUE_TG else "app-green-9c1d (green)"
    assert result.code == 0, result.stderr
    assert "            started 2025-06-01 12:00:00Z, ended after 8m03s" in result.stdout.splitlines()
    assert f"2/2 running  prod 100%  test 100%  target group {live_name}" in result.stdout
    assert production_line(result.stdout).startswith(f"Production  live: {live_name}  (rule weights:")


def test_a_traffic_shift_in_flight_is_shown_as_a_split() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"))
        aws.expect_versions()
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 80), (GREEN_TG, 20)]))
        expect_quiet_targets(aws)
        result = run(aws, "status")

    assert production_line(result.stdout) == "Production  split: app-blue-3f2a (blue) 80%, app-green-9c1d (green) 20%"


def status_of_paused_deployment(*flags: str) -> Result:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook()]))
        aws.expect_versions()
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 100), (GREEN_TG, 0)]))
        expect_quiet_targets(aws)
        return run(aws, "status", *flags)


def test_a_paused_deployment_says_how_to_approve_or_reject() -> None:
    result = status_of_paused_deployment()

    assert ("Paused      awaiting approval until 2025-06-01 12:40:00Z (then ROLLBACK): "
            "python -m ops approve | reject") in result.stdout.splitlines()


def test_without_stack_outputs_target_groups_are_named_from_their_arns() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None)
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 100), (GREEN_TG, 0)]))
        expect_quiet_targets(aws, deployment=False)
        result = run(aws, "status", "--cluster", "app-cluster", "--service", "app-svc", "--prod-rule-arn",
                     STACK_OUTPUTS["productionListenerRuleArn"], "--region", "ap-northeast-1", outputs={})

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1:3] == [
        "Deployment  none recorded for this service",
        "Production  live: app-blue-3f2a  (rule weights: app-blue-3f2a 100%, app-green-9c1d 0%)",
    ]


def test_says_why_the_new_revision_is_failing_health_stopped_tasks_and_events() -> None:
    events = [
        {"id": "e2", "createdAt": T0.replace(minute=4), "message": "(service app-svc) has started 1 tasks: (task 9)."},
        {"id": "e1", "createdAt": T0.replace(minute=3), "message": "(service app-svc) (deployment x) deployment "
                                                                   "failed: tasks failed to start."},
    ]
    stopped = [
        task(1, stopped=T0.replace(minute=2), reason="Task failed ELB health checks in (target-group app-green-9c1d)",
             exit_code=137),
        task(2, stopped=T0.replace(minute=3), reason="Essential container in task exited", exit_code=1,
             container_reason="CannotPullContainerError: pull access denied"),
        task(3, revision=7, stopped=T0.replace(minute=1), reason="Scaling activity initiated by deployment"),
    ]
    with stubbed_aws() as aws:
        aws.expect_service(events=events)
        aws.expect_deployment(deployment("IN_PROGRESS", "SCALE_UP"))
        aws.expect_versions()
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 100), (GREEN_TG, 0)]))
        aws.expect_target_health(BLUE_TG, ("10.0.1.5", "healthy", None), ("10.0.2.5", "healthy", None))
        aws.expect_target_health(GREEN_TG, ("10.0.1.9", "unhealthy", "Target.ResponseCodeMismatch"),
                                 ("10.0.2.9", "unhealthy", "Target.ResponseCodeMismatch"),
                                 ("10.0.3.9", "initial", "Elb.InitialHealthChecking"))
        aws.expect_tasks("STOPPED", stopped)
        result = run(aws, "status")

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[-6:] == [
        "Targets     app-blue-3f2a (blue), primary: 2 healthy",
        "            app-green-9c1d (green), alternate: 1 initial, 2 unhealthy "
        "(Elb.InitialHealthChecking x1, Target.ResponseCodeMismatch x2)",
        # Newest first, only the target revision's (app:8) tasks:
        f"Stopped     2025-06-01 12:03:00Z  app:8 task {2:032x}: Essential container in task exited; "
        "flask-container: exit 1, CannotPullContainerError: pull access denied",
        f"            2025-06-01 12:02:00Z  app:8 task {1:032x}: Task failed ELB health checks in "
        "(target-group app-green-9c1d); flask-container: exit 137",
        "Events      2025-06-01 12:04:00Z  (service app-svc) has started 1 tasks: (task 9).",
        "            2025-06-01 12:03:00Z  (service app-svc) (deployment x) deployment failed: tasks failed to start.",
    ]


def test_the_production_rule_and_target_groups_come_from_the_service_even_when_ecs_swapped_them() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None, primary=GREEN_TG, alternate=BLUE_TG)
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 0), (GREEN_TG, 100)]),
                                    {"RuleArns": [PROD_RULE_ARN]})
        aws.expect_target_health(GREEN_TG, ("10.0.1.9", "healthy", None))
        aws.expect_target_health(BLUE_TG)
        result = run(aws, "status", "--cluster", "app-cluster", "--service", "app-svc", "--region", "ap-northeast-1",
                     outputs={})

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[2:] == [
        "Production  live: app-green-9c1d  (rule weights: app-blue-3f2a 0%, app-green-9c1d 100%)",
        "Targets     app-green-9c1d, primary: 1 healthy",
        "            app-blue-3f2a, alternate: no targets registered",
    ]


def test_output_json_carries_the_same_facts() -> None:
    result = status_of_paused_deployment("--output", "json")

    assert result.code == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["deployment"]["status"] == "IN_PROGRESS"
    assert report["deployment"]["awaitingApproval"] == {"expiresAt": "2025-06-01T12:40:00+00:00",
                                                        "timeoutAction": "ROLLBACK"}
    assert [(r["role"], r["version"], r["taskDefinition"], r["targetGroups"]) for r in report["deployment"]["revisions"]] \
        == [("target", "v2", "app:8", [GREEN_TG]), ("source", "v1", "app:7", [BLUE_TG])]
    assert report["production"] == {"ruleArn": PROD_RULE_ARN, "weights": [
        {"targetGroupArn": BLUE_TG, "weight": 100}, {"targetGroupArn": GREEN_TG, "weight": 0}]}
    assert report["targetGroups"][1] == {"role": "alternate", "targetGroupArn": GREEN_TG,
                                         "states": {"healthy": ["10.0.1.9", "10.0.2.9"]}, "reasons": {}}
