"""examples/existing-alb: a program of its own that composes the library on a VPC, subnets and an ALB
listener it is given. Run under mocks like the stack program, and its requests checked against AWS's models."""

from __future__ import annotations

import functools
from typing import Any

import pytest

from settings import PROJECT_DIR
from tests.aws_contract import program_violations
from tests.aws_types import ALB, EC2_VPC, LISTENER, RULE, SERVICE, SG, SUBNET, TARGET_GROUP, VPC
from tests.pulumi_harness import ProgramFailed, ProgramRun, run_program_at

EXAMPLE_DIR = PROJECT_DIR / "examples" / "existing-alb"
LISTENER_ARN = ("arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener/app/shared/50dc6c495c0c9188/"
                "f2f7dc8efc522ab2")
GIVEN: dict[str, Any] = {
    "aws:region": "eu-west-1",
    "vpcId": "vpc-0a1b2c3d4e5f60718",
    "subnetIds": ["subnet-0aaaaaaaaaaaaaaaa", "subnet-0bbbbbbbbbbbbbbbb"],
    "listenerArn": LISTENER_ARN,
    "albSecurityGroupId": "sg-0cccccccccccccccc",
    "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/web@sha256:" + "ab" * 32,
    "appVersion": "v7",
    "testTrafficHeader": "X-Bluegreen-Test",
    "productionRulePriority": 300,
    "testRulePriority": 200,
}


@functools.cache
def _example() -> ProgramRun:
    return run_program_at(EXAMPLE_DIR, "example", **GIVEN)


def test_the_example_creates_no_network_and_no_load_balancer() -> None:
    run = _example()
    for created_elsewhere in (VPC, EC2_VPC, SUBNET, ALB, LISTENER):
        assert run.of_type(created_elsewhere) == [], created_elsewhere


def test_the_example_puts_its_rules_on_the_given_listener_and_its_tasks_in_the_given_network() -> None:
    run = _example()
    rules = run.of_type(RULE)
    assert sorted(rule["priority"] for rule in rules) == [200, 300]
    assert all(rule["listenerArn"] == LISTENER_ARN and rule.ignore_changes == ["actions"] for rule in rules)
    assert {group["vpcId"] for group in run.of_type(TARGET_GROUP)} == {GIVEN["vpcId"]}
    assert {sg["vpcId"] for sg in run.of_type(SG)} == {GIVEN["vpcId"]}
    service = run.one(SERVICE)
    assert service["networkConfiguration"]["subnets"] == GIVEN["subnetIds"]
    assert service["networkConfiguration"]["assignPublicIp"] is False
    [balancer] = service["loadBalancers"]
    groups = {group.state["arn"] for group in run.of_type(TARGET_GROUP)}
    assert {balancer["targetGroupArn"], balancer["advancedConfiguration"]["alternateTargetGroupArn"]} == groups


def test_the_example_sends_only_requests_the_aws_models_accept() -> None:
    violations = program_violations(_example())
    assert violations == [], "the example would send requests AWS rejects:\n" + "\n".join(violations)


def test_the_example_refuses_an_image_without_a_digest() -> None:
    with pytest.raises(ProgramFailed, match="not pinned by digest"):
        run_program_at(EXAMPLE_DIR, "example", **{**GIVEN, "image": "web:latest"})
