"""The rollout dashboard and the deployment notifications, in the whole program under mocks: every graph
and the event rule reference the stack's real target groups, cluster and service (followed through the
mocked outputs), and the body, rule, target and topic policy are what CloudWatch, EventBridge and SNS take."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from components.rollout_dashboard import RolloutDashboardArgs, dashboard_name
from tests.aws_types import SERVICE, TARGET_GROUP
from tests.pulumi_harness import ProgramRun, run_program

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
ALB = "aws:lb/loadBalancer:LoadBalancer"


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
    cluster = dev.one("aws:ecs/cluster:Cluster").state["name"]
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
    alarm = prod.one("aws:cloudwatch/metricAlarm:MetricAlarm", "blue-target-5xx")
    expected = {"horizontal": [{"label": "rollback alarm", "color": "#d62728", "value": alarm["threshold"]}]}
    assert thresholds(prod) == [expected, expected]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"region": "Tokyo"}, "region: 'Tokyo' is not an AWS region"),
    ({"target_group_arn_suffixes": {}}, "target_group_arn_suffixes: 0 target groups; allowed: 1 to 4"),
])
def test_dashboard_args_reject_what_cannot_make_a_dashboard(overrides: dict[str, Any], message: str) -> None:
    values: dict[str, Any] = dict(region="eu-west-1", alb_arn_suffix="app/a/1", cluster_name="c", service_name="s",
                                  target_group_arn_suffixes={"blue": "targetgroup/b/1"})
    with pytest.raises(ValueError, match=re.escape(message)):
        RolloutDashboardArgs(**{**values, **overrides})
