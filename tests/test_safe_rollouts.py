"""Safe rollouts under mocks: the test listener rule, the smoke-test hook and its roles, the manual
approval PAUSE hook, the rollback alarms, the circuit breaker and the LINEAR/CANARY strategies."""

from __future__ import annotations

import json

import pytest

from ecs_bluegreen.smoke_test_hook import HANDLER_FILE
from tests.aws_types import (
    ALARM, ALB, FUNCTION, LOG_GROUP, RANDOM_PASSWORD, ROLE_POLICY, ROLE_POLICY_ATTACHMENT, RULE, SERVICE,
)
from tests.pulumi_harness import ProgramRun, Registered, run_program


@pytest.fixture(scope="module")
def safe() -> ProgramRun:
    return run_program("dev", smokeTest={"enabled": True}, rollbackAlarms={"enabled": True})


def hooks_of(run: ProgramRun) -> list[dict]:
    return run.one(SERVICE)["deploymentConfiguration"].get("lifecycleHooks", [])


def policy_of(run: ProgramRun, role: Registered) -> dict:
    [policy] = [p for p in run.of_type(ROLE_POLICY) if p["role"] == role.id]
    return json.loads(policy["policy"])


def trusted_service(role: Registered) -> str:
    [statement] = json.loads(role["assumeRolePolicy"])["Statement"]
    assert statement["Action"] == "sts:AssumeRole" and statement["Effect"] == "Allow"
    return statement["Principal"]["Service"]


def test_test_rule_matches_a_secret_header_ahead_of_the_production_rule(safe: ProgramRun) -> None:
    production = safe.one(RULE, "production-rule")
    test = safe.one(RULE, "test-rule")
    assert test["listenerArn"] == production["listenerArn"], "same listener: no extra port opened"
    assert test["priority"] < production["priority"]
    secret = safe.one(RANDOM_PASSWORD)
    assert secret["special"] is False and secret["length"] >= 32
    assert test["conditions"] == [{"httpHeader": {"httpHeaderName": "X-Bluegreen-Test",
                                                  "values": [secret.state["result"]]}}]
    assert any(path.startswith("conditions") for path in test.secret_inputs), "the header value stays secret"
    [action] = test["actions"]
    weights = {safe.by_output("arn", g["arn"]).name: g["weight"] for g in action["forward"]["targetGroups"]}
    assert weights == {"app-blue": 100, "app-green": 0}
    assert test.ignore_changes == ["actions"]


def test_test_rule_reaches_the_service(safe: ProgramRun) -> None:
    [lb] = safe.one(SERVICE)["loadBalancers"]
    assert lb["advancedConfiguration"]["testListenerRule"] == safe.one(RULE, "test-rule").state["arn"]
    assert safe.outputs["testListenerRuleArn"] == safe.one(RULE, "test-rule").state["arn"]
    assert safe.outputs["testTrafficHeaderName"] == "X-Bluegreen-Test"


def test_smoke_test_function_ships_the_handler_with_its_settings(safe: ProgramRun) -> None:
    function = safe.one(FUNCTION)
    assert function["runtime"] == "python3.12"
    assert function["handler"] == "handler.handler"
    assert function["timeout"] > 2 * int(function["environment"]["variables"]["REQUEST_TIMEOUT_SECONDS"])
    assets = function["code"].assets
    assert list(assets) == ["handler.py"]
    assert assets["handler.py"].path == str(HANDLER_FILE)
    variables = function["environment"]["variables"]
    assert variables["TEST_HEADER_NAME"] == "X-Bluegreen-Test"
    assert variables["TEST_HEADER_VALUE"] == safe.one(RANDOM_PASSWORD).state["result"]
    assert any(path.startswith("environment") for path in function.secret_inputs)
    log_group = safe.one(LOG_GROUP, "smoke-test")
    assert function["loggingConfig"]["logGroup"] == log_group.state["name"]
    assert log_group["retentionInDays"] == 7


def test_smoke_test_function_may_only_write_its_own_logs(safe: ProgramRun) -> None:
    function = safe.one(FUNCTION)
    role = safe.by_output("arn", function["role"])
    assert trusted_service(role) == "lambda.amazonaws.com"
    log_group = safe.one(LOG_GROUP, "smoke-test")
    assert policy_of(safe, role)["Statement"] == [{
        "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": f"{log_group.state['arn']}:*"}]
    assert not [a for a in safe.of_type(ROLE_POLICY_ATTACHMENT)
                if a["role"] == role.state["name"]], "no managed policies"


