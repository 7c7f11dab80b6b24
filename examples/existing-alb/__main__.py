"""An ECS blue/green service on a network and an ALB that already exist: nothing here creates a VPC, a
subnet, a load balancer or a listener. It adds, on the listener it is given, the two target groups and
their rules (BlueGreenTargets), a security group for the tasks, and the service (EcsBlueGreenService).

Config (pulumi config set ...): vpcId, subnetIds (a JSON list, two AZs), listenerArn, albSecurityGroupId,
image (a pre-built image by digest, repo@sha256:...), appVersion; optional containerPort (8080),
assignPublicIp (false: private subnets with a route to ECR), testTrafficHeader, productionRulePriority (100)
and testRulePriority (10), free priorities on the listener.
"""

import pulumi
import pulumi_aws as aws

from ecs_bluegreen import (
    AllAtOnce, BlueGreenTargets, BlueGreenTargetsArgs, EcsBlueGreenService, EcsBlueGreenServiceArgs, Rollout,
    ServiceSettings,
)

config = pulumi.Config()
region = pulumi.Config("aws").require("region")
vpc_id = config.require("vpcId")
container_port = config.get_int("containerPort") or 8080
image = config.require("image")
if "@sha256:" not in image:
    raise ValueError(f"image {image!r} is not pinned by digest (repo@sha256:...): a tag could change under ECS")

targets = BlueGreenTargets("app", BlueGreenTargetsArgs(
    vpc_id=vpc_id,
    listener_arn=config.require("listenerArn"),
    container_port=container_port,
    test_traffic_header_name=config.get("testTrafficHeader"),
    production_rule_priority=config.get_int("productionRulePriority") or 100,
    test_rule_priority=config.get_int("testRulePriority") or 10,
))

tasks_sg = aws.ec2.SecurityGroup("app-tasks", vpc_id=vpc_id, description="ECS tasks: container port from the ALB only")
aws.vpc.SecurityGroupIngressRule(
    "app-tasks-in-alb", security_group_id=tasks_sg.id, description="Container port from the ALB",
    ip_protocol="tcp", from_port=container_port, to_port=container_port,
    referenced_security_group_id=config.require("albSecurityGroupId"))
aws.vpc.SecurityGroupEgressRule(
    "app-tasks-out-https", security_group_id=tasks_sg.id, description="HTTPS to AWS APIs (ECR, CloudWatch Logs)",
    ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0")

service = EcsBlueGreenService("app", EcsBlueGreenServiceArgs(
    settings=ServiceSettings(
        app_version=config.require("appVersion"), cpu=256, memory=512, container_port=container_port,
        desired_count=2, health_check_grace_period_seconds=30, log_retention_days=14, wait_for_steady_state=True,
        circuit_breaker=True, container_insights=False, read_only_root_filesystem=False,
        container_health_check=False),
    region=region,
    image_ref=image,
    subnet_ids=config.require_object("subnetIds"),
    assign_public_ip=config.get_bool("assignPublicIp") or False,
    security_group_id=tasks_sg.id,
    target_group_arns={color: group.arn for color, group in targets.target_groups.items()},
    production_listener_rule_arn=targets.production_listener_rule_arn,
    test_listener_rule_arn=targets.test_traffic.rule_arn if targets.test_traffic else None,
    rollout=Rollout(AllAtOnce(), bake_time_minutes=5),
))

pulumi.export("clusterName", service.cluster_name)
pulumi.export("serviceName", service.service_name)
pulumi.export("taskDefinitionArn", service.task_definition_arn)
pulumi.export("productionListenerRuleArn", targets.production_listener_rule_arn)
