"""The whole program on the `dev` stack, under mocks: every resource setting of the seed, the references
between resources, and the options `pulumi up` depends on. "row N" cites the seed's settings summary,
../shared/seed/SETTINGS.md, which lives beside this repository, not in it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecs_bluegreen.ecs_blue_green_service import CONTAINER_NAME, CONTAINER_STOP_TIMEOUT_SECONDS
from ecs_bluegreen.rollout import ROLLOUT_OVERHEAD_MINUTES
from tests.aws_types import (
    ALB, AWS_PROVIDER, CAPACITY_PROVIDERS, CLUSTER, ECR_LIFECYCLE_POLICY, EGRESS, IMAGE, INGRESS, LISTENER,
    LOG_GROUP, REPOSITORY, ROLE_POLICY_ATTACHMENT, RULE, SERVICE, SG, TARGET_GROUP, TARGET_GROUP_ATTACHMENT,
    TASK_DEFINITION, VPC,
)
from tests.pulumi_harness import ProgramRun, Registered, run_program


@pytest.fixture(scope="module")
def dev() -> ProgramRun:
    return run_program("dev")


def rules_of(run: ProgramRun, type_: str, group: Registered) -> list[Registered]:
    return [r for r in run.of_type(type_) if r["securityGroupId"] == group.id]


def container_of(run: ProgramRun) -> dict[str, Any]:
    definitions = json.loads(run.one(TASK_DEFINITION)["containerDefinitions"])
    assert len(definitions) == 1
    return definitions[0]


def test_network_is_the_seeds_vpc_and_public_subnets(dev: ProgramRun) -> None:  # rows 2-6
    vpc = dev.one(VPC)
    assert vpc["cidrBlock"] == "10.0.0.0/16"
    assert vpc["availabilityZoneNames"] == ["ap-northeast-1a", "ap-northeast-1c"]
    # awsx maps a public IPv4 on launch in Public subnets and routes them 0.0.0.0/0 to an internet gateway.
    assert vpc["subnetSpecs"] == [{"type": "Public", "name": "public", "cidrBlocks": ["10.0.1.0/24", "10.0.2.0/24"]}]
    assert vpc["natGateways"] == {"strategy": "None"}


def test_alb_security_group_opens_only_http_from_anywhere(dev: ProgramRun) -> None:  # row 7
    alb_sg = dev.one(SG, "alb-sg")
    service_sg = dev.one(SG, "service-sg")
    [ingress] = rules_of(dev, INGRESS, alb_sg)
    assert (ingress["ipProtocol"], ingress["fromPort"], ingress["toPort"], ingress["cidrIpv4"]) == \
        ("tcp", 80, 80, "0.0.0.0/0")
    [egress] = rules_of(dev, EGRESS, alb_sg)
    assert (egress["ipProtocol"], egress["fromPort"], egress["toPort"]) == ("tcp", 8080, 8080)
    assert egress["referencedSecurityGroupId"] == service_sg.id
    assert "ingress" not in alb_sg.inputs and "egress" not in alb_sg.inputs, "rules are separate resources"


def test_service_security_group_admits_the_container_port_from_the_alb_only(dev: ProgramRun) -> None:  # row 8
    alb_sg = dev.one(SG, "alb-sg")
    service_sg = dev.one(SG, "service-sg")
    [ingress] = rules_of(dev, INGRESS, service_sg)
    assert (ingress["ipProtocol"], ingress["fromPort"], ingress["toPort"]) == ("tcp", 8080, 8080)
    assert ingress["referencedSecurityGroupId"] == alb_sg.id
    assert "cidrIpv4" not in ingress.inputs
    [egress] = rules_of(dev, EGRESS, service_sg)
    assert (egress["ipProtocol"], egress["fromPort"], egress["toPort"], egress["cidrIpv4"]) == \
        ("tcp", 443, 443, "0.0.0.0/0")
    assert service_sg["vpcId"] == alb_sg["vpcId"] == dev.one(VPC).state["vpcId"]


@pytest.mark.parametrize("color", ["blue", "green"])
def test_target_groups_are_ip_http_8080_http1_with_a_fast_health_check(dev: ProgramRun, color: str) -> None:
    group = dev.one(TARGET_GROUP, f"-{color}")  # rows 9-10
    assert group["targetType"] == "ip"
    assert group["protocol"] == "HTTP"
    assert group["port"] == 8080
    assert group["protocolVersion"] == "HTTP1"
    assert group["vpcId"] == dev.one(VPC).state["vpcId"]
    health = group["healthCheck"]
    assert (health["path"], health["matcher"], health["protocol"]) == ("/health", "200", "HTTP")
    # A new task must be healthy within half a minute and an old one drained in 30 s, not 5 minutes.
    assert health["interval"] * health["healthyThreshold"] <= 30
    assert group["deregistrationDelay"] <= 30
    assert dev.of_type(TARGET_GROUP_ATTACHMENT) == [], "ECS registers the targets"


def test_alb_is_internet_facing_ipv4_in_both_public_subnets(dev: ProgramRun) -> None:  # row 11
    alb = dev.one(ALB)
    assert alb["loadBalancerType"] == "application"
    assert alb["internal"] is False
    assert alb["ipAddressType"] == "ipv4"
    assert alb["subnets"] == dev.one(VPC).state["publicSubnetIds"]
    assert alb["securityGroups"] == [dev.one(SG, "alb-sg").id]


def test_http_listener_and_production_rule_forward_to_blue_then_green(dev: ProgramRun) -> None:  # rows 12-13
    [listener] = dev.of_type(LISTENER)
    assert (listener["protocol"], listener["port"]) == ("HTTP", 80)
    assert listener["loadBalancerArn"] == dev.one(ALB).state["arn"]
    [rule] = dev.of_type(RULE)
    assert rule["listenerArn"] == listener.state["arn"]
    assert rule["conditions"] == [{"pathPattern": {"values": ["/*"]}}]
    [action] = rule["actions"]
    assert action["type"] == "forward"
    weights = {dev.by_output("arn", group["arn"]).name: group["weight"]
               for group in action["forward"]["targetGroups"]}
    assert weights == {"app-blue": 100, "app-green": 0}


def test_production_rule_ignores_the_weights_ecs_rewrites(dev: ProgramRun) -> None:
    [rule] = dev.of_type(RULE)
    assert rule.ignore_changes == ["actions"]


def test_ecr_repository_is_mutable_aes256_scanned_and_pruned(dev: ProgramRun) -> None:  # row 14
    repository = dev.one(REPOSITORY)
    assert repository["imageTagMutability"] == "MUTABLE"
    assert repository["encryptionConfigurations"] == [{"encryptionType": "AES256"}]
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}
    assert repository["forceDelete"] is True, "dev deletes its images with the stack"
    policy = dev.one(ECR_LIFECYCLE_POLICY)
    assert policy["repository"] == repository.state["name"]
    [rule] = json.loads(policy["policy"])["rules"]
    assert rule["selection"] == {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": 10}
    assert rule["action"] == {"type": "expire"}


def test_image_is_built_from_app_for_amd64_with_the_app_version_and_pushed_to_ecr(dev: ProgramRun) -> None:
    image = dev.one(IMAGE)  # row 18
    repository = dev.one(REPOSITORY)
    assert image["imageName"] == f"{repository.state['repositoryUrl']}:v1"
    build = image["build"]
    assert build["args"] == {"APP_VERSION": "v1"}
    assert build["platform"] == "linux/amd64"
    assert (build["context"], build["dockerfile"]) == ("app", "app/Dockerfile")
    assert image["registry"]["server"] == repository.state["repositoryUrl"]
    assert image["registry"]["username"] == "AWS"
    assert "registry" in image.secret_inputs, "the ECR password never appears in plain text in the state"


def test_cluster_is_fargate_only(dev: ProgramRun) -> None:  # row 19
    cluster = dev.one(CLUSTER)
    providers = dev.one(CAPACITY_PROVIDERS)
    assert providers["clusterName"] == cluster.state["name"]
    assert providers["capacityProviders"] == ["FARGATE"]


def test_task_definition_is_the_seeds(dev: ProgramRun) -> None:  # rows 20-22
    task = dev.one(TASK_DEFINITION)
    assert task["family"] == "ecs-bluegreen-dev-app", "one family per stack"
    assert task["skipDestroy"] is True, "old revisions stay registered so ECS can roll back to them"
    assert task["requiresCompatibilities"] == ["FARGATE"]
    assert task["networkMode"] == "awsvpc"
    assert task["runtimePlatform"] == {"operatingSystemFamily": "LINUX", "cpuArchitecture": "X86_64"}
    assert (task["cpu"], task["memory"]) == ("256", "512")
    assert "taskRoleArn" not in task.inputs, "the seed's task has no task role"
    execution_role = dev.by_output("arn", task["executionRoleArn"])
    trust = json.loads(execution_role["assumeRolePolicy"])
    assert trust["Statement"][0]["Principal"] == {"Service": "ecs-tasks.amazonaws.com"}
    [attachment] = [a for a in dev.of_type(ROLE_POLICY_ATTACHMENT)
                    if a["role"] == execution_role.state["name"]]
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"


def test_container_is_flask_container_with_the_image_by_digest(dev: ProgramRun) -> None:  # rows 23-24
    container = container_of(dev)
    assert container["name"] == CONTAINER_NAME == "flask-container"
    image = dev.one(IMAGE)
    assert container["image"] == image.state["repoDigest"]
    assert "@sha256:" in container["image"]
    assert container["portMappings"] == [{"name": "flask-8080-tcp", "containerPort": 8080, "hostPort": 8080,
                                          "protocol": "tcp", "appProtocol": "http"}]
    assert {"name": "APP_VERSION", "value": "v1"} in container["environment"]
    assert {"name": "PORT", "value": "8080"} in container["environment"]
    assert container["stopTimeout"] == CONTAINER_STOP_TIMEOUT_SECONDS
    logs = container["logConfiguration"]
    assert logs["logDriver"] == "awslogs"
    assert logs["options"]["awslogs-group"] == dev.one(LOG_GROUP).state["name"]
    assert logs["options"]["awslogs-region"] == "ap-northeast-1"  # row 1


def test_log_group_keeps_logs_for_a_week(dev: ProgramRun) -> None:
    assert dev.one(LOG_GROUP)["retentionInDays"] == 7


def test_service_runs_one_fargate_task_with_ecs_blue_green(dev: ProgramRun) -> None:  # rows 25-26
    service = dev.one(SERVICE)
    assert service["cluster"] == dev.one(CLUSTER).state["arn"]
    assert service["taskDefinition"] == dev.one(TASK_DEFINITION).state["arn"]
    assert service["schedulingStrategy"] == "REPLICA"
    assert service["desiredCount"] == 1
    assert service["capacityProviderStrategies"] == [{"capacityProvider": "FARGATE", "weight": 1}]
    assert "launchType" not in service.inputs
    assert service["deploymentController"] == {"type": "ECS"}
    deployment = service["deploymentConfiguration"]
    assert deployment == {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": "15"}, "all at once, no hooks"


def test_service_settings_that_matter_are_each_set(dev: ProgramRun) -> None:
    service = dev.one(SERVICE)
    # Tags reach the tasks (cost allocation, `ops` finding them), on the newest Fargate platform.
    assert (service["propagateTags"], service["enableEcsManagedTags"]) == ("SERVICE", True)
    assert service["platformVersion"] == "LATEST"
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert (service["waitForSteadyState"], service["healthCheckGracePeriodSeconds"]) == (True, 30)
    # Nothing else is sent: a deleted or added setting fails here rather than going unnoticed.
    assert set(service.inputs) == {
        "cluster", "taskDefinition", "schedulingStrategy", "desiredCount", "capacityProviderStrategies",
        "platformVersion", "deploymentController", "deploymentConfiguration", "deploymentCircuitBreaker",
        "loadBalancers", "networkConfiguration", "healthCheckGracePeriodSeconds", "propagateTags",
        "enableEcsManagedTags", "waitForSteadyState"}


def test_service_network_is_the_public_subnets_with_a_public_ip(dev: ProgramRun) -> None:  # row 27
    network = dev.one(SERVICE)["networkConfiguration"]
    assert network["subnets"] == dev.one(VPC).state["publicSubnetIds"]
    assert network["securityGroups"] == [dev.one(SG, "service-sg").id]
    assert network["assignPublicIp"] is True


def test_service_load_balancer_is_blue_primary_green_alternate_on_the_production_rule(dev: ProgramRun) -> None:
    [lb] = dev.one(SERVICE)["loadBalancers"]  # row 28
    assert dev.by_output("arn", lb["targetGroupArn"]).name == "app-blue"
    assert (lb["containerName"], lb["containerPort"]) == ("flask-container", 8080)
    advanced = lb["advancedConfiguration"]
    assert dev.by_output("arn", advanced["alternateTargetGroupArn"]).name == "app-green"
    assert advanced["productionListenerRule"] == dev.one(RULE, "production-rule").state["arn"]
    assert "testListenerRule" not in advanced, "the seed has no test traffic"
    role = dev.by_output("arn", advanced["roleArn"])
    assert json.loads(role["assumeRolePolicy"])["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "ecs.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    [attachment] = [a for a in dev.of_type(ROLE_POLICY_ATTACHMENT)
                    if a["role"] == role.state["name"]]
    # AWS managed policy reference: this one has no service-role/ path (the execution policy has).
    assert attachment["policyArn"] == "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def test_service_waits_for_the_rollout_with_a_timeout_sized_from_the_bake_time(dev: ProgramRun) -> None:
    service = dev.one(SERVICE)
    assert service["waitForSteadyState"] is True
    expected = f"{ROLLOUT_OVERHEAD_MINUTES + 15}m"
    assert service.custom_timeouts == {"create": expected, "update": expected}
    assert service["healthCheckGracePeriodSeconds"] == 30


def test_without_waiting_there_is_no_timeout_to_size() -> None:
    service = run_program("dev", waitForSteadyState=False).one(SERVICE)
    assert service["waitForSteadyState"] is False
    assert service.custom_timeouts == {}


def test_bake_time_and_timeout_follow_config() -> None:
    service = run_program("dev", bakeTimeMinutes=60).one(SERVICE)
    assert service["deploymentConfiguration"]["bakeTimeInMinutes"] == "60"
    assert service.custom_timeouts["update"] == f"{ROLLOUT_OVERHEAD_MINUTES + 60}m"


def test_service_waits_for_its_roles_policies_and_ignores_nothing_it_deploys(dev: ProgramRun) -> None:
    service = dev.one(SERVICE)
    attachments = {a.urn for a in dev.of_type(ROLE_POLICY_ATTACHMENT)}
    assert attachments <= set(service.dependencies)
    assert dev.one(CAPACITY_PROVIDERS).urn in service.dependencies
    assert "taskDefinition" not in service.ignore_changes
    assert service.ignore_changes == ["loadBalancers"], "ECS owns the target groups' orientation after the first deployment"


def test_every_resource_is_parented_to_a_component(dev: ProgramRun) -> None:
    components = {r.urn: r for r in dev.resources if r.type.startswith("ecs-bluegreen:index:")}
    assert {c.type.rsplit(":", 1)[-1] for c in components.values()} == \
        {"Network", "LoadBalancer", "BlueGreenTargets", "ContainerImage", "EcsBlueGreenService", "RolloutDashboard"}
    for resource in dev.resources:
        if resource.urn not in components and not resource.type.startswith("pulumi:providers:"):
            assert resource.parent in components, f"{resource.name} is not inside a component"


def test_every_aws_resource_is_tagged_with_project_stack_and_owner(dev: ProgramRun) -> None:
    provider = dev.one(AWS_PROVIDER)
    assert provider["region"] == "ap-northeast-1"  # row 1
    assert json.loads(provider["defaultTags"]) == {
        "tags": {"project": "ecs-bluegreen", "stack": "dev", "owner": "unassigned"}}
    reference = f"{provider.urn}::{provider.id}"
    for resource in dev.resources:
        if resource.type.startswith("aws:"):
            assert resource.provider == reference, f"{resource.name} does not use the tagged provider"
    assert dev.one(VPC).providers["aws"] == reference


def test_stack_outputs(dev: ProgramRun) -> None:
    outputs = dev.outputs
    assert outputs["appVersion"] == "v1"
    assert outputs["url"] == f"http://{dev.one(ALB).state['dnsName']}"
    assert outputs["clusterName"] == dev.one(CLUSTER).state["name"]
    assert outputs["serviceName"] == dev.one(SERVICE).state["name"]
    assert outputs["blueTargetGroupName"] == dev.one(TARGET_GROUP, "-blue").state["name"]
    assert outputs["greenTargetGroupName"] == dev.one(TARGET_GROUP, "-green").state["name"]
    assert outputs["productionListenerRuleArn"] == dev.one(RULE, "production-rule").state["arn"]
    assert outputs["repositoryUrl"] == dev.one(REPOSITORY).state["repositoryUrl"]
    assert outputs["imageRef"] == dev.one(IMAGE).state["repoDigest"]
    assert outputs["taskDefinitionArn"] == dev.one(TASK_DEFINITION).state["arn"]
    # `ops watch` waits as long as `pulumi up` does.
    assert outputs["rolloutTimeoutMinutes"] == ROLLOUT_OVERHEAD_MINUTES + 15
    assert dev.one(SERVICE).custom_timeouts["update"] == f"{outputs['rolloutTimeoutMinutes']}m"
