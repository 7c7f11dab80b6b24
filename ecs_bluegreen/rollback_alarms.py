"""RollbackAlarms: CloudWatch alarms that make ECS roll a deployment back when targets misbehave.

Both target groups are watched: after a rollout either one may be serving the new revision, and
ECS only reads the alarms' states during its own deployments (including bake time).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60
# How many one-minute periods an alarm may look at (the config key's range too).
EVALUATION_PERIODS = (1, 10)


@dataclass(frozen=True)
class AlarmThresholds:
    """When a target group's alarms fire (the settings build this; the component takes it as is)."""

    target_5xx: int
    """Target 5xx answers in one minute; one such minute alarms."""
    unhealthy_hosts: int
    """Unhealthy targets, for `evaluation_periods` minutes in a row."""
    evaluation_periods: int

    def __post_init__(self) -> None:
        low, high = EVALUATION_PERIODS
        if self.target_5xx < 1 or self.unhealthy_hosts < 1 or not low <= self.evaluation_periods <= high:
            raise ValueError(f"{self} needs thresholds of at least 1 and {low}-{high} evaluation periods")


@dataclass(frozen=True)
class RollbackAlarmsArgs:
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffixes: dict[str, pulumi.Input[str]]
    """Target group label (blue, green) -> its ARN suffix (the CloudWatch dimension)."""
    thresholds: AlarmThresholds


class RollbackAlarms(pulumi.ComponentResource):
    alarm_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: RollbackAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:RollbackAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # (name suffix, what it means, metric, statistic, threshold, breaching datapoints needed)
        watched = [
            ("target-5xx", "targets answer HTTP 5xx", "HTTPCode_Target_5XX_Count", "Sum",
             args.thresholds.target_5xx, 1),
            ("unhealthy-hosts", "has unhealthy targets", "UnHealthyHostCount", "Maximum",
             args.thresholds.unhealthy_hosts, args.thresholds.evaluation_periods),
        ]
        alarms: list[aws.cloudwatch.MetricAlarm] = []
        for label, target_group in args.target_group_arn_suffixes.items():
            for suffix, meaning, metric, statistic, threshold, datapoints in watched:
                alarms.append(aws.cloudwatch.MetricAlarm(
                    f"{name}-{label}-{suffix}",
                    alarm_description=f"The {label} target group {meaning}: roll the deployment back",
                    namespace="AWS/ApplicationELB",
                    metric_name=metric,
                    dimensions={"LoadBalancer": args.alb_arn_suffix, "TargetGroup": target_group},
                    statistic=statistic,
                    period=PERIOD_SECONDS,
                    evaluation_periods=args.thresholds.evaluation_periods,
                    datapoints_to_alarm=datapoints,
                    comparison_operator="GreaterThanOrEqualToThreshold",
                    threshold=threshold,
                    # No requests, or no targets, means nothing wrong: an idle or drained group must not alarm.
                    treat_missing_data="notBreaching",
                    opts=child,
                ))

        self.alarm_names = pulumi.Output.all(*[alarm.name for alarm in alarms])
        self.register_outputs({"alarm_names": self.alarm_names})
