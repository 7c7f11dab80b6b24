"""ECS native blue/green: settings -> components -> exports."""

import pulumi

from components.container_image import ContainerImage, ContainerImageArgs
from components.ecs_blue_green_service import DeploymentStrategy, EcsBlueGreenService, EcsBlueGreenServiceArgs
from components.load_balancer import LoadBalancer, LoadBalancerArgs
from components.network import Network, NetworkArgs
from settings import load_settings

settings = load_settings()

network = Network("app", NetworkArgs(
    vpc_cidr=settings.network.vpc_cidr,
    availability_zones=settings.network.availability_zones,
    public_subnet_cidrs=settings.network.public_subnet_cidrs,
))

load_balancer = LoadBalancer("app", LoadBalancerArgs(
    vpc_id=network.vpc_id,
    subnet_ids=network.public_subnet_ids,
    container_port=settings.service.container_port,
    health_check_path=settings.service.health_check_path,
))

image = ContainerImage("app", ContainerImageArgs(
    app_version=settings.app_version,
    force_delete_repository=settings.image.repository_force_delete,
    images_to_keep=settings.image.images_to_keep,
))

service = EcsBlueGreenService("app", EcsBlueGreenServiceArgs(
    region=settings.region,
    app_version=settings.app_version,
    image_ref=image.image_ref,
    cpu=settings.service.cpu,
    memory=settings.service.memory,
    container_port=settings.service.container_port,
    desired_count=settings.service.desired_count,
    subnet_ids=network.public_subnet_ids,
    security_group_id=load_balancer.service_security_group_id,
    assign_public_ip=True,
    blue_target_group_arn=load_balancer.blue_target_group_arn,
    green_target_group_arn=load_balancer.green_target_group_arn,
    production_listener_rule_arn=load_balancer.production_listener_rule_arn,
    strategy=DeploymentStrategy(kind="BLUE_GREEN", bake_time_minutes=settings.deployment.bake_time_minutes),
    health_check_grace_period_seconds=settings.service.health_check_grace_period_seconds,
    log_retention_days=settings.service.log_retention_days,
    wait_for_steady_state=settings.deployment.wait_for_steady_state,
    rollout_timeout_minutes=settings.deployment.rollout_timeout_minutes,
))

pulumi.export("appVersion", settings.app_version)
pulumi.export("region", settings.region)
pulumi.export("url", load_balancer.url)
pulumi.export("clusterName", service.cluster_name)
pulumi.export("serviceName", service.service_name)
pulumi.export("blueTargetGroupName", load_balancer.blue_target_group_name)
pulumi.export("greenTargetGroupName", load_balancer.green_target_group_name)
pulumi.export("blueTargetGroupArn", load_balancer.blue_target_group_arn)
pulumi.export("greenTargetGroupArn", load_balancer.green_target_group_arn)
pulumi.export("productionListenerRuleArn", load_balancer.production_listener_rule_arn)
pulumi.export("repositoryUrl", image.repository_url)
pulumi.export("imageRef", image.image_ref)
pulumi.export("taskDefinitionArn", service.task_definition_arn)
pulumi.export("logGroupName", service.log_group_name)
