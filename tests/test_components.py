"""Each component on its own, with arguments no stack file uses, so a component is correct for any
caller and not just for the values `__main__.py` happens to pass."""

from __future__ import annotations

import json
from collections.abc import Callable

import pulumi
import pytest
import pulumi_aws as aws

from ecs_bluegreen.container_image import ContainerImage, ContainerImageArgs
from ecs_bluegreen.ecs_blue_green_service import (
    CONTAINER_NAME, EcsBlueGreenService, EcsBlueGreenServiceArgs, ServiceSettings,
)
from ecs_bluegreen.load_balancer import HttpsListener, LoadBalancer, LoadBalancerArgs, LoadBalancerSettings
from ecs_bluegreen.network import Network, NetworkArgs
from ecs_bluegreen.rollback_alarms import AlarmThresholds, RollbackAlarms, RollbackAlarmsArgs
from ecs_bluegreen.rollout import AllAtOnce, Canary, Rollout, manual_approval
from ecs_bluegreen.service_autoscaling import ScalingTargets, ServiceAutoscaling, ServiceAutoscalingArgs
from ecs_bluegreen.smoke_test_hook import SmokeTestChecks, SmokeTestHook, SmokeTestHookArgs
from tests.aws_types import (
    ALARM, AWS_PROVIDER, BLUE_GREEN_TARGETS_COMPONENT, DNS_RECORD, ECR_LIFECYCLE_POLICY, FUNCTION, IMAGE, INGRESS,
    LISTENER, LOAD_BALANCER_COMPONENT, LOG_GROUP, NETWORK_COMPONENT, RANDOM_PASSWORD, REPOSITORY, ROLE, ROLE_POLICY,
    RULE, SCALING_POLICY, SCALING_TARGET, SERVICE, SG, SMOKE_TEST_HOOK_COMPONENT, TARGET_GROUP, TASK_DEFINITION,
    VPC, VPC_ENDPOINT,
)
from tests.pulumi_harness import run_component


def test_network_lays_out_any_two_zones_and_cidrs() -> None:
    run = run_component(lambda: Network("net", NetworkArgs(
        vpc_cidr="172.20.0.0/16", region="eu-west-1", availability_zones=["eu-west-1b", "eu-west-1c"],
        public_subnet_cidrs=["172.20.0.0/20", "172.20.16.0/20"],
        private_subnet_cidrs=["172.20.128.0/20", "172.20.144.0/20"], nat_gateways="Single")), region="eu-west-1")
    vpc = run.one(VPC)
    assert vpc.parent == run.one(NETWORK_COMPONENT).urn
    assert vpc["cidrBlock"] == "172.20.0.0/16"
    assert vpc["availabilityZoneNames"] == ["eu-west-1b", "eu-west-1c"]
    assert [spec["cidrBlocks"] for spec in vpc["subnetSpecs"]] == [
        ["172.20.0.0/20", "172.20.16.0/20"], ["172.20.128.0/20", "172.20.144.0/20"]]
    assert vpc["natGateways"] == {"strategy": "Single"}
    assert vpc["enableDnsHostnames"] is True and vpc["enableDnsSupport"] is True
    assert "vpcEndpointSpecs" not in vpc.inputs
    assert run.of_type(VPC_ENDPOINT) == []


def test_load_balancer_on_a_custom_port_with_test_rule_and_https() -> None:
    run = run_component(lambda: LoadBalancer("lb", lb_args(settings=lb_settings(
        container_port=9000, health_check_path="/ready", deregistration_delay_seconds=5,
        test_traffic_header_name="X-Canary", https=HttpsListener(
            certificate_arn="arn:aws:acm:ap-northeast-1:111122223333:certificate/abc", domain_name="svc.example.org")))))
    component, targets = run.one(LOAD_BALANCER_COMPONENT), run.one(BLUE_GREEN_TARGETS_COMPONENT)
    assert all(r.parent in (component.urn, targets.urn) for r in run.resources if r is not component)
    for group in run.of_type(TARGET_GROUP):
        assert (group["port"], group["healthCheck"]["path"], group["deregistrationDelay"]) == (9000, "/ready", 5)
        assert group["vpcId"] == "vpc-1"
    service_sg = run.one(SG, "service-sg")
    [ingress] = [r for r in run.of_type(INGRESS)
                 if r["securityGroupId"] == service_sg.id]
    assert (ingress["fromPort"], ingress["toPort"]) == (9000, 9000)
    test_rule = run.one(RULE, "test-rule")
    assert test_rule["conditions"][0]["httpHeader"]["httpHeaderName"] == "X-Canary"
    https = [listener for listener in run.of_type(LISTENER) if listener["port"] == 443]
    assert len(https) == 1 and test_rule["listenerArn"] == https[0].state["arn"]
    assert run.of_type(DNS_RECORD) == []


