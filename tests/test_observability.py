"""The rollout dashboard and the deployment notifications, in the whole program under mocks: every graph
and the event rule reference the stack's real target groups, cluster and service (followed through the
mocked outputs), and the body, rule, target and topic policy are what CloudWatch, EventBridge and SNS take."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto.events.models import EventPattern
from moto.events.utils import EventMessageType

from ecs_bluegreen.deployment_notifications import MESSAGE_FIELDS, DeploymentNotificationsArgs
from ecs_bluegreen.rollout_dashboard import RolloutDashboard, RolloutDashboardArgs, dashboard_name
from settings import SettingsError, parse_settings, settings_for_stack_file
from tests.aws_types import (
    ALARM, ALB, CLUSTER, DASHBOARD, DEPLOYMENT_NOTIFICATIONS_COMPONENT, EVENT_RULE, EVENT_TARGET,
    ROLLOUT_DASHBOARD_COMPONENT, SERVICE, TARGET_GROUP, TOPIC, TOPIC_POLICY, TOPIC_SUBSCRIPTION,
)
from tests.pulumi_harness import ProgramRun, Registered, run_component, run_program

DASHBOARD = DASHBOARD
ALB = ALB
TOPIC = TOPIC
EVENT_RULE = EVENT_RULE
EVENT_TARGET = EVENT_TARGET
TOPIC_POLICY = TOPIC_POLICY
SUBSCRIPTION = TOPIC_SUBSCRIPTION
NOTIFICATION_TYPES = (TOPIC, EVENT_RULE, EVENT_TARGET, TOPIC_POLICY, SUBSCRIPTION)


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_program("dev")


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_program("prod")


def widgets_of(run: ProgramRun) -> list[dict[str, Any]]:
    return json.loads(run.one(DASHBOARD)["dashboardBody"])["widgets"]


def graphs_of(run: ProgramRun, namespace: str) -> list[dict[str, Any]]:
    return [w for w in widgets_of(run) if w["type"] == "metric" and w["properties"]["metrics"][0][0] == namespace]


def dimensions(metric: list[Any]) -> dict[str, str]:
    """["AWS/ECS", "CPUUtilization", "ClusterName", "c", "ServiceName", "s", {...}] -> {ClusterName: c, ...}"""
    names_and_values = [item for item in metric[2:] if not isinstance(item, dict)]
    return dict(zip(names_and_values[::2], names_and_values[1::2]))


def test_each_target_group_metric_is_graphed_for_blue_and_green_side_by_side(dev: ProgramRun) -> None:
    alb_suffix = dev.one(ALB).state["arnSuffix"]
    suffixes = {color: dev.one(TARGET_GROUP, f"-{color}").state["arnSuffix"] for color in ("blue", "green")}
    graphs = graphs_of(dev, "AWS/ApplicationELB")
    by_metric: dict[str, dict[str, dict[str, Any]]] = {}
    for graph in graphs:
        [metric] = graph["properties"]["metrics"]
        dims = dimensions(metric)
        assert dims["LoadBalancer"] == alb_suffix
        [color] = [c for c, suffix in suffixes.items() if dims["TargetGroup"] == suffix]
        by_metric.setdefault(metric[1], {})[color] = graph
    assert set(by_metric) == {"RequestCount", "HTTPCode_Target_5XX_Count", "HealthyHostCount", "TargetResponseTime"}
    for metric, pair in by_metric.items():
        blue, green = pair["blue"], pair["green"]
        assert blue["y"] == green["y"] and blue["x"] < green["x"], f"{metric}: blue left of green, in one row"
        assert blue["properties"]["stat"] == green["properties"]["stat"]
    assert by_metric["RequestCount"]["blue"]["properties"]["stat"] == "Sum"
    assert by_metric["HTTPCode_Target_5XX_Count"]["green"]["properties"]["stat"] == "Sum"


def test_cpu_and_memory_graphs_name_the_real_cluster_and_service(dev: ProgramRun) -> None:
    cluster = dev.one(CLUSTER).state["name"]
    service = dev.one(SERVICE).state["name"]
    graphs = graphs_of(dev, "AWS/ECS")
    assert {graph["properties"]["metrics"][0][1] for graph in graphs} == {"CPUUtilization", "MemoryUtilization"}
    for graph in graphs:
        for metric in graph["properties"]["metrics"]:
            assert dimensions(metric) == {"ClusterName": cluster, "ServiceName": service}
        assert {metric[-1]["stat"] for metric in graph["properties"]["metrics"]} == {"Average", "Maximum"}


WIDGET_TYPES = {"metric", "text", "log", "alarm", "explorer"}
RENDERING_KEYS = {"color", "label", "period", "stat", "visible", "yAxis", "id", "region", "accountId"}


def test_the_body_follows_the_dashboard_body_structure(dev: ProgramRun) -> None:
    body = json.loads(dev.one(DASHBOARD)["dashboardBody"])
    assert body["periodOverride"] in ("auto", "inherit")
    assert re.fullmatch(r"-P(T\d+[MH]|\d+[DWM])", body["start"])
    cells: set[tuple[int, int]] = set()
    for widget in body["widgets"]:
        assert widget["type"] in WIDGET_TYPES
        assert 0 <= widget["x"] <= 23 and widget["x"] + widget["width"] <= 24 and 1 <= widget["height"] <= 1000
        area = {(x, y) for x in range(widget["x"], widget["x"] + widget["width"])
                for y in range(widget["y"], widget["y"] + widget["height"])}
        assert not area & cells, "widgets do not overlap"
        cells |= area
        properties = widget["properties"]
        if widget["type"] == "text":
            assert properties["markdown"]
            continue
        assert properties["region"] == "ap-northeast-1", "a metric widget must name its region"
        assert properties["view"] == "timeSeries" and properties["period"] % 60 == 0
        for metric in properties["metrics"]:
            namespace, name, *rest = metric
            assert namespace.startswith("AWS/") and name and all(isinstance(part, str) for part in rest[:-1])
            assert isinstance(rest[-1], dict) and set(rest[-1]) <= RENDERING_KEYS
            assert len(rest[:-1]) % 2 == 0, "dimension names and values in pairs"


def test_dashboard_name_is_per_stack_and_valid_for_put_dashboard(dev: ProgramRun) -> None:
    name = dev.one(DASHBOARD)["dashboardName"]
    assert name == "ecs-bluegreen-dev-rollout"
    assert dev.outputs["dashboardUrl"] == ("https://ap-northeast-1.console.aws.amazon.com/cloudwatch/home"
                                           "?region=ap-northeast-1#dashboards/dashboard/ecs-bluegreen-dev-rollout")
    # Pulumi stack names may hold '.', which PutDashboard refuses.
    assert dashboard_name("ecs-bluegreen", "team.prod", "rollout") == "ecs-bluegreen-team-prod-rollout"
    assert len(dashboard_name("p", "s" * 300)) == 255
    assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", dashboard_name("a b/c", "d:e"))


def test_the_5xx_graphs_draw_the_rollback_alarm_threshold_when_the_alarms_are_on(dev: ProgramRun,
                                                                                  prod: ProgramRun) -> None:
    def thresholds(run: ProgramRun) -> list[Any]:
        return [graph["properties"].get("annotations") for graph in graphs_of(run, "AWS/ApplicationELB")
                if graph["properties"]["metrics"][0][1] == "HTTPCode_Target_5XX_Count"]

    assert thresholds(dev) == [None, None]
    alarm = prod.one(ALARM, "blue-target-5xx")
    expected = {"horizontal": [{"label": "rollback alarm", "color": "#d62728", "value": alarm["threshold"]}]}
    assert thresholds(prod) == [expected, expected]


def test_the_dashboard_component_serves_any_region_and_number_of_target_groups() -> None:
    run = run_component(lambda: RolloutDashboard("watch", RolloutDashboardArgs(
        region="eu-west-1", alb_arn_suffix="app/web/1", target_group_arn_suffixes={"canary": "targetgroup/c/1"},
        cluster_name="cluster-1", service_name="svc-1")), region="eu-west-1")
    dashboard = run.one(DASHBOARD)
    assert dashboard.parent == run.one(ROLLOUT_DASHBOARD_COMPONENT).urn
    assert dashboard["dashboardName"] == "ecs-bluegreen-test-watch"
    graphs = graphs_of(run, "AWS/ApplicationELB")
    assert len(graphs) == 4 and all(graph["width"] == 24 and graph["x"] == 0 for graph in graphs)
    assert all(graph["properties"]["metrics"][0][-1] == {"label": "canary"} for graph in graphs), "no colour to guess"
    assert {graph["properties"]["region"] for graph in graphs_of(run, "AWS/ECS") + graphs} == {"eu-west-1"}


@pytest.mark.parametrize(("overrides", "message"), [
    ({"region": "Tokyo"}, "region: 'Tokyo' is not an AWS region"),
    ({"target_group_arn_suffixes": {}}, "target_group_arn_suffixes: 0 target groups; allowed: 1 to 4"),
])
def test_dashboard_args_reject_what_cannot_make_a_dashboard(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = dict(region="eu-west-1", alb_arn_suffix="app/a/1", cluster_name="c", service_name="s",
                                  target_group_arn_suffixes={"blue": "targetgroup/b/1"})
    with pytest.raises(ValueError, match=re.escape(message)):
        RolloutDashboardArgs(**{**values, **overrides})


# ---------------------------------------------------------------------------------------------
# Notifications (on in prod, with an email address; off by default)


def ecs_event(service_arn: str, event_name: str, reason: str, detail_type: str = "ECS Deployment State Change",
              ) -> EventMessageType:
    """A deployment state change as the ECS developer guide shows it ("service deployment state change events")."""
    return {
        "version": "0", "id": "ddca6449-b258-46c0-8653-e0e3aEXAMPLE", "detail-type": detail_type, "source": "aws.ecs",
        "account": "123456789012", "time": "2020-05-23T12:31:14Z", "region": "ap-northeast-1",
        "resources": [service_arn],
        "detail": {"eventType": "ERROR" if event_name.endswith("FAILED") else "INFO", "eventName": event_name,
                   "deploymentId": "ecs-svc/123", "updatedAt": "2020-05-23T11:11:11Z", "reason": reason},
    }


DOCUMENTED_EVENTS = [
    ("SERVICE_DEPLOYMENT_IN_PROGRESS", "ECS deployment ecs-svc/123 in progress."),
    ("SERVICE_DEPLOYMENT_IN_PROGRESS", "ECS deployment circuit breaker: rolling back to deploymentId ecs-svc/122."),
    ("SERVICE_DEPLOYMENT_COMPLETED", "ECS deployment ecs-svc/123 completed."),
    ("SERVICE_DEPLOYMENT_FAILED", "ECS deployment circuit breaker: task failed to start."),
]


def transformed(target: Registered, event: Mapping[str, Any]) -> Any:
    """What EventBridge hands the topic: each <name> replaced by the value at its path, unescaped (as documented
    in "Amazon EventBridge input transformation"), then the template read as JSON."""
    text = target["inputTransformer"]["inputTemplate"]
    for name, path in target["inputTransformer"]["inputPaths"].items():
        value: Any = event
        for key in path.removeprefix("$.").split("."):
            value = value[key]
        text = text.replace(f"<{name}>", value)
    return json.loads(text)


def test_the_rule_matches_every_deployment_state_change_of_this_service_and_nothing_else(prod: ProgramRun) -> None:
    service_arn = prod.one(SERVICE).state["arn"]
    rule = prod.one(EVENT_RULE)
    assert json.loads(rule["eventPattern"]) == {
        "source": ["aws.ecs"],
        "detail-type": ["ECS Deployment State Change"],
        "resources": [service_arn],
        "detail": {"eventName": ["SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_COMPLETED",
                                 "SERVICE_DEPLOYMENT_FAILED"]},
    }
    # moto's implementation of EventBridge's matching, on the documented events.
    pattern = EventPattern.load(rule["eventPattern"])
    for name, reason in DOCUMENTED_EVENTS:
        assert pattern.matches_event(ecs_event(service_arn, name, reason)), f"{name}: {reason}"
        other_service = service_arn.rsplit("/", 1)[0] + "/another-service"
        assert not pattern.matches_event(ecs_event(other_service, name, reason))
    assert not pattern.matches_event(ecs_event(service_arn, "SERVICE_STEADY_STATE", "", detail_type="ECS Service Action"))


def test_the_rule_sends_one_readable_line_to_the_stacks_topic(prod: ProgramRun) -> None:
    topic, rule, target = prod.one(TOPIC), prod.one(EVENT_RULE), prod.one(EVENT_TARGET)
    assert target["rule"] == rule.state["name"]
    assert target["arn"] == topic.state["arn"]
    service = prod.one(SERVICE)
    failed = transformed(target, ecs_event(service.state["arn"], *DOCUMENTED_EVENTS[3]))
    assert failed == (f"ecs-bluegreen/prod: service {service.state['name']}: SERVICE_DEPLOYMENT_FAILED at "
                      "2020-05-23T12:31:14Z (deployment ecs-svc/123): ECS deployment circuit breaker: task failed to start.")
    rollback = transformed(target, ecs_event(service.state["arn"], *DOCUMENTED_EVENTS[1]))
    assert "SERVICE_DEPLOYMENT_IN_PROGRESS" in rollback and "rolling back to deploymentId ecs-svc/122" in rollback
    assert "\n" not in failed and "<" not in failed, "one line, every placeholder filled"
    assert target["inputTransformer"]["inputPaths"] == MESSAGE_FIELDS


def test_only_that_rule_may_publish_to_the_topic(prod: ProgramRun) -> None:
    topic, rule, policy = prod.one(TOPIC), prod.one(EVENT_RULE), prod.one(TOPIC_POLICY)
    assert policy["arn"] == topic.state["arn"]
    assert json.loads(policy["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "OnlyTheDeploymentRulePublishes",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": "sns:Publish",
            "Resource": topic.state["arn"],
            "Condition": {"ArnEquals": {"aws:SourceArn": rule.state["arn"]}},
        }],
    }
    assert policy.urn in prod.one(EVENT_TARGET).dependencies, "the target waits for the permission to publish"


def test_the_configured_address_is_subscribed_and_the_topic_exported(prod: ProgramRun) -> None:
    subscription = prod.one(SUBSCRIPTION)
    topic = prod.one(TOPIC)
    assert (subscription["topic"], subscription["protocol"], subscription["endpoint"]) == \
        (topic.state["arn"], "email", "platform-team@example.com")
    assert prod.outputs["notificationTopicArn"] == topic.state["arn"]
    component = prod.one(DEPLOYMENT_NOTIFICATIONS_COMPONENT)
    assert all(prod.one(type_).parent == component.urn for type_ in NOTIFICATION_TYPES)


def test_notifications_are_off_by_default_and_the_email_is_optional(dev: ProgramRun) -> None:
    assert not [r for r in dev.resources if r.type in NOTIFICATION_TYPES]
    assert "notificationTopicArn" not in dev.outputs
    run = run_program("dev", notifications={"enabled": True})
    assert sorted(r.type for r in run.resources if r.type in NOTIFICATION_TYPES) == \
        sorted([TOPIC, EVENT_RULE, TOPIC_POLICY, EVENT_TARGET])
    assert run.of_type(SUBSCRIPTION) == []
    assert run.outputs["notificationTopicArn"] == run.one(TOPIC).state["arn"]


def test_the_aws_apis_accept_what_the_stack_sends(prod: ProgramRun) -> None:
    """Each resource's inputs as the API call the provider makes: botocore checks the call against the service's
    API model (member names, types, required members, minimum lengths) before the stub answers."""
    region = "ap-northeast-1"
    rule, target, policy = prod.one(EVENT_RULE), prod.one(EVENT_TARGET), prod.one(TOPIC_POLICY)
    dashboard, subscription = prod.one(DASHBOARD), prod.one(SUBSCRIPTION)
    calls: list[tuple[str, str, dict[str, Any]]] = [
        ("cloudwatch", "put_dashboard", {"DashboardName": dashboard["dashboardName"],
                                         "DashboardBody": dashboard["dashboardBody"]}),
        ("events", "put_rule", {"Name": rule.state["name"], "EventPattern": rule["eventPattern"],
                                "Description": rule["description"]}),
        ("events", "put_targets", {"Rule": target["rule"], "Targets": [{
            "Id": "topic", "Arn": target["arn"], "InputTransformer": {
                "InputPathsMap": target["inputTransformer"]["inputPaths"],
                "InputTemplate": target["inputTransformer"]["inputTemplate"]}}]}),
        ("sns", "set_topic_attributes", {"TopicArn": policy["arn"], "AttributeName": "Policy",
                                         "AttributeValue": policy["policy"]}),
        ("sns", "subscribe", {"TopicArn": subscription["topic"], "Protocol": "email",
                              "Endpoint": subscription["endpoint"]}),
    ]
    for service, operation, params in calls:
        client = boto3.client(service, region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
        with Stubber(client) as stubber:
            stubber.add_response(operation, {}, params)
            getattr(client, operation)(**params)
    # botocore does not check patterns: the input path names against the model's.
    events = boto3.client("events", region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    key_pattern = events.meta.service_model.shape_for("InputTransformerPathKey").metadata["pattern"]
    assert all(re.fullmatch(key_pattern, name) for name in target["inputTransformer"]["inputPaths"])


# ---------------------------------------------------------------------------------------------
# Settings


def parse(**values: object) -> Any:
    raw = {"appVersion": "v1", **{key: json.dumps(value) for key, value in values.items()}}
    return parse_settings("dev", "ap-northeast-1", raw)


def test_notification_settings_default_off_and_prod_turns_them_on_with_an_address() -> None:
    assert parse().notifications.enabled is False and parse().notifications.email is None
    assert parse(notifications={"enabled": "true"}).notifications.email is None
    prod = settings_for_stack_file("prod").notifications
    assert prod.enabled is True and prod.email == "platform-team@example.com"


NOTIFICATION_BAD_VALUES = [
    ({"enabled": "yes"}, "notifications.enabled", "'yes' is not allowed; allowed: true or false"),
    ({"email": "oncall@example.com"}, "notifications.email", "allowed only with notifications.enabled: true"),
    ({"enabled": False, "email": "oncall@example.com"}, "notifications.email", "allowed only with notifications"),
    ({"enabled": True, "email": "oncall"}, "notifications.email", "'oncall' is not allowed; allowed: one email"),
    ({"enabled": True, "email": "oncall@localhost"}, "notifications.email", "one email address"),
    ({"enabled": True, "email": "a@example.com, b@example.com"}, "notifications.email", "one email address"),
    ({"enabled": True, "emial": "a@example.com"}, "notifications.emial", "unknown (a typo?)"),
]


@pytest.mark.parametrize(("values", "key", "message"), NOTIFICATION_BAD_VALUES,
                         ids=[json.dumps(values) for values, _, _ in NOTIFICATION_BAD_VALUES])
def test_bad_notification_settings_are_one_line_naming_key_value_and_what_is_allowed(
        values: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(SettingsError) as error:
        parse(notifications=values)
    assert error.value.key == key
    assert str(error.value).startswith(f"config '{key}': ") and "\n" not in str(error.value)
    assert message in str(error.value)


def test_notification_args_reject_an_address_sns_cannot_mail() -> None:
    assert DeploymentNotificationsArgs(service_arn="arn", service_name="s", email="first.last+ops@mail.example.org")
    with pytest.raises(ValueError, match="email: 'ops@@example.com' is not an email address"):
        DeploymentNotificationsArgs(service_arn="arn", service_name="s", email="ops@@example.com")
