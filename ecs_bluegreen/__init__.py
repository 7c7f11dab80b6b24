"""ECS native blue/green deployments as Pulumi components.

Compose `EcsBlueGreenService` with the target groups and listener rules ECS shifts traffic between:
either `LoadBalancer` (a new ALB with its listeners and `BlueGreenTargets` on them) or `BlueGreenTargets`
alone on a listener of an ALB you already have. `Network` makes a VPC, or takes yours
(`ExistingNetworkArgs`); `ContainerImage` builds and pushes the image (or deploy a `PrebuiltImage`'s
digest), and the rollout is a value: a strategy (`AllAtOnce`, `Linear`, `Canary`),
lifecycle hooks (`SmokeTestHook.lifecycle_hook`, `manual_approval`, or your own `LifecycleHook`) and a
bake time. The optional safety nets and views take the service's outputs: `RollbackAlarms`,
`ServiceAutoscaling`, `RolloutDashboard`, `DeploymentNotifications`.

Every `*Args` and settings type is a frozen dataclass that validates itself when built, and no component
reads `pulumi.Config`: the program decides where values come from.
"""

from ecs_bluegreen.blue_green_targets import (
    BlueGreenTargets, BlueGreenTargetsArgs, Color, TargetGroupRefs, TestTraffic,
)
from ecs_bluegreen.container_image import ContainerImage, ContainerImageArgs, PrebuiltImage
from ecs_bluegreen.deployment_notifications import DeploymentNotifications, DeploymentNotificationsArgs
from ecs_bluegreen.ecs_blue_green_service import EcsBlueGreenService, EcsBlueGreenServiceArgs, ServiceSettings
from ecs_bluegreen.load_balancer import HttpsListener, LoadBalancer, LoadBalancerArgs, LoadBalancerSettings
from ecs_bluegreen.network import ExistingNetworkArgs, Network, NetworkArgs, look_up_subnet
from ecs_bluegreen.rollback_alarms import AlarmThresholds, RollbackAlarms, RollbackAlarmsArgs
from ecs_bluegreen.rollout import (
    AllAtOnce, Canary, LambdaTarget, LifecycleHook, Linear, PauseTarget, Rollout, Strategy, manual_approval,
)
from ecs_bluegreen.rollout_dashboard import RolloutDashboard, RolloutDashboardArgs
from ecs_bluegreen.service_autoscaling import ScalingTargets, ServiceAutoscaling, ServiceAutoscalingArgs
from ecs_bluegreen.smoke_test_hook import SmokeTestChecks, SmokeTestHook, SmokeTestHookArgs

__version__ = "0.1.0"

__all__ = [
    # the service and what routes traffic to it
    "EcsBlueGreenService", "EcsBlueGreenServiceArgs", "ServiceSettings",
    "BlueGreenTargets", "BlueGreenTargetsArgs", "Color", "TargetGroupRefs", "TestTraffic",
    "LoadBalancer", "LoadBalancerArgs", "LoadBalancerSettings", "HttpsListener",
    "Network", "NetworkArgs", "ExistingNetworkArgs", "look_up_subnet",
    "ContainerImage", "ContainerImageArgs", "PrebuiltImage",
    # the rollout
    "Rollout", "Strategy", "AllAtOnce", "Linear", "Canary",
    "LifecycleHook", "LambdaTarget", "PauseTarget", "manual_approval",
    "SmokeTestHook", "SmokeTestHookArgs", "SmokeTestChecks",
    # safety nets and views
    "RollbackAlarms", "RollbackAlarmsArgs", "AlarmThresholds",
    "ServiceAutoscaling", "ServiceAutoscalingArgs", "ScalingTargets",
    "RolloutDashboard", "RolloutDashboardArgs",
    "DeploymentNotifications", "DeploymentNotificationsArgs",
]