def test_container_image_honours_mutability_retention_and_version() -> None:
    run = run_component(lambda: ContainerImage("img", ContainerImageArgs(
        app_version="2024.06.01-rc.1", force_delete_repository=False, images_to_keep=3, context="services/web",
        tag_mutability="IMMUTABLE")))
    repository = run.one(REPOSITORY)
    assert (repository["imageTagMutability"], repository["forceDelete"]) == ("IMMUTABLE", False)
    policy = json.loads(run.one(ECR_LIFECYCLE_POLICY)["policy"])
    assert policy["rules"][0]["selection"]["countNumber"] == 3
    image = run.one(IMAGE)
    assert image["imageName"].endswith(":2024.06.01-rc.1")
    assert image["build"]["args"] == {"APP_VERSION": "2024.06.01-rc.1"}
    assert (image["build"]["context"], image["build"]["dockerfile"]) == ("services/web", "services/web/Dockerfile")


@pytest.mark.parametrize("context, dockerfile", [("", None), ("/abs/app", None), ("app", "/abs/Dockerfile")])
def test_container_image_builds_only_from_paths_relative_to_the_project(context: str, dockerfile: str | None) -> None:
    with pytest.raises(ValueError, match="relative to the project"):
        ContainerImageArgs(app_version="v1", force_delete_repository=True, images_to_keep=1, context=context,
                           dockerfile=dockerfile)


def service_settings(**overrides: object) -> ServiceSettings:
    values: dict = dict(
        app_version="v9", cpu=1024, memory=2048, container_port=9000, desired_count=3,
        health_check_grace_period_seconds=60, log_retention_days=30, wait_for_steady_state=True,
        circuit_breaker=True, container_insights=False, read_only_root_filesystem=False,
        container_health_check=False)
    return ServiceSettings(**{**values, **overrides})


def service_args(**overrides: object) -> EcsBlueGreenServiceArgs:
    values: dict = dict(
        settings=service_settings(), region="us-east-2", image_ref="repo@sha256:abc",
        subnet_ids=["subnet-a", "subnet-b"], assign_public_ip=False, security_group_id="sg-1",
        target_group_arns={"blue": "arn:blue", "green": "arn:green"},
        production_listener_rule_arn="arn:prod-rule", rollout=Rollout(AllAtOnce(), 0))
    return EcsBlueGreenServiceArgs(**{**values, **overrides})


def test_service_passes_its_arguments_through() -> None:
    run = run_component(lambda: EcsBlueGreenService("svc", service_args(
        settings=service_settings(desired_count_managed_by_autoscaling=True),
        test_listener_rule_arn="arn:test-rule", rollback_alarm_names=["a1", "a2"],
        rollout=Rollout(Canary(percent=2.5, bake_minutes=7), bake_time_minutes=5,
                        hooks=[manual_approval(timeout_minutes=30, timeout_action="CONTINUE")]))), region="us-east-2")
    service = run.one(SERVICE)
    assert (service["desiredCount"], service["healthCheckGracePeriodSeconds"]) == (3, 60)
    assert service["networkConfiguration"] == {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"],
                                               "assignPublicIp": False}
    [lb] = service["loadBalancers"]
    assert (lb["targetGroupArn"], lb["containerName"], lb["containerPort"]) == ("arn:blue", CONTAINER_NAME, 9000)
    advanced = lb["advancedConfiguration"]
    assert (advanced["alternateTargetGroupArn"], advanced["productionListenerRule"],
            advanced["testListenerRule"]) == ("arn:green", "arn:prod-rule", "arn:test-rule")
    assert service["deploymentConfiguration"] == {
        "strategy": "CANARY", "bakeTimeInMinutes": "5",
        "canaryConfiguration": {"canaryPercent": 2.5, "canaryBakeTimeInMinutes": "7"},
        "lifecycleHooks": [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
                            "timeoutConfiguration": {"timeoutInMinutes": "30", "action": "CONTINUE"}}]}
    assert service["alarms"] == {"alarmNames": ["a1", "a2"], "enable": True, "rollback": True}
    # 30 min overhead + the 30 min pause + 7 min canary + 5 min bake
    assert service.custom_timeouts == {"create": "72m", "update": "72m"}
    assert service.ignore_changes == ["loadBalancers", "desiredCount"]
    task = run.one(TASK_DEFINITION)
    assert (task["cpu"], task["memory"]) == ("1024", "2048")
    [container] = json.loads(task["containerDefinitions"])
    assert container["image"] == "repo@sha256:abc"
    assert container["logConfiguration"]["options"]["awslogs-region"] == "us-east-2"
    assert {"name": "PORT", "value": "9000"} in container["environment"]
    assert container["readonlyRootFilesystem"] is False and "healthCheck" not in container
    assert run.one(LOG_GROUP)["retentionInDays"] == 30


def test_smoke_test_hook_on_its_own() -> None:
    run = run_component(lambda: SmokeTestHook("hook", SmokeTestHookArgs(
        base_url="https://svc.example.org", header_name="X-Canary", header_value="s3cret", expected_version="v9",
        log_retention_days=14,
        checks=SmokeTestChecks(health_path="/ready", version_path="/about", max_attempts=3, callback_delay_seconds=20))))
    function = run.one(FUNCTION)
    assert function["environment"]["variables"]["TEST_HEADER_NAME"] == "X-Canary"
    assert run.one(LOG_GROUP)["retentionInDays"] == 14
    assert {r.type for r in run.resources} == {
        SMOKE_TEST_HOOK_COMPONENT, LOG_GROUP, ROLE,
        ROLE_POLICY, FUNCTION}


