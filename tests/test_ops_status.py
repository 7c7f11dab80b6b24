"""`python -m ops status`: the current deployment, each revision's version, and which target group is live."""

from __future__ import annotations

import pytest

from tests.ops_fixtures import (
    BLUE_TG, GREEN_TG, NEW_REVISION, OLD_REVISION, STACK_OUTPUTS, T0, deployment, pause_hook, revision_summary, rule,
    run, stubbed_aws,
)


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
        result = run(aws, "status")

    live_name = "app-blue-3f2a (blue)" if live == BLUE_TG else "app-green-9c1d (green)"
    assert result.code == 0, result.stderr
    assert "            started 2025-06-01 12:00:00Z, ended after 8m03s" in result.stdout.splitlines()
    assert f"2/2 running  prod 100%  test 100%  target group {live_name}" in result.stdout
    assert result.stdout.splitlines()[-1].startswith(f"Production  live: {live_name}  (rule weights:")


def test_a_traffic_shift_in_flight_is_shown_as_a_split() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "PRODUCTION_TRAFFIC_SHIFT"))
        aws.expect_versions()
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 80), (GREEN_TG, 20)]))
        result = run(aws, "status")

    assert result.stdout.splitlines()[-1] == "Production  split: app-blue-3f2a (blue) 80%, app-green-9c1d (green) 20%"


def test_a_paused_deployment_says_how_to_approve_or_reject() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[pause_hook()]))
        aws.expect_versions()
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 100), (GREEN_TG, 0)]))
        result = run(aws, "status")

    assert ("Paused      awaiting approval until 2025-06-01 12:40:00Z (then ROLLBACK): "
            "python -m ops approve | reject") in result.stdout.splitlines()


def test_without_stack_outputs_target_groups_are_named_from_their_arns() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None)
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 100), (GREEN_TG, 0)]))
        result = run(aws, "status", "--cluster", "app-cluster", "--service", "app-svc", "--prod-rule-arn",
                     STACK_OUTPUTS["productionListenerRuleArn"], "--region", "ap-northeast-1", outputs={})

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1:] == [
        "Deployment  none recorded for this service",
        "Production  live: app-blue-3f2a  (rule weights: app-blue-3f2a 100%, app-green-9c1d 0%)",
    ]
