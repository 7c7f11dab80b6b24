"""EcsBlueGreenService: a Fargate service that ECS itself rolls out blue/green between two target groups."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws

from ecs_bluegreen.blue_green_targets import Color
from ecs_bluegreen.container_image import CONTAINER_PORTS
from ecs_bluegreen.iam import trust_policy
from ecs_bluegreen.rollout import Rollout

CONTAINER_NAME = "flask-container"
# ECS sends SIGTERM, waits this long, then SIGKILL; the app's server drains well within it.
CONTAINER_STOP_TIMEOUT_SECONDS = 30
# The one writable path when the root filesystem is read-only (gunicorn's worker heartbeat files).
CONTAINER_SCRATCH_PATH = "/tmp"
# The container health check (prod): the image ships this script; exit 0 iff /health answers 200.
CONTAINER_HEALTH_CHECK_COMMAND = ("python", "/app/healthcheck.py")

# Fargate task sizes: CPU units -> allowed memory (MiB). Source: "Task CPU and memory" in the ECS
# developer guide (Linux, platform version 1.4.0).
FARGATE_MEMORY_BY_CPU: Mapping[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: tuple(range(1024, 4096 + 1, 1024)),
    1024: tuple(range(2048, 8192 + 1, 1024)),
    2048: tuple(range(4096, 16384 + 1, 1024)),
    4096: tuple(range(8192, 30720 + 1, 1024)),
    8192: tuple(range(16384, 61440 + 1, 4096)),
    16384: tuple(range(32768, 122880 + 1, 8192)),
}

LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827,
                      2192, 2557, 2922, 3288, 3653)


@dataclass(frozen=True)
class ServiceSettings:
    """The service and its task as the stack chooses them (settings.py builds this from config)."""

    app_version: str
    """Set as the container's APP_VERSION (the app reports it; ops reads it back from each revision)."""
    cpu: int
    """Fargate CPU units."""
    memory: int
    """MiB; one of the sizes Fargate allows for `cpu` (FARGATE_MEMORY_BY_CPU)."""
    container_port: int
    """The port the app listens on (its PORT) and the load balancer sends to; CONTAINER_PORTS."""
    desired_count: int
    """Tasks of the live revision; a deployment starts as many of the new one."""
    health_check_grace_period_seconds: int
    """How long ECS ignores failing target health checks of a new task."""
    log_retention_days: int
    """Of the container log group; one of LOG_RETENTION_DAYS."""
    wait_for_steady_state: bool
    """`pulumi up` waits through hooks, traffic steps and bake for rollout.timeout_minutes."""
    circuit_breaker: bool
    """The deployment circuit breaker, with rollback: tasks that keep failing to start end the deployment."""
    container_insights: bool
    """CloudWatch Container Insights on the cluster."""
    read_only_root_filesystem: bool
    """When True, CONTAINER_SCRATCH_PATH is the container's one writable path (a task volume)."""
    container_health_check: bool
    """A container health check (CONTAINER_HEALTH_CHECK_COMMAND) besides the target group's."""
    desired_count_managed_by_autoscaling: bool = False
    """True when Application Auto Scaling sets the count: the service then ignores desired_count after
    it is created, so that `pulumi up` does not undo a scale-out."""
    rewire_with_primary: Color | None = None
    """None (the default): the service's load balancers are sent when it is created and ignored after,
    because ECS owns them from the first deployment on. "blue" or "green" (from the environment
    variable stack_contract.REWIRE_VARIABLE, for one `pulumi up`, so it cannot linger in stack
    config): send them on this update, naming that target group primary; it must be the group the
    service names primary now."""

    def __post_init__(self) -> None:
        low, high = CONTAINER_PORTS
        if not low <= self.container_port <= high:
            raise ValueError(f"container_port {self.container_port} is not in {low}-{high} "
                             "(the image runs as non-root)")
        if self.desired_count < 0 or self.health_check_grace_period_seconds < 0:
            raise ValueError("desired_count and health_check_grace_period_seconds cannot be negative")
        if self.memory not in FARGATE_MEMORY_BY_CPU.get(self.cpu, ()):
            raise ValueError(f"cpu {self.cpu} with memory {self.memory} is not a Fargate task size")
        if self.log_retention_days not in LOG_RETENTION_DAYS:
            raise ValueError(f"log_retention_days {self.log_retention_days} is not a CloudWatch Logs retention")


