"""ServiceAutoscaling: target tracking on the service's average CPU (and memory) utilisation.

How it interacts with blue/green: the ECSServiceAverage* metrics are per service, so they stay
meaningful whichever target group is live. ALBRequestCountPerTarget would not: its resource label
names one target group, and after a deployment swaps the live group it would track the idle one.
Application Auto Scaling suspends scale-in while an ECS deployment runs (scale-out continues), and
ECS starts the new revision at the service's current desired count.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

SCALE_OUT_COOLDOWN_SECONDS = 60
SCALE_IN_COOLDOWN_SECONDS = 300
# The utilisation targets allowed (the config keys' range too).
TARGET_PERCENT = (10, 95)


@dataclass(frozen=True)
class ScalingTargets:
    """The task count's range and what it tracks (the settings build this; the component takes it as is)."""

    min_capacity: int
    max_capacity: int
    cpu_target_percent: int
    memory_target_percent: int | None = None
    """None: scale on CPU only."""

    def __post_init__(self) -> None:
        if not 1 <= self.min_capacity <= self.max_capacity:
            raise ValueError(f"min_capacity {self.min_capacity} and max_capacity {self.max_capacity} are not a range")
        low, high = TARGET_PERCENT
        for percent in (self.cpu_target_percent, self.memory_target_percent):
            if percent is not None and not low <= percent <= high:
                raise ValueError(f"target percent {percent} is not in {low}-{high}")


@dataclass(frozen=True)
class ServiceAutoscalingArgs:
    cluster_name: pulumi.Input[str]
    service_name: pulumi.Input[str]
    targets: ScalingTargets


class ServiceAutoscaling(pulumi.ComponentResource):
    def __init__(self, name: str, args: ServiceAutoscalingArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:ServiceAutoscaling", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        target = aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=pulumi.Output.concat("service/", args.cluster_name, "/", args.service_name),
            min_capacity=args.targets.min_capacity,
            max_capacity=args.targets.max_capacity,
            opts=child,
        )
        targets = {"cpu": ("ECSServiceAverageCPUUtilization", args.targets.cpu_target_percent)}
        if args.targets.memory_target_percent is not None:
            targets["memory"] = ("ECSServiceAverageMemoryUtilization", args.targets.memory_target_percent)
        for label, (metric, percent) in targets.items():
            aws.appautoscaling.Policy(
                f"{name}-{label}",
                policy_type="TargetTrackingScaling",
                service_namespace=target.service_namespace,
                scalable_dimension=target.scalable_dimension,
                resource_id=target.resource_id,
                target_tracking_scaling_policy_configuration=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationArgs(
                    predefined_metric_specification=aws.appautoscaling.PolicyTargetTrackingScalingPolicyConfigurationPredefinedMetricSpecificationArgs(
                        predefined_metric_type=metric),
                    target_value=percent,
                    scale_out_cooldown=SCALE_OUT_COOLDOWN_SECONDS,
                    scale_in_cooldown=SCALE_IN_COOLDOWN_SECONDS,
                ),
                opts=child,
            )
        self.register_outputs({"resource_id": target.resource_id})
