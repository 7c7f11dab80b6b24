"""The program on a network and an image the stack does not make: an existing VPC's subnets, checked
through the provider's lookups before anything is registered; an image built from your own context and
Dockerfile, or pre-built and deployed by digest with no build and no repository."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from settings import PROJECT_DIR, SettingsError
from tests.aws_types import (
    ALB, AWS_PROVIDER, ECR_LIFECYCLE_POLICY, IMAGE, REPOSITORY, ROLE_POLICY_ATTACHMENT, SERVICE, SG, TARGET_GROUP,
    TASK_DEFINITION, VPC, VPC_ENDPOINT,
)
from tests.pulumi_harness import EXISTING_SUBNETS, EXISTING_VPC_ID, OTHER_VPC_ID, ProgramFailed, ProgramRun, run_program

ALB_SUBNETS = ["subnet-0a00000000000000a", "subnet-0c00000000000000c"]
TASK_SUBNETS = ["subnet-1a00000000000000a", "subnet-1c00000000000000c"]
EXISTING = {"vpcId": EXISTING_VPC_ID, "albSubnetIds": ALB_SUBNETS, "taskSubnetIds": TASK_SUBNETS}
# Pulumi.prod.yaml with its created network's keys swapped for an existing network.
PROD_ON_EXISTING: dict[str, Any] = {"taskSubnets": None, "privateSubnetCidrs": None, "natGateways": None,
                                    "vpcEndpoints": None, "existingNetwork": EXISTING}
PREBUILT = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/team/app@sha256:" + "ab" * 32


@pytest.fixture(scope="module")
def on_existing() -> ProgramRun:
    return run_program("dev", existingNetwork=EXISTING)


def test_an_existing_network_creates_no_vpc_and_puts_everything_in_its_subnets(on_existing: ProgramRun) -> None:
    assert on_existing.of_type(VPC) == [] and on_existing.of_type(VPC_ENDPOINT) == []
    assert on_existing.one(ALB)["subnets"] == ALB_SUBNETS
    for group in on_existing.of_type(TARGET_GROUP):
        assert group["vpcId"] == EXISTING_VPC_ID, group.name
    for security_group in on_existing.of_type(SG):
        assert security_group["vpcId"] == EXISTING_VPC_ID, security_group.name
    network = on_existing.one(SERVICE)["networkConfiguration"]
    assert network["subnets"] == TASK_SUBNETS
    assert network["assignPublicIp"] is False, "no public IP unless the task subnets are said to be public"


def test_public_task_subnets_give_each_task_a_public_ip() -> None:
    run = run_program("dev", existingNetwork={**EXISTING, "taskSubnetIds": ALB_SUBNETS, "taskSubnetsPublic": True})
    network = run.one(SERVICE)["networkConfiguration"]
    assert (network["subnets"], network["assignPublicIp"]) == (ALB_SUBNETS, True)


def test_every_subnet_is_looked_up_with_the_stacks_own_provider(on_existing: ProgramRun) -> None:
    provider = on_existing.one(AWS_PROVIDER)
    assert on_existing.subnets_looked_up == [(subnet, f"{provider.urn}::{provider.id}")
                                             for subnet in ALB_SUBNETS + TASK_SUBNETS]


@pytest.mark.parametrize("stack_overrides", [{}, {"existingNetwork": {**EXISTING, "taskSubnetIds": ALB_SUBNETS}}],
                         ids=["private-task-subnets", "the-alb-subnets-unflagged"])
def test_prod_on_an_existing_network_keeps_its_tasks_without_public_ips(stack_overrides: dict[str, Any]) -> None:
    # The decision: a task gets a public IP only if existingNetwork.taskSubnetsPublic says so; prod does not.
    run = run_program("prod", **{**PROD_ON_EXISTING, **stack_overrides})
    assert run.of_type(VPC) == []
    assert run.one(SERVICE)["networkConfiguration"]["assignPublicIp"] is False


LOOKUP_REFUSALS = [
    ({"albSubnetIds": ["subnet-0a00000000000000a", "subnet-1a00000000000000a"]}, "existingNetwork.albSubnetIds",
     "['subnet-0a00000000000000a', 'subnet-1a00000000000000a'] is not allowed; allowed: subnets in at least two "
     "availability zones (these are all in ap-northeast-1a)"),
    ({"taskSubnetIds": ["subnet-1a00000000000000a", "subnet-0a00000000000000a"]}, "existingNetwork.taskSubnetIds",
     "at least two availability zones"),
    ({"albSubnetIds": ["subnet-0a00000000000000a", "subnet-9c00000000000000c"]}, "existingNetwork.albSubnetIds",
     f"'subnet-9c00000000000000c' is not allowed; allowed: subnets of existingNetwork.vpcId {EXISTING_VPC_ID} "
     f"(this one is in {OTHER_VPC_ID})"),
    ({"vpcId": OTHER_VPC_ID}, "existingNetwork.albSubnetIds", f"subnets of existingNetwork.vpcId {OTHER_VPC_ID}"),
    ({"taskSubnetIds": ["subnet-1a00000000000000a", "subnet-0123456789abcdef0"]}, "existingNetwork.taskSubnetIds",
     "'subnet-0123456789abcdef0' is not allowed; allowed: subnets the stack's AWS provider can look up (invoke of "
     "aws:ec2/getSubnet:getSubnet failed: no matching EC2 Subnet found (id))"),
]


@pytest.mark.parametrize(("changes", "key", "message"), LOOKUP_REFUSALS,
                         ids=["alb-one-zone", "tasks-one-zone", "alb-other-vpc", "all-other-vpc", "unknown-subnet"])
def test_subnets_aws_places_elsewhere_stop_the_program_in_one_line_before_any_resource_but_the_provider(
        changes: dict[str, Any], key: str, message: str) -> None:
    with pytest.raises(ProgramFailed) as failure:
        run_program("dev", existingNetwork={**EXISTING, **changes})
    error = failure.value.cause
    assert isinstance(error, SettingsError) and error.key == key
    assert str(error).startswith(f"config '{key}': ") and message in str(error)
    assert "\n" not in str(error)
    assert [resource.type for resource in failure.value.resources] == [AWS_PROVIDER]


def test_the_lookups_answer_from_the_table_a_test_passes() -> None:
    moved = {**EXISTING_SUBNETS, "subnet-0c00000000000000c": (EXISTING_VPC_ID, "ap-northeast-1a")}
    with pytest.raises(ProgramFailed, match="albSubnetIds.*at least two availability zones"):
        run_program("dev", existingNetwork=EXISTING, subnets=moved)


# ---------------------------------------------------------------------------------------------
# Your own image


def container_of(run: ProgramRun) -> dict[str, Any]:
    [container] = json.loads(run.one(TASK_DEFINITION)["containerDefinitions"])
    return container


@pytest.fixture(scope="module")
def prebuilt() -> ProgramRun:
    return run_program("dev", appVersion="v7", smokeTest={"enabled": True}, image={"prebuilt": PREBUILT})


def test_a_prebuilt_image_is_deployed_by_its_digest_with_no_build_and_no_repository(prebuilt: ProgramRun) -> None:
    assert prebuilt.of_type(IMAGE) == [] and prebuilt.of_type(REPOSITORY) == []
    assert prebuilt.of_type(ECR_LIFECYCLE_POLICY) == []
    assert container_of(prebuilt)["image"] == PREBUILT
    assert prebuilt.outputs["imageRef"] == PREBUILT
    assert "repositoryUrl" not in prebuilt.outputs


def test_app_version_is_still_the_version_the_rollout_deploys_with_a_prebuilt_image(prebuilt: ProgramRun) -> None:
    assert {"name": "APP_VERSION", "value": "v7"} in container_of(prebuilt)["environment"]
    [hook] = prebuilt.one(SERVICE)["deploymentConfiguration"]["lifecycleHooks"]
    assert json.loads(hook["hookDetails"])["expectedVersion"] == "v7"


def test_the_execution_role_can_still_pull_a_prebuilt_ecr_image(prebuilt: ProgramRun) -> None:
    execution_role = prebuilt.by_output("arn", prebuilt.one(TASK_DEFINITION)["executionRoleArn"])
    policies = [a["policyArn"] for a in prebuilt.of_type(ROLE_POLICY_ATTACHMENT)
                if a["role"] == execution_role.state["name"]]
    # It allows ecr:GetAuthorizationToken, ecr:BatchGetImage and ecr:GetDownloadUrlForLayer on any repository.
    assert policies == ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]


def test_your_own_context_and_dockerfile_reach_the_build(tmp_path: Path) -> None:
    context = tmp_path / "service"
    context.mkdir()
    (context / "Dockerfile").write_text("FROM scratch\n")
    (tmp_path / "Dockerfile.release").write_text("FROM scratch\n")
    relative = os.path.relpath(context, PROJECT_DIR)

    default_dockerfile = run_program("dev", appVersion="v3", image={"buildContext": relative}).one(IMAGE)["build"]
    assert (default_dockerfile["context"], default_dockerfile["dockerfile"]) == (relative, f"{relative}/Dockerfile")
    assert default_dockerfile["args"] == {"APP_VERSION": "v3"}, "the build arg is still the app version"

    dockerfile = os.path.relpath(tmp_path / "Dockerfile.release", PROJECT_DIR)
    build = run_program("dev", image={"buildContext": relative, "dockerfile": dockerfile}).one(IMAGE)["build"]
    assert (build["context"], build["dockerfile"]) == (relative, dockerfile)
