"""ECS native blue/green: settings -> components -> exports."""

import pulumi
import pulumi_aws as aws

from ecs_bluegreen import (
    ContainerImage, ContainerImageArgs, DeploymentNotifications, DeploymentNotificationsArgs, EcsBlueGreenService,
    EcsBlueGreenServiceArgs, ExistingNetworkArgs, LifecycleHook, LoadBalancer, LoadBalancerArgs, Network,
    RollbackAlarms, RollbackAlarmsArgs, Rollout, RolloutDashboard, RolloutDashboardArgs, ServiceAutoscaling,
    ServiceAutoscalingArgs, SmokeTestHook, SmokeTestHookArgs, look_up_subnet,
)
from live_stack import WIRING_OUTPUT, check_update, read_own_outputs
from settings import check_existing_network, load_settings

settings = load_settings()
deployment = settings.deployment
# Before any resource: a change a live service cannot take from a plain `pulumi up` stops here.
live_update = check_update(settings, read_own_outputs())

# Every AWS resource below is created through this provider, so every one carries the stack's tags.
aws_provider = aws.Provider("aws", region=settings.region,
                            default_tags=aws.ProviderDefaultTagsArgs(tags=settings.tags))
with_tags = pulumi.ResourceOptions(providers=[aws_provider])
if isinstance(settings.network, ExistingNetworkArgs):
    # Before any other resource: subnets outside the VPC or in one zone stop here, in one line.
    check_existing_network(settings.network, lambda subnet_id: look_up_subnet(subnet_id, aws_provider))

network = Network("app", settings.network, opts=with_tags)

load_balancer = LoadBalancer("app", LoadBalancerArgs(
    vpc_id=network.vpc_id,
    subnet_ids=network.alb_subnet_ids,
    settings=settings.load_balancer,
    leaving_https_domain=live_update.leaving_https_domain,
), opts=with_tags)

if isinstance(settings.image, ContainerImageArgs):
    image = ContainerImage("app", settings.image, opts=with_tags)
    image_ref, repository_url = image.image_ref, image.repository_url
else:  # built elsewhere: no build, no repository
    image_ref, repository_url = pulumi.Output.from_input(settings.image.image_ref), None

test_traffic = load_balancer.test_traffic
smoke_test = SmokeTestHook("smoke-test", SmokeTestHookArgs(
    base_url=load_balancer.url,
    header_name=test_traffic.header_name,
    header_value=test_traffic.header_value,
    expected_version=settings.app_version,
    log_retention_days=settings.service.log_retention_days,
    checks=deployment.smoke_test,
), opts=with_tags) if deployment.smoke_test and test_traffic else None
hooks: list[LifecycleHook] = [smoke_test.lifecycle_hook] if smoke_test else []
if deployment.manual_approval:
    hooks.append(deployment.manual_approval)

rollback_alarms = RollbackAlarms("rollback", RollbackAlarmsArgs(
    alb_arn_suffix=load_balancer.alb_arn_suffix,
    target_group_arn_suffixes={color: group.arn_suffix for color, group in load_balancer.target_groups.items()},
    thresholds=deployment.rollback_alarms,
), opts=with_tags) if deployment.rollback_alarms else None

service = EcsBlueGreenService("app", EcsBlueGreenServiceArgs(
    settings=settings.service,
    region=settings.region,
    image_ref=image_ref,
    subnet_ids=network.task_subnet_ids,
    assign_public_ip=network.tasks_need_public_ip,
    security_group_id=load_balancer.service_security_group_id,
    target_group_arns={color: group.arn for color, group in load_balancer.target_groups.items()},
    production_listener_rule_arn=load_balancer.production_listener_rule_arn,
    test_listener_rule_arn=test_traffic.rule_arn if test_traffic else None,
    rollout=Rollout(deployment.strategy, deployment.bake_time_minutes, hooks),
    rollback_alarm_names=rollback_alarms.alarm_names if rollback_alarms else None,
), opts=with_tags)

if settings.autoscaling is not None:
    ServiceAutoscaling("app", ServiceAutoscalingArgs(
        cluster_name=service.cluster_name,
        service_name=service.service_name,
        targets=settings.autoscaling,
    ), opts=with_tags)

rollout_dashboard = RolloutDashboard("rollout", RolloutDashboardArgs(
    region=settings.region,
    alb_arn_suffix=load_balancer.alb_arn_suffix,
    target_group_arn_suffixes={color: group.arn_suffix for color, group in load_balancer.target_groups.items()},
    cluster_name=service.cluster_name,
    service_name=service.service_name,
    target_5xx_alarm_threshold=deployment.rollback_alarms.target_5xx if deployment.rollback_alarms else None,
), opts=with_tags)

notifications = DeploymentNotifications("deployments", DeploymentNotificationsArgs(
    service_arn=service.service_arn,
    service_name=service.service_name,
    email=settings.notifications.email,
), opts=with_tags) if settings.notifications.enabled else None

pulumi.export(WIRING_OUTPUT, live_update.wiring.as_output())
pulumi.export("appVersion", settings.app_version)
pulumi.export("rolloutTimeoutMinutes", service.rollout_timeout_minutes)
pulumi.export("region", settings.region)
pulumi.export("url", load_balancer.url)
pulumi.export("albDnsName", load_balancer.dns_name)
pulumi.export("clusterName", service.cluster_name)
pulumi.export("serviceName", service.service_name)
for color, group in load_balancer.target_groups.items():
    pulumi.export(f"{color}TargetGroupName", group.name)
    pulumi.export(f"{color}TargetGroupArn", group.arn)
pulumi.export("productionListenerRuleArn", load_balancer.production_listener_rule_arn)
if test_traffic is not None:
    pulumi.export("testListenerRuleArn", test_traffic.rule_arn)
    pulumi.export("testTrafficHeaderName", test_traffic.header_name)
    pulumi.export("testTrafficHeaderValue", test_traffic.header_value)
if repository_url is not None:
    pulumi.export("repositoryUrl", repository_url)
pulumi.export("imageRef", image_ref)
pulumi.export("taskDefinitionArn", service.task_definition_arn)
pulumi.export("logGroupName", service.log_group_name)
pulumi.export("dashboardUrl", rollout_dashboard.url)
if smoke_test is not None:
    pulumi.export("smokeTestFunctionName", smoke_test.function_name)
if notifications is not None:
    pulumi.export("notificationTopicArn", notifications.topic_arn)