@dataclass(frozen=True)
class EcsBlueGreenServiceArgs:
    settings: ServiceSettings
    region: str
    """For the container's log driver."""
    image_ref: pulumi.Input[str]
    """The image by digest, so every build is a new task definition revision."""
    subnet_ids: pulumi.Input[Sequence[str]]
    assign_public_ip: bool
    """True only in public subnets (the seed): tasks then pull their image over the internet gateway."""
    security_group_id: pulumi.Input[str]
    target_group_arns: Mapping[Color, pulumi.Input[str]]
    """The two target groups ECS moves traffic between; blue is primary when the service is created."""
    production_listener_rule_arn: pulumi.Input[str]
    rollout: Rollout
    test_listener_rule_arn: pulumi.Input[str] | None = None
    rollback_alarm_names: pulumi.Input[Sequence[str]] | None = None

    def __post_init__(self) -> None:
        if set(self.target_group_arns) != {"blue", "green"}:
            raise ValueError(f"target_group_arns needs exactly blue and green, got {sorted(self.target_group_arns)}")


class EcsBlueGreenService(pulumi.ComponentResource):
    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    rollout_timeout_minutes: int

    def __init__(self, name: str, args: EcsBlueGreenServiceArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:EcsBlueGreenService", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        cluster, capacity_providers = self._cluster(args)
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name_prefix=f"/ecs/{name}-", retention_in_days=args.settings.log_retention_days,
            opts=self._child)
        execution_role, execution_policy = self._role(
            "execution", "ecs-tasks.amazonaws.com", "Lets ECS pull the image from ECR and write container logs",
            "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
        infrastructure_role, infrastructure_policy = self._role(
            "infrastructure", "ecs.amazonaws.com",
            "Lets ECS shift listener rule weights and target groups during blue/green deployments",
            "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers")
        task_definition = self._task_definition(args, execution_role, log_group)
        service = self._service(
            args, cluster, task_definition, infrastructure_role,
            # ECS validates the infrastructure role when the service is created, tasks need the
            # execution role's policy to pull the image, and ECS rejects a capacity provider
            # strategy naming a provider the cluster does not have yet.
            depends_on=[infrastructure_policy, execution_policy, capacity_providers])

        self.cluster_name = cluster.name
        self.service_name = service.name
        self.service_arn = service.arn
        self.task_definition_arn = task_definition.arn
        self.log_group_name = log_group.name
        self.rollout_timeout_minutes = args.rollout.timeout_minutes
        self.register_outputs({
            "cluster_name": self.cluster_name,
            "service_name": self.service_name,
            "service_arn": self.service_arn,
            "task_definition_arn": self.task_definition_arn,
            "log_group_name": self.log_group_name,
            "rollout_timeout_minutes": self.rollout_timeout_minutes,
        })

    def _cluster(self, args: EcsBlueGreenServiceArgs) -> tuple[aws.ecs.Cluster, aws.ecs.ClusterCapacityProviders]:
        cluster = aws.ecs.Cluster(
            f"{self._name}-cluster",
            settings=[aws.ecs.ClusterSettingArgs(
                name="containerInsights", value="enabled" if args.settings.container_insights else "disabled")],
            opts=self._child,
        )
        capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{self._name}-fargate-only",
            cluster_name=cluster.name,
            capacity_providers=["FARGATE"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(capacity_provider="FARGATE",
                                                                                     weight=1)],
            opts=self._child,
        )
        return cluster, capacity_providers

    def _role(self, purpose: str, trusted_service: str, description: str,
              managed_policy_arn: str) -> tuple[aws.iam.Role, aws.iam.RolePolicyAttachment]:
        role = aws.iam.Role(f"{self._name}-{purpose}-role", assume_role_policy=trust_policy(trusted_service),
                            description=description, opts=self._child)
        policy = aws.iam.RolePolicyAttachment(f"{self._name}-{purpose}-policy", role=role.name,
                                              policy_arn=managed_policy_arn, opts=self._child)
        return role, policy

    def _task_definition(self, args: EcsBlueGreenServiceArgs, execution_role: aws.iam.Role,
                         log_group: aws.cloudwatch.LogGroup) -> aws.ecs.TaskDefinition:
        return aws.ecs.TaskDefinition(
            f"{self._name}-task",
            # Per stack, so that dev and prod in one account do not share a family's revisions.
            family=f"{pulumi.get_project()}-{pulumi.get_stack()}-{self._name}",
            requires_compatibilities=["FARGATE"],
            network_mode="awsvpc",
            cpu=str(args.settings.cpu),
            memory=str(args.settings.memory),
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture="X86_64"),
            execution_role_arn=execution_role.arn,
            # Keep old revisions ACTIVE: a rollback (alarm, hook, circuit breaker, `ops rollback`)
            # redeploys the previous revision, which Pulumi would otherwise deregister on replace.
            skip_destroy=True,
            volumes=[aws.ecs.TaskDefinitionVolumeArgs(name="scratch")]
            if args.settings.read_only_root_filesystem else [],
            container_definitions=pulumi.Output.all(args.image_ref, log_group.name).apply(
                lambda values: json.dumps([self._container_definition(args, image=values[0], log_group=values[1])])),
            opts=self._child,
        )

    def _service(self, args: EcsBlueGreenServiceArgs, cluster: aws.ecs.Cluster, task_definition: aws.ecs.TaskDefinition,
                 infrastructure_role: aws.iam.Role, depends_on: Sequence[pulumi.Resource]) -> aws.ecs.Service:
        timeout = f"{args.rollout.timeout_minutes}m"
        return aws.ecs.Service(
            f"{self._name}-service",
            cluster=cluster.arn,
            task_definition=task_definition.arn,
            scheduling_strategy="REPLICA",
            desired_count=args.settings.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(capacity_provider="FARGATE", weight=1)],
            platform_version="LATEST",
            deployment_controller=aws.ecs.ServiceDeploymentControllerArgs(type="ECS"),
            deployment_configuration=args.rollout.to_args(),
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(
                enable=args.settings.circuit_breaker, rollback=args.settings.circuit_breaker),
            alarms=aws.ecs.ServiceAlarmsArgs(alarm_names=args.rollback_alarm_names, enable=True, rollback=True)
            if args.rollback_alarm_names is not None else None,
            load_balancers=[self._load_balancer(args, infrastructure_role.arn)],
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids,
                security_groups=[args.security_group_id],
                assign_public_ip=args.assign_public_ip,
            ),
            health_check_grace_period_seconds=args.settings.health_check_grace_period_seconds,
            propagate_tags="SERVICE",
            enable_ecs_managed_tags=True,
            wait_for_steady_state=args.settings.wait_for_steady_state,
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=list(depends_on),
                custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout)
                if args.settings.wait_for_steady_state else None,
                ignore_changes=self._owned_by_others(args.settings),
            ),
        )

    @staticmethod
    def _load_balancer(args: EcsBlueGreenServiceArgs, role_arn: pulumi.Input[str]) -> aws.ecs.ServiceLoadBalancerArgs:
        primary = args.settings.rewire_with_primary or "blue"
        alternate = "green" if primary == "blue" else "blue"
        return aws.ecs.ServiceLoadBalancerArgs(
            target_group_arn=args.target_group_arns[primary],
            container_name=CONTAINER_NAME,
            container_port=args.settings.container_port,
            advanced_configuration=aws.ecs.ServiceLoadBalancerAdvancedConfigurationArgs(
                alternate_target_group_arn=args.target_group_arns[alternate],
                production_listener_rule=args.production_listener_rule_arn,
                test_listener_rule=args.test_listener_rule_arn,
                role_arn=role_arn,
            ),
        )

    @staticmethod
    def _owned_by_others(settings: ServiceSettings) -> list[str]:
        """Inputs that, once the service exists, belong to ECS or Application Auto Scaling."""
        owned = []
        if settings.rewire_with_primary is None:
            # A blue/green deployment may end with ECS calling the other target group primary (the
            # mechanism behind terraform-provider-aws #45678). Sending this program's orientation back
            # would register the next revision's tasks beside the live ones, in the live group: no
            # test, no bake, no instant rollback. Rewiring on purpose: docs/configuration.md,
            # "Changing a live stack (day two)".
            owned.append("loadBalancers")
        if settings.desired_count_managed_by_autoscaling:
            owned.append("desiredCount")
        return owned

    @staticmethod
    def _container_definition(args: EcsBlueGreenServiceArgs, *, image: str, log_group: str) -> dict[str, Any]:
        port = args.settings.container_port
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
                {"name": "APP_VERSION", "value": args.settings.app_version},
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
            "readonlyRootFilesystem": args.settings.read_only_root_filesystem,
        }
        if args.settings.read_only_root_filesystem:
            definition["mountPoints"] = [
                {"sourceVolume": "scratch", "containerPath": CONTAINER_SCRATCH_PATH, "readOnly": False}]
        if args.settings.container_health_check:
            definition["healthCheck"] = {
                "command": ["CMD", *CONTAINER_HEALTH_CHECK_COMMAND],
                "interval": 10,
                "timeout": 5,
                "retries": 3,
                "startPeriod": 10,
            }
        return definition
