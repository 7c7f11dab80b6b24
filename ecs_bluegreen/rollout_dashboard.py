"""RolloutDashboard: one CloudWatch dashboard that shows a blue/green rollout as it happens.

A row per load balancer metric with the target groups side by side (ECS moves production traffic
from one to the other, and either may be live), then the service's CPU and memory, which cover the
tasks of both revisions while a rollout runs. Body syntax: "Dashboard Body Structure and Syntax" in
the CloudWatch API reference.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60
GRID_WIDTH = 24
HEADER_HEIGHT = 2
GRAPH_HEIGHT = 6
_REGION_PATTERN = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")

# (metric, statistic, graph title): AWS/ApplicationELB metrics with the LoadBalancer and TargetGroup dimensions.
TARGET_GROUP_METRICS = (
    ("RequestCount", "Sum", "Requests per minute"),
    ("HTTPCode_Target_5XX_Count", "Sum", "Target 5xx per minute"),
    ("HealthyHostCount", "Minimum", "Healthy targets"),
    ("TargetResponseTime", "p99", "Response time p99 (s)"),
)
SERVICE_METRICS = (("CPUUtilization", "CPU (% of reserved)"), ("MemoryUtilization", "Memory (% of reserved)"))
LINE_COLORS = {"blue": "#1f77b4", "green": "#2ca02c"}
ALARM_COLOR = "#d62728"


def dashboard_name(*parts: str) -> str:
    """A name PutDashboard accepts (letters, digits, '-' and '_'; at most 255) from e.g. project, stack and
    component name: a stack name may also hold '.'."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", "-".join(parts))[:255]


@dataclass(frozen=True)
class RolloutDashboardArgs:
    region: str
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffixes: Mapping[str, pulumi.Input[str]]
    """Target group label (blue, green) -> its ARN suffix (the CloudWatch dimension), one column each."""
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    target_5xx_alarm_threshold: int | None = None
    """When the rollback alarms are on: drawn as a line on the 5xx graphs."""

    def __post_init__(self) -> None:
        if not _REGION_PATTERN.match(self.region):
            raise ValueError(f"region: {self.region!r} is not an AWS region name such as ap-northeast-1")
        if not 1 <= len(self.target_group_arn_suffixes) <= 4:
            raise ValueError(f"target_group_arn_suffixes: {len(self.target_group_arn_suffixes)} target groups; "
                             "allowed: 1 to 4 (one column each)")


class RolloutDashboard(pulumi.ComponentResource):
    dashboard_name: pulumi.Output[str]
    url: pulumi.Output[str]

    def __init__(self, name: str, args: RolloutDashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:RolloutDashboard", name, None, opts)
        # Dashboards are global in an account: the project and stack keep dev's and prod's apart.
        full_name = dashboard_name(pulumi.get_project(), pulumi.get_stack(), name)
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=full_name,
            dashboard_body=pulumi.Output.json_dumps({
                "start": "-PT3H",
                "periodOverride": "inherit",
                "widgets": [_header(pulumi.get_stack()), *_target_group_widgets(args), *_service_widgets(args)],
            }),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.dashboard_name = dashboard.dashboard_name
        self.url = dashboard.dashboard_name.apply(
            lambda dashboard: f"https://{args.region}.console.aws.amazon.com/cloudwatch/home?region={args.region}"
                              f"#dashboards/dashboard/{dashboard}")
        self.register_outputs({"dashboard_name": self.dashboard_name, "url": self.url})


def _header(stack: str) -> dict[str, Any]:
    return {"type": "text", "x": 0, "y": 0, "width": GRID_WIDTH, "height": HEADER_HEIGHT, "properties": {
        "markdown": f"## Rollouts of stack {stack}\nThe target groups side by side: ECS moves production traffic "
                    "from the live one to the other, so either may be live (`python -m ops status` says which). "
                    "CPU and memory cover the tasks of both revisions during a rollout.",
    }}


def _graph(region: str, title: str, stat: str, metrics: list[list[Any]], position: tuple[int, int, int],
           **extra: Any) -> dict[str, Any]:
    x, y, width = position
    return {"type": "metric", "x": x, "y": y, "width": width, "height": GRAPH_HEIGHT, "properties": {
        "title": title,
        "region": region,
        "view": "timeSeries",
        "stacked": False,
        "stat": stat,
        "period": PERIOD_SECONDS,
        "metrics": metrics,
        **extra,
    }}


def _target_group_widgets(args: RolloutDashboardArgs) -> list[dict[str, Any]]:
    width = GRID_WIDTH // len(args.target_group_arn_suffixes)
    widgets = []
    for row, (metric, stat, title) in enumerate(TARGET_GROUP_METRICS):
        for column, (label, suffix) in enumerate(args.target_group_arn_suffixes.items()):
            line = {"label": label, **({"color": LINE_COLORS[label]} if label in LINE_COLORS else {})}
            extra: dict[str, Any] = {"yAxis": {"left": {"min": 0}}}
            if metric == "HTTPCode_Target_5XX_Count" and args.target_5xx_alarm_threshold is not None:
                extra["annotations"] = {"horizontal": [{"label": "rollback alarm", "color": ALARM_COLOR,
                                                        "value": args.target_5xx_alarm_threshold}]}
            widgets.append(_graph(
                args.region, f"{title}: {label}", stat,
                [["AWS/ApplicationELB", metric, "LoadBalancer", args.alb_arn_suffix, "TargetGroup", suffix, line]],
                (column * width, HEADER_HEIGHT + row * GRAPH_HEIGHT, width), **extra))
    return widgets


def _service_widgets(args: RolloutDashboardArgs) -> list[dict[str, Any]]:
    y = HEADER_HEIGHT + len(TARGET_GROUP_METRICS) * GRAPH_HEIGHT
    width = GRID_WIDTH // len(SERVICE_METRICS)
    dimensions = ["ClusterName", args.cluster_name, "ServiceName", args.service_name]
    return [
        _graph(args.region, title, "Average",
               [["AWS/ECS", metric, *dimensions, {"stat": stat, "label": stat.lower()}]
                for stat in ("Average", "Maximum")],
               (column * width, y, width), yAxis={"left": {"min": 0}})
        for column, (metric, title) in enumerate(SERVICE_METRICS)
    ]
