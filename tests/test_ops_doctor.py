"""`python -m ops doctor`: the after-rollout checks, each PASS/FAIL/SKIP; exit 6 if any fails."""

from __future__ import annotations

import json
from dataclasses import dataclass

import pytest

from tests.ops_fixtures import (
    BLUE_TG, CLUSTER, GREEN_TG, NEW_REVISION, OLD_REVISION, PROD_RULE_ARN, T0, TEST_RULE_ARN, Aws, Result, deployment, revision_summary, rule, run,
    stubbed_aws, task,
)

ALARMS = ["app-dev-blue-5xx", "app-dev-green-5xx"]


@dataclass(frozen=True)
class Stack:
    """A stack after v1 -> v2 (app:7 -> app:8): green live and primary, blue idle; each field can break one check."""

    status: str = "SUCCESSFUL"
    running_revision: int = 8
    primary: str = GREEN_TG
    alternate: str = BLUE_TG
    test_rule_to: str = BLUE_TG
    alarm_states: tuple[str, ...] = ("OK", "OK")
    previous_status: str = "ACTIVE"


def expect_doctor(aws: Aws, stack: Stack) -> None:
    aws.expect_service(primary=stack.primary, alternate=stack.alternate, deploymentConfiguration={
        "alarms": {"alarmNames": ALARMS, "rollback": True, "enable": True}})
    aws.expect_deployment(deployment(stack.status, "CLEAN_UP", finished=T0.replace(minute=17),
                                     target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                                     source=revision_summary(OLD_REVISION, 0, requested=0, prod=0.0)))
    aws.expect_versions(old_tg=BLUE_TG, new_tg=GREEN_TG, old_status=stack.previous_status)
    aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 0), (GREEN_TG, 100)]), {"RuleArns": [PROD_RULE_ARN]})
    aws.expect_target_health(GREEN_TG, ("10.0.1.9", "healthy", None), ("10.0.2.9", "healthy", None))
    aws.expect_tasks("RUNNING", [task(1, revision=stack.running_revision, ip="10.0.1.9"),
                                 task(2, revision=stack.running_revision, ip="10.0.2.9")])
    aws.elbv2_stub.add_response("describe_rules", rule([(stack.test_rule_to, 1)]), {"RuleArns": [TEST_RULE_ARN]})
    present = [(name, state) for name, state in zip(ALARMS, stack.alarm_states) if state != "MISSING"]
    aws.stubs["cloudwatch"].add_response("describe_alarms", {"MetricAlarms": [
        {"AlarmName": name, "StateValue": state} for name, state in present]},
        {"AlarmNames": ALARMS, "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]})


def doctor(stack: Stack, *flags: str) -> Result:
    with stubbed_aws() as aws:
        expect_doctor(aws, stack)
        return run(aws, "doctor", *flags, outputs={"clusterName": CLUSTER, "serviceName": "app-svc"})


def test_a_good_rollout_passes_every_check() -> None:
    result = doctor(Stack())

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines() == [
        "PASS  last deployment succeeded             r9i43YFjvgF_xlg7m2eJ1r SUCCESSFUL (v1 -> v2)",
        "PASS  live group runs the current revision  app-green-9c1d: 2 healthy target(s), 2 of them running app:8",
        "PASS  service primary is the live group     primary app-green-9c1d, alternate app-blue-3f2a; live "
        "app-green-9c1d",
        "PASS  test rule forwards to the idle group  test rule -> app-blue-3f2a; idle app-blue-3f2a",
        "PASS  rollback alarms exist and are OK      app-dev-blue-5xx OK, app-dev-green-5xx OK",
        "PASS  previous task definition is ACTIVE    app:7 ACTIVE",
    ]


@pytest.mark.parametrize("stack, failing, detail", [
    (Stack(status="ROLLBACK_SUCCESSFUL"), "last deployment succeeded", "r9i43YFjvgF_xlg7m2eJ1r ROLLBACK_SUCCESSFUL"),
    (Stack(running_revision=7), "live group runs the current revision", "2 healthy target(s), 0 of them running app:8"),
    (Stack(primary=BLUE_TG, alternate=GREEN_TG), "service primary is the live group",
     "primary app-blue-3f2a, alternate app-green-9c1d; live app-green-9c1d"),
    (Stack(test_rule_to=GREEN_TG), "test rule forwards to the idle group",
     "test rule -> app-green-9c1d; idle app-blue-3f2a"),
    (Stack(alarm_states=("OK", "ALARM")), "rollback alarms exist and are OK", "app-dev-green-5xx ALARM"),
    (Stack(alarm_states=("MISSING", "OK")), "rollback alarms exist and are OK", "app-dev-blue-5xx MISSING"),
    (Stack(previous_status="INACTIVE"), "previous task definition is ACTIVE", "app:7 INACTIVE"),
], ids=["rolled-back", "old-revision-live", "primary-swapped", "test-rule-on-live", "alarm-firing", "alarm-missing",
        "previous-inactive"])
def test_each_broken_fact_fails_its_own_check_and_exits_6(stack: Stack, failing: str, detail: str) -> None:
    result = doctor(stack)

    assert result.code == 6, result.stderr
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAIL")]
    assert len(failed) == 1 and failed[0].split("  ", 1)[1].strip().startswith(failing), result.stdout
    assert detail in failed[0]


def test_checks_that_do_not_apply_are_skipped_not_failed() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None, primary=GREEN_TG, alternate=BLUE_TG)
        aws.elbv2_stub.add_response("describe_rules", rule([(GREEN_TG, 1)]), {"RuleArns": [PROD_RULE_ARN]})
        aws.expect_target_health(GREEN_TG, ("10.0.1.9", "healthy", None))
        aws.expect_tasks("RUNNING", [task(1, ip="10.0.1.9")])
        aws.elbv2_stub.add_response("describe_rules", rule([(BLUE_TG, 1)]), {"RuleArns": [TEST_RULE_ARN]})
        result = run(aws, "doctor")

    assert result.code == 0, result.stderr
    assert [line.split("  ")[0] for line in result.stdout.splitlines()] == ["SKIP", "PASS", "PASS", "PASS", "SKIP",
                                                                            "SKIP"]


def test_output_json_lists_every_check_and_the_verdict() -> None:
    result = doctor(Stack(alarm_states=("OK", "ALARM")), "--output", "json")

    assert result.code == 6
    report = json.loads(result.stdout)
    assert report["passed"] is False
    assert [(c["name"], c["result"]) for c in report["checks"]] == [
        ("last deployment succeeded", "PASS"), ("live group runs the current revision", "PASS"),
        ("service primary is the live group", "PASS"), ("test rule forwards to the idle group", "PASS"),
        ("rollback alarms exist and are OK", "FAIL"), ("previous task definition is ACTIVE", "PASS")]
