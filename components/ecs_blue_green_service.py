"""EcsBlueGreenService: a Fargate service that ECS itself rolls out blue/green between two target groups."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from components.iam import trust_policy

CONTAINER_NAME = "flask-container"
# ECS sends SIGTERM, waits this long, then SIGKILL; the app's server drains well within it.
CONTAINER_STOP_TIMEOUT_SECONDS = 30
# The one writable path when the root filesystem is read-only (gunicorn's worker heartbeat files).
CONTAINER_SCRATCH_PATH = "/tmp"
# The container health check (prod): the image ships this script; exit 0 iff /health answers 200.
CONTAINER_HEALTH_CHECK_COMMAND = ("python", "/app/healthcheck.py")



@dataclass(frozen=True)
class DeploymentStrategy:
    kind: str
    """BLUE_GREEN (all traffic at once), LINEAR or CANARY."""
    bake_time_minutes: int
    linear_step_percent: float | None = None
    linear_step_bake_minutes: int | None = None
    canary_percent: float | None = None
    canary_bake_minutes: int | None = None


@dataclass(frozen=True)
class ManualApproval:
    """A PAUSE hook after test traffic reaches the new revision: an operator continues or rolls back."""

    timeout_minutes: int
    timeout_action: str
    """What ECS does when nobody answers in time: ROLLBACK or CONTINUE."""


@dataclass(frozen=True)
class EcsBlueGreenServiceArgs:
    region: str
    app_version: str
    image_ref: pulumi.Input[str]
    cpu: int
    memory: int
    container_port: int
    desired_count: int
    subnet_ids: pulumi.Input[Sequence[str]]
    security_group_id: pulumi.Input[str]
    assign_public_ip: bool
    blue_target_group_arn: pulumi.Input[str]
    green_target_group_arn: pulumi.Input[str]
    production_listener_rule_arn: pulumi.Input[str]
    strategy: DeploymentStrategy
    health_check_grace_period_seconds: int
    log_retention_days: int
    wait_for_steady_state: bool
    rollout_timeout_minutes: int
    """How long `pulumi up` waits for a rollout (hooks, traffic shifts, bake) when waiting is on."""
    test_listener_rule_arn: pulumi.Input[str] | None = None
    lifecycle_hooks: Sequence[aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs] = field(default_factory=list)
    manual_approval: ManualApproval | None = None
    rollback_alarm_names: pulumi.Input[Sequence[str]] | None = None
    circuit_breaker: bool = True
    container_insights: bool = False
    read_only_root_filesystem: bool = False
    container_health_check: bool = False
    desired_count_managed_by_autoscaling: bool = False


class EcsBlueGreenService(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]

    def __init__(self, name: str, args: EcsBlueGreenServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:EcsBlueGreenService", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(
                name="containerInsights", value="enabled" if args.container_insights else "disabled")],
            opts=child,
        )
        capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-fargate-only",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(capacity_provider="FARGATE",
                                                                                     weight=1)],
            opts=child,
        )
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name_prefix=f"/ecs/{name}-", retention_in_days=args.log_retention_days, opts=child)

        execution_role = aws.iam.Role(
            f"{name}-execution-role", assume_role_policy=trust_policy("ecs-tasks.amazonaws.com"),
            description="Lets ECS pull the image from ECR and write container logs", opts=child)
        execution_policy = aws.iam.RolePolicyAttachment(
            f"{name}-execution-policy", role=execution_role.name,
            policy_arn="arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy", opts=child)
        infrastructure_role = aws.iam.Role(
            f"{name}-infrastructure-role", assume_role_policy=trust_policy("ecs.amazonaws.com"),
            description="Lets ECS shift listener rule weights and target groups during blue/green deployments",
            opts=child)
        infrastructure_policy = aws.iam.RolePolicyAttachment(
            f"{name}-infrastructure-policy", role=infrastructure_role.name,
            policy_arn="arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers",
            opts=child)

        task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            # Per stack, so that dev and prod in one account do not share a family's revisions.
            family=f"{pulumi.get_project()}-{pulumi.get_stack()}-{name}",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.cpu),
            memory=str(args.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"),
            execution_role_arn=execution_role.arn,
            # Keep old revisions ACTIVE: a rollback (alarm, hook, circuit breaker, `ops rollback`)
            # redeploys the previous revision, which Pulumi would otherwise deregister on replace.
            skip_destroy=True,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="scratch")] if args.read_only_root_filesystem else [],
            container_definitions=pulumi.Output.all(args.image_ref, log_group.name).apply(
                lambda values: json.dumps([self._container_definition(args, image=values[0], log_group=values[1])])),
            opts=child,
        )

        strategy = args.strategy
        lifecycle_hooks = list(args.lifecycle_hooks)
        if args.manual_approval is not None:
            lifecycle_hooks.append(aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                target_type="PAUSE",
                lifecycle_stages=["POST_TEST_TRAFFIC_SHIFT"],
                timeout_configuration=aws.ecs.ServiceDeploymentConfigurationLifecycleHookTimeoutConfigurationArgs(
                    timeout_in_minutes=str(args.manual_approval.timeout_minutes),
                    action=args.manual_approval.timeout_action,
                ),
            ))
        service = aws.ecs.Service(
            f"{name}-service",
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            scheduling_strategy="REPLICA",
            desired_count=args.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)],
            platform_version="LATEST",
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type="ECS"),
            deployment_configuration=aws.ecs.ServiceDeploymentConfigurationArgs(
                strategy=strategy.kind,
                bake_time_in_minutes=str(strategy.bake_time_minutes),
                linear_configuration=aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                    step_percent=strategy.linear_step_percent,
                    step_bake_time_in_minutes=str(strategy.linear_step_bake_minutes),
                ) if strategy.kind == "LINEAR" else None,
                canary_configuration=aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                    canary_percent=strategy.canary_percent,
                    canary_bake_time_in_minutes=str(strategy.canary_bake_minutes),
                ) if strategy.kind == "CANARY" else None,
                lifecycle_hooks=lifecycle_hooks or None,
            ),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=args.circuit_breaker, rollback=args.circuit_breaker),
            alarms=aws.ecs.ServiceAlarmsArgs(alarm_names=args.rollback_alarm_names, enable=True, rollback=True)
            if args.rollback_alarm_names is not None else None,
            load_balancers=[aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=args.blue_target_group_arn,
                container_name=CONTAINER_NAME,
                container_port=args.container_port,
                advanced_configuration=aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                    alternate_target_group_arn=args.green_target_group_arn,
                    production_listener_rule=args.production_listener_rule_arn,
                    test_listener_rule=args.test_listener_rule_arn,
                    role_arn=infrastructure_role.arn,
                ),
            )],
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids,
                security_groups=[args.security_group_id],
                assign_public_ip=args.assign_public_ip,
            ),
            health_check_grace_period_seconds=args.health_check_grace_period_seconds,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            wait_for_steady_state=args.wait_for_steady_state,
            opts=pulumi.ResourceOptions(
                parent=self,
                # ECS validates the infrastructure role when the service is created, tasks need the
                # execution role's policy to pull the image, and ECS rejects a capacity provider
                # strategy naming a provider the cluster does not have yet.
                depends_on=[infrastructure_policy, execution_policy, capacity_providers],
                custom_timeouts=pulumi.CustomTimeouts(
                    create=f"{args.rollout_timeout_minutes}m", update=f"{args.rollout_timeout_minutes}m",
                ) if args.wait_for_steady_state else None,
                # Application Auto Scaling owns the task count once it is on.
                ignore_changes=["desired_count"] if args.desired_count_managed_by_autoscaling else None,
            ),
        )

        self.cluster_name = cluster.name
        self.service_name = service.name
        self.service_arn = service.arn
        self.task_definition_arn = task_definition.arn
        self.log_group_name = log_group.name
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "service_name": self.service_name,
            "task_definition_arn": self.task_definition_arn,
        })

    @staticmethod
    def _container_definition(args: EcsBlueGreenServiceArgs, *, image: str, log_group: str) -> dict[str, Any]:
        port = args.container_port
        definition: dict[str, Any] = {
            "name": CONTAINER_NAME,
            "image": image,
            "essential": True,
            "portMappings": [{
                "name": f"flask-{port}-tcp",
                "containerPort": port,
                "hostPort": port,
                "protocol": "tcp",
                "appProtocol": "http",
            }],
            "environment": [
                {"name": "APP_VERSION", "value": args.app_version},
                {"name": "PORT", "value": str(port)},
            ],
            "logConfiguration": {
                "logDriver": "awslogs",
                "options": {
                    "awslogs-group": log_group,
                    "awslogs-region": args.region,
                    "awslogs-stream-prefix": "app",
                },
            },
            "stopTimeout": CONTAINER_STOP_TIMEOUT_SECONDS,
            "readonlyRootFilesystem": args.read_only_root_filesystem,
        }
        if args.read_only_root_filesystem:
            definition["mountPoints"] = [
                {"sourceVolume": "scratch", "containerPath": CONTAINER_SCRATCH_PATH, "readOnly": False}]
        if args.container_health_check:
            definition["healthCheck"] = {
                "command": ["CMD", *CONTAINER_HEALTH_CHECK_COMMAND],
                "interval": 10,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 10,
            }
        return definition