def test_rollback_alarms_for_any_labels_and_thresholds() -> None:
    run = run_component(lambda: RollbackAlarms("alarms", RollbackAlarmsArgs(
        alb_arn_suffix="app/alb/1", target_group_arn_suffixes={"one": "targetgroup/one/1"},
        thresholds=AlarmThresholds(target_5xx=50, unhealthy_hosts=3, evaluation_periods=5))))
    alarms = run.of_type(ALARM)
    assert {(a["metricName"], a["threshold"], a["evaluationPeriods"]) for a in alarms} == {
        ("HTTPCode_Target_5XX_Count", 50, 5), ("UnHealthyHostCount", 3, 5)}
    assert all(a["dimensions"] == {"LoadBalancer": "app/alb/1", "TargetGroup": "targetgroup/one/1"} for a in alarms)


def test_autoscaling_without_memory_tracks_cpu_only() -> None:
    run = run_component(lambda: ServiceAutoscaling("scale", ServiceAutoscalingArgs(
        cluster_name="c", service_name="s", targets=ScalingTargets(min_capacity=1, max_capacity=4,
                                                                  cpu_target_percent=50))))
    assert run.one(SCALING_TARGET)["resourceId"] == "service/c/s"
    [policy] = run.of_type(SCALING_POLICY)
    configuration = policy["targetTrackingScalingPolicyConfiguration"]
    assert configuration["predefinedMetricSpecification"]["predefinedMetricType"] == "ECSServiceAverageCPUUtilization"
    assert configuration["targetValue"] == 50


def test_components_accept_a_provider_for_their_children() -> None:
    def build() -> None:
        provider = aws.Provider("tagged", region="ap-northeast-1")
        RollbackAlarms("alarms", RollbackAlarmsArgs(
            alb_arn_suffix="a", target_group_arn_suffixes={"x": "t"}, thresholds=AlarmThresholds(1, 1, 1)),
            opts=pulumi.ResourceOptions(providers=[provider]))

    run = run_component(build)
    provider = run.one(AWS_PROVIDER)
    assert all(a.provider.startswith(provider.urn) for a in run.of_type(ALARM))


def test_target_groups_and_rules_keep_the_urns_they_had_as_direct_children_of_the_load_balancer() -> None:
    # Before BlueGreenTargets existed they were the LoadBalancer's own children: without the alias a live
    # stack would replace its target groups and rules, which ECS is serving from, and the service with them.
    run = run_component(lambda: LoadBalancer("lb", lb_args(settings=lb_settings(test_traffic_header_name="X-Canary"))))
    component, targets = run.one(LOAD_BALANCER_COMPONENT), run.one(BLUE_GREEN_TARGETS_COMPONENT)
    moved = list(run.children_of(targets))
    assert {r.type for r in moved} == {TARGET_GROUP, RULE, RANDOM_PASSWORD} and len(moved) == 5
    for resource in moved:
        assert {"spec": {"parentUrn": component.urn}} in resource.aliases, resource.name


def lb_settings(**overrides: object) -> LoadBalancerSettings:
    values: dict = dict(container_port=8080, health_check_path="/health", test_traffic_header_name=None, https=None,
                        deletion_protection=False, drop_invalid_header_fields=False)
    return LoadBalancerSettings(**{**values, **overrides})


def lb_args(**overrides: object) -> LoadBalancerArgs:
    values: dict = dict(vpc_id="vpc-1", subnet_ids=["subnet-a", "subnet-b"], settings=lb_settings())
    return LoadBalancerArgs(**{**values, **overrides})


@pytest.mark.parametrize("build, complaint", [
    (lambda: lb_settings(container_port=80), "container_port 80 is not in 1024-65535"),
    (lambda: lb_settings(health_check_path="health"), "health_check_path 'health'"),
    (lambda: lb_settings(deregistration_delay_seconds=3601), "deregistration_delay_seconds 3601"),
    (lambda: lb_settings(test_traffic_header_name="X Test"), "test_traffic_header_name 'X Test'"),
    (lambda: lb_settings(test_traffic_header_name="host"), "test_traffic_header_name 'host'"),
    (lambda: service_args(target_group_arns={"blue": "arn:blue"}), "needs exactly blue and green"),
    (lambda: service_settings(container_port=443), "container_port 443 is not in 1024-65535"),
    (lambda: service_settings(cpu=256, memory=4096), "cpu 256 with memory 4096 is not a Fargate task size"),
    (lambda: service_settings(log_retention_days=10), "log_retention_days 10"),
])
def test_component_args_refuse_what_the_component_cannot_build(build: Callable[[], object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        build()


def test_load_balancer_exposes_both_target_groups_as_one_mapping() -> None:
    groups: dict = {}
    run = run_component(lambda: groups.update(LoadBalancer("lb", lb_args()).target_groups))
    assert set(groups) == {"blue", "green"}
    for color in ("blue", "green"):
        group = run.one(TARGET_GROUP, f"-{color}")
        assert group["tags"] == {"Color": color}
