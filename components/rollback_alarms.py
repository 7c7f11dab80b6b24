"""RollbackAlarms: CloudWatch alarms that make ECS roll a deployment back when targets misbehave.

Both target groups are watched: after a rollout either one may be serving the new revision, and
ECS only reads the alarms' states during its own deployments (including bake time).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

PERIOD_SECONDS = 60


@dataclass(frozen=True)
class RollbackAlarmsArgs:
    alb_arn_suffix: pulumi.Input[str]
    target_group_arn_suffixes: dict[str, pulumi.Input[str]]
    """Target group label (blue, green) -> its ARN suffix (the CloudWatch dimension)."""
    target_5xx_threshold: int
    unhealthy_hosts_threshold: int
    evaluation_periods: int


class RollbackAlarms(pulumi.ComponentResource):
    alarm_names: pulumi.Output[list[str]]

    def __init__(self, name: str, args: RollbackAlarmsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:RollbackAlarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        alarms: list[aws.cloudwatch.MetricAlarm] = []
        for label, target_group in args.target_group_arn_suffixes.items():
            dimensions = {"LoadBalancer": args.alb_arn_suffix, "TargetGroup": target_group}
            alarms.append(aws.cloudwatch.MetricAlarm(
                f"{name}-{label}-target-5xx",
                alarm_description=f"The {label} target group's targets answer HTTP 5xx: roll the deployment back",
                namespace="AWS/ApplicationELB",
                metric_name="HTTPCode_Target_5XX_Count",
                dimensions=dimensions,
                statistic="Sum",
                period=PERIOD_SECONDS,
                evaluation_periods=args.evaluation_periods,
                datapoints_to_alarm=1,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=args.target_5xx_threshold,
                # No requests means no errors (an idle or drained target group must not alarm).
                treat_missing_data="notBreaching",
                opts=child,
            ))
            alarms.append(aws.cloudwatch.MetricAlarm(
                f"{name}-{label}-unhealthy-hosts",
                alarm_description=f"The {label} target group has unhealthy targets: roll the deployment back",
                namespace="AWS/ApplicationELB",
                metric_name="UnHealthyHostCount",
                dimensions=dimensions,
                statistic="Maximum",
                period=PERIOD_SECONDS,
                evaluation_periods=args.evaluation_periods,
                datapoints_to_alarm=args.evaluation_periods,
                comparison_operator="GreaterThanOrEqualToThreshold",
                threshold=args.unhealthy_hosts_threshold,
                treat_missing_data="notBreaching",
                opts=child,
            ))

        self.alarm_names = pulumi.Output.all(*[alarm.name for alarm in alarms])
        self.register_outputs({"alarm_names": self.alarm_names})