def test_ecs_invokes_the_hook_through_a_role_allowed_only_that_function(safe: ProgramRun) -> None:
    [hook] = hooks_of(safe)
    function = safe.one(FUNCTION)
    # Only what the provider reads back for a Lambda hook (targetType defaults to AWS_LAMBDA): an extra
    # field would show as a change on every preview of a refreshed stack.
    assert set(hook) == {"lifecycleStages", "hookTargetArn", "roleArn", "hookDetails"}
    assert hook["lifecycleStages"] == ["POST_TEST_TRAFFIC_SHIFT"]
    assert hook["hookTargetArn"] == function.state["arn"]
    role = safe.by_output("arn", hook["roleArn"])
    assert trusted_service(role) == "ecs.amazonaws.com"
    assert policy_of(safe, role)["Statement"] == [
        {"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": function.state["arn"]}]
    invoke_policy = [p for p in safe.of_type(ROLE_POLICY) if p["role"] == role.id][0]
    assert invoke_policy.urn in safe.one(SERVICE).dependencies, "the policy exists before ECS checks the role"


def test_hook_details_carry_the_url_the_version_and_the_budget(safe: ProgramRun) -> None:
    [hook] = hooks_of(safe)
    assert json.loads(hook["hookDetails"]) == {
        "baseUrl": safe.outputs["url"],
        "expectedVersion": "v1",
        "healthPath": "/health",
        "checkVersion": True,
        "versionPath": "/",
        "maxAttempts": 10,
        "callbackDelaySeconds": 15,
    }
    # As the provider reads them back from ECS (compact, keys sorted): hooks are a set, so any other
    # spelling of the same document would show as a change on every preview.
    assert hook["hookDetails"] == (
        '{"baseUrl":"%s","callbackDelaySeconds":15,"checkVersion":true,"expectedVersion":"v1",'
        '"healthPath":"/health","maxAttempts":10,"versionPath":"/"}' % safe.outputs["url"])


def test_smoke_test_settings_reach_the_hook() -> None:
    run = run_program("dev", appVersion="v7", smokeTest={"enabled": True, "healthPath": "/ready",
                                                         "versionPath": "/version", "maxAttempts": 4,
                                                         "callbackDelaySeconds": 30})
    details = json.loads(hooks_of(run)[0]["hookDetails"])
    assert (details["expectedVersion"], details["healthPath"], details["versionPath"]) == ("v7", "/ready", "/version")
    assert (details["maxAttempts"], details["callbackDelaySeconds"]) == (4, 30)
    # 30 min overhead + 15 min bake + 4 attempts x 30 s.
    assert run.one(SERVICE).custom_timeouts["update"] == f"{30 + 15 + 2}m"


def test_the_version_check_can_be_turned_off_for_an_app_that_prints_no_version() -> None:
    run = run_program("dev", appVersion="v7", smokeTest={"enabled": True, "checkVersion": False})
    details = json.loads(hooks_of(run)[0]["hookDetails"])
    assert (details["checkVersion"], details["expectedVersion"]) == (False, "v7")


