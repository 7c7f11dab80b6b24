"""The whole program on the `prod` stack (Pulumi.prod.yaml), under mocks: private tasks, HTTPS,
capacity over two AZs with autoscaling, hardening, and tags."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ecs_bluegreen.ecs_blue_green_service import CONTAINER_SCRATCH_PATH
from ecs_bluegreen.load_balancer import TLS_POLICY
from settings import APP_DIR
from tests.aws_types import (
    ALB, AWS_PROVIDER, CLUSTER, DNS_RECORD, INGRESS, LISTENER, REPOSITORY, RULE, SCALING_POLICY,
    SCALING_TARGET, SERVICE, SG, TASK_DEFINITION, VPC, VPC_ENDPOINT,
)
from tests.pulumi_harness import ProgramRun, run_program

CERTIFICATE = "arn:aws:acm:ap-northeast-1:111122223333:certificate/00000000-0000-0000-0000-000000000000"


@pytest.fixture(scope="module")
def prod() -> ProgramRun:
    return run_program("prod")


def container_of(run: ProgramRun) -> dict[str, Any]:
    [container] = json.loads(run.one(TASK_DEFINITION)["containerDefinitions"])
    return container


def test_tasks_run_in_the_private_subnets_without_public_ips(prod: ProgramRun) -> None:
    vpc = prod.one(VPC)
    assert vpc["subnetSpecs"] == [
        {"type": "Public", "name": "public", "cidrBlocks": ["10.0.1.0/24", "10.0.2.0/24"]},
        {"type": "Private", "name": "private", "cidrBlocks": ["10.0.11.0/24", "10.0.12.0/24"]},
    ]
    assert vpc["natGateways"] == {"strategy": "OnePerAz"}
    network = prod.one(SERVICE)["networkConfiguration"]
    assert network["subnets"] == vpc.state["privateSubnetIds"]
    assert network["assignPublicIp"] is False
    assert prod.one(ALB)["subnets"] == vpc.state["publicSubnetIds"]


def test_https_listener_carries_the_rules_and_http_redirects_to_it(prod: ProgramRun) -> None:
    listeners = {listener["port"]: listener for listener in prod.of_type(LISTENER)}
    assert set(listeners) == {80, 443}
    https = listeners[443]
    assert (https["protocol"], https["certificateArn"], https["sslPolicy"]) == ("HTTPS", CERTIFICATE, TLS_POLICY)
    assert TLS_POLICY.startswith("ELBSecurityPolicy-TLS13")
    # To the certificate's domain: clients that came by the ALB's DNS name must not be sent to
    # https://<alb dns name>, which the certificate does not cover.
    to_the_domain = {"type": "redirect", "redirect": {
        "protocol": "HTTPS", "port": "443", "host": "app.example.com", "statusCode": "HTTP_301"}}
    assert listeners[80]["defaultActions"] == [to_the_domain]
    forward_rules = [rule for rule in prod.of_type(RULE) if rule["actions"][0]["type"] == "forward"]
    assert len(forward_rules) == 2
    for rule in forward_rules:
        assert rule["listenerArn"] == https.state["arn"], f"{rule.name} must be on the HTTPS listener"
    # Plain HTTP is redirected by a rule ahead of everything, created once the production rule exists
    # (docs/configuration.md, "Changing a live stack": turning HTTPS on takes HTTP clients off the old rules at once).
    redirect = prod.one(RULE, "http-redirect")
    assert redirect["listenerArn"] == listeners[80].state["arn"]
    assert redirect["priority"] < min(rule["priority"] for rule in forward_rules)
    assert redirect["actions"] == [to_the_domain]
    # Nobody is redirected before the rules, port 443 and the domain's record are there.
    for before in (prod.one(RULE, "production-rule"), prod.one(INGRESS, "alb-in-443"), prod.one(DNS_RECORD)):
        assert before.urn in redirect.dependencies, before.name
    alb_sg = prod.one(SG, "alb-sg")
    open_ports = sorted(r["fromPort"] for r in prod.of_type(INGRESS)
                        if r["securityGroupId"] == alb_sg.id)
    assert open_ports == [80, 443]


def test_the_domain_points_at_the_alb_before_the_smoke_test_uses_it(prod: ProgramRun) -> None:
    assert prod.outputs["url"] == "https://app.example.com"
    record = prod.one(DNS_RECORD)
    alb = prod.one(ALB)
    assert (record["zoneId"], record["name"], record["type"]) == ("Z0000000000EXAMPLE", "app.example.com", "A")
    assert record["aliases"] == [{"name": alb.state["dnsName"], "zoneId": alb.state["zoneId"],
                                  "evaluateTargetHealth": True}]
    service = prod.one(SERVICE)
    [hook] = service["deploymentConfiguration"]["lifecycleHooks"]
    assert json.loads(hook["hookDetails"])["baseUrl"] == "https://app.example.com"
    assert record.urn in service.dependencies, "the first deployment's smoke test needs the name to resolve"


def test_https_without_a_smoke_test_leaves_dns_to_the_user() -> None:
    run = run_program("prod", smokeTest={"enabled": False},
                      https={"certificateArn": CERTIFICATE, "domainName": "app.example.com"})
    assert run.of_type(DNS_RECORD) == []
    assert run.outputs["url"] == "https://app.example.com"


def test_two_tasks_with_cpu_and_memory_target_tracking(prod: ProgramRun) -> None:
    service = prod.one(SERVICE)
    assert service["desiredCount"] == 2
    assert service.ignore_changes == ["loadBalancers", "desiredCount"], "autoscaling owns the count; the task definition is not ignored"
    target = prod.one(SCALING_TARGET)
    cluster = prod.one(CLUSTER)
    assert target["resourceId"] == f"service/{cluster.state['name']}/{service.state['name']}"
    assert (target["serviceNamespace"], target["scalableDimension"]) == ("ecs", "ecs:service:DesiredCount")
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 6)
    policies = {
        p["targetTrackingScalingPolicyConfiguration"]["predefinedMetricSpecification"]["predefinedMetricType"]:
        p["targetTrackingScalingPolicyConfiguration"]["targetValue"]
        for p in prod.of_type(SCALING_POLICY)
        if p["resourceId"] == target["resourceId"] and p["policyType"] == "TargetTrackingScaling"}
    assert policies == {"ECSServiceAverageCPUUtilization": 60, "ECSServiceAverageMemoryUtilization": 75}


def test_alb_is_protected_and_drops_invalid_headers(prod: ProgramRun) -> None:
    alb = prod.one(ALB)
    assert alb["enableDeletionProtection"] is True
    assert alb["dropInvalidHeaderFields"] is True


def test_container_has_a_read_only_root_with_a_scratch_volume_and_a_health_check(prod: ProgramRun) -> None:
    container = container_of(prod)
    assert container["readonlyRootFilesystem"] is True
    assert container["mountPoints"] == [{"sourceVolume": "scratch", "containerPath": CONTAINER_SCRATCH_PATH,
                                         "readOnly": False}]
    assert prod.one(TASK_DEFINITION)["volumes"] == [{"name": "scratch"}]
    assert container["healthCheck"]["command"] == ["CMD", "python", "/app/healthcheck.py"]
    assert (APP_DIR / "healthcheck.py").is_file(), "the image ships the script the health check runs"
    assert container["healthCheck"]["startPeriod"] <= 30


def test_registry_tags_are_immutable_and_images_survive_a_destroy(prod: ProgramRun) -> None:
    repository = prod.one(REPOSITORY)
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["forceDelete"] is False


def test_every_safety_net_is_on(prod: ProgramRun) -> None:
    service = prod.one(SERVICE)
    assert service["alarms"]["rollback"] is True and len(service["alarms"]["alarmNames"]) == 4
    assert service["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["loadBalancers"][0]["advancedConfiguration"]["testListenerRule"] == \
        prod.one(RULE, "test-rule").state["arn"]
    assert prod.one(CLUSTER)["settings"] == [{"name": "containerInsights", "value": "enabled"}]


def test_every_aws_resource_is_tagged_with_the_prod_owner(prod: ProgramRun) -> None:
    provider = prod.one(AWS_PROVIDER)
    assert json.loads(provider["defaultTags"])["tags"] == {
        "project": "ecs-bluegreen", "stack": "prod", "owner": "platform-team"}
    reference = f"{provider.urn}::{provider.id}"
    assert all(r.provider == reference for r in prod.resources if r.type.startswith("aws:"))


def test_vpc_endpoints_replace_nat_for_private_tasks() -> None:
    run = run_program("prod", natGateways="None", vpcEndpoints=True)
    vpc = run.one(VPC)
    assert vpc["natGateways"] == {"strategy": "None"}
    assert vpc["vpcEndpointStrategy"] == "Auto"
    assert vpc["vpcEndpointSpecs"] == [{"serviceName": "com.amazonaws.ap-northeast-1.s3",
                                        "vpcEndpointType": "Gateway"}]
    endpoints = {e["serviceName"]: e for e in run.of_type(VPC_ENDPOINT)}
    assert set(endpoints) == {f"com.amazonaws.ap-northeast-1.{s}" for s in ("ecr.api", "ecr.dkr", "logs")}
    endpoint_sg = run.one(SG, "endpoints-sg")
    for endpoint in endpoints.values():
        assert endpoint["vpcEndpointType"] == "Interface" and endpoint["privateDnsEnabled"] is True
        assert endpoint["subnetIds"] == vpc.state["privateSubnetIds"]
        assert endpoint["securityGroupIds"] == [endpoint_sg.id]
    [https_in] = [r for r in run.of_type(INGRESS)
                  if r["securityGroupId"] == endpoint_sg.id]
    assert (https_in["fromPort"], https_in["toPort"], https_in["cidrIpv4"]) == (443, 443, "10.0.0.0/16")


def test_prod_v2_rollout_changes_only_what_a_rollout_must() -> None:
    from tests.test_rollout_invariant import changed_inputs

    v1, v2 = run_program("prod", appVersion="v1"), run_program("prod", appVersion="v2")
    changes = {urn.rsplit("::", 1)[-1]: keys for urn, keys in changed_inputs(v1, v2).items()}
    assert changes == {
        "app-image": {"imageName", "build"},
        "app-task": {"containerDefinitions"},
        "app-service": {"taskDefinition", "deploymentConfiguration"},
    }