def test_rollback_alarms_watch_5xx_and_unhealthy_hosts_of_both_target_groups(safe: ProgramRun) -> None:
    alb = safe.one(ALB)
    alarms = safe.of_type(ALARM)
    assert len(alarms) == 4
    seen = set()
    for alarm in alarms:
        group = safe.by_output("arnSuffix", alarm["dimensions"]["TargetGroup"])
        assert alarm["dimensions"]["LoadBalancer"] == alb.state["arnSuffix"]
        assert alarm["namespace"] == "AWS/ApplicationELB"
        assert alarm["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm["treatMissingData"] == "notBreaching"
        assert alarm["period"] == 60 and alarm["evaluationPeriods"] == 2
        seen.add((group.name, alarm["metricName"], alarm["statistic"], alarm["threshold"], alarm["datapointsToAlarm"]))
    # One bad minute of 5xx is enough; unhealthy hosts must persist (a task replaced once is normal).
    assert seen == {
        ("app-blue", "HTTPCode_Target_5XX_Count", "Sum", 5, 1), ("app-green", "HTTPCode_Target_5XX_Count", "Sum", 5, 1),
        ("app-blue", "UnHealthyHostCount", "Maximum", 1, 2), ("app-green", "UnHealthyHostCount", "Maximum", 1, 2),
    }


def test_alarm_names_reach_the_service_with_rollback_on(safe: ProgramRun) -> None:
    alarms = safe.one(SERVICE)["alarms"]
    assert alarms["enable"] is True and alarms["rollback"] is True
    assert sorted(alarms["alarmNames"]) == sorted(alarm.state["name"] for alarm in safe.of_type(ALARM))


def test_alarm_thresholds_follow_config() -> None:
    run = run_program("dev", rollbackAlarms={"enabled": True, "target5xxThreshold": 20,
                                             "unhealthyHostsThreshold": 2, "evaluationPeriods": 3})
    thresholds = {(a["metricName"], a["threshold"], a["evaluationPeriods"]) for a in run.of_type(ALARM)}
    assert thresholds == {("HTTPCode_Target_5XX_Count", 20, 3), ("UnHealthyHostCount", 2, 3)}


def test_circuit_breaker_rolls_back_by_default_and_can_be_turned_off(safe: ProgramRun) -> None:
    assert safe.one(SERVICE)["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    off = run_program("dev", deploymentCircuitBreaker=False).one(SERVICE)
    assert off["deploymentCircuitBreaker"] == {"enable": False, "rollback": False}


def test_dev_defaults_are_the_seeds_no_test_rule_no_hooks_no_alarms() -> None:
    run = run_program("dev")
    assert [r.name for r in run.of_type(RULE)] == ["app-production-rule"]
    assert run.of_type(FUNCTION) == [] and run.of_type(ALARM) == []
    assert "alarms" not in run.one(SERVICE).inputs
    assert "testListenerRuleArn" not in run.outputs


def test_manual_approval_pauses_after_test_traffic_and_turns_the_test_rule_on() -> None:
    run = run_program("dev", manualApproval={"enabled": True, "timeoutMinutes": 120, "timeoutAction": "CONTINUE"})
    assert hooks_of(run) == [{
        "targetType": "PAUSE",
        "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
        "timeoutConfiguration": {"timeoutInMinutes": "120", "action": "CONTINUE"},
    }]
    assert run.one(RULE, "test-rule").state["arn"] == \
        run.one(SERVICE)["loadBalancers"][0]["advancedConfiguration"]["testListenerRule"]
    assert run.one(SERVICE).custom_timeouts["update"] == f"{30 + 15 + 120}m", "pulumi up waits for the operator"


def test_smoke_test_and_approval_together_run_both_hooks() -> None:
    run = run_program("dev", smokeTest={"enabled": True}, manualApproval={"enabled": True})
    assert [hook.get("targetType", "AWS_LAMBDA (the default)") for hook in hooks_of(run)] == \
        ["AWS_LAMBDA (the default)", "PAUSE"]


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"deploymentStrategy": "LINEAR"},
     {"linearConfiguration": {"stepPercent": 10.0, "stepBakeTimeInMinutes": "1"}}),
    ({"deploymentStrategy": "LINEAR", "linear": {"stepPercent": 25, "stepBakeMinutes": 3}},
     {"linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": "3"}}),
    ({"deploymentStrategy": "CANARY", "canary": {"percent": 5, "bakeMinutes": 10}},
     {"canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": "10"}}),
], ids=["linear-defaults", "linear", "canary"])
def test_linear_and_canary_strategies(overrides: dict, expected: dict) -> None:
    deployment = run_program("dev", **overrides).one(SERVICE)["deploymentConfiguration"]
    assert deployment == {"strategy": overrides["deploymentStrategy"], "bakeTimeInMinutes": "15", **expected}


def test_linear_rollout_timeout_includes_every_step() -> None:
    service = run_program("dev", deploymentStrategy="LINEAR", linear={"stepPercent": 20, "stepBakeMinutes": 4})
    assert service.one(SERVICE).custom_timeouts["update"] == f"{30 + 15 + 5 * 4}m"
