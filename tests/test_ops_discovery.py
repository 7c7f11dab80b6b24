"""The first `pulumi up` waits on its PAUSE hook before any output exists: ops finds the service by its tags."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ops_fixtures import (
    ACCOUNT, CLUSTER, DEPLOYMENT_ARN, REGION, SERVICE, SERVICE_ARN, deployment, lambda_hook, pause_hook, run,
    stubbed_aws,
)

CLUSTER_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:cluster/{CLUSTER}"
TAGGED = {"TagFilters": [{"Key": "project", "Values": ["ecs-bluegreen"]}, {"Key": "stack", "Values": ["dev"]}],
          "ResourceTypeFilters": ["ecs:cluster", "ecs:service"]}


def tagged(*arns: str, token: str = "") -> dict[str, Any]:
    return {"ResourceTagMappingList": [
        {"ResourceARN": arn, "Tags": [{"Key": "project", "Value": "ecs-bluegreen"}, {"Key": "stack", "Value": "dev"}]}
        for arn in arns], "PaginationToken": token}


def test_approve_works_before_the_stack_has_any_output() -> None:
    paused = deployment("IN_PROGRESS", "POST_TEST_TRAFFIC_SHIFT", hooks=[lambda_hook("SUCCEEDED"), pause_hook()])
    with stubbed_aws() as aws:
        # Two pages: the cluster on the first, the service on the second.
        aws.stubs["resourcegroupstaggingapi"].add_response("get_resources", tagged(CLUSTER_ARN, token="page-2"), TAGGED)
        aws.stubs["resourcegroupstaggingapi"].add_response("get_resources", tagged(SERVICE_ARN), {**TAGGED, "PaginationToken": "page-2"})
        aws.expect_service()  # expects cluster=app-cluster, services=[app-svc]: what the tags named
        aws.expect_deployment(paused)
        aws.expect_versions()
        aws.ecs_stub.add_response(
            "continue_service_deployment", {"serviceDeploymentArn": DEPLOYMENT_ARN},
            {"serviceDeploymentArn": DEPLOYMENT_ARN, "hookId": pause_hook()["hookId"], "action": "CONTINUE"})
        result = run(aws, "approve", "--yes", "--region", REGION, outputs={})

    assert result.code == 0, result.stderr
    assert result.stdout.endswith("Deployment r9i43YFjvgF_xlg7m2eJ1r approved. Follow it with: python -m ops watch\n")


def test_the_stack_flag_names_the_stack_to_look_for() -> None:
    with stubbed_aws() as aws:
        aws.stubs["resourcegroupstaggingapi"].add_response("get_resources", tagged(SERVICE_ARN.replace("app-svc", "qa-svc")), {
            **TAGGED, "TagFilters": [{"Key": "project", "Values": ["ecs-bluegreen"]},
                                     {"Key": "stack", "Values": ["qa"]}]})
        aws.ecs_stub.add_response("describe_services", {"services": [], "failures": []},
                                  {"cluster": CLUSTER, "services": ["qa-svc"]})
        result = run(aws, "watch", "--stack", "qa", outputs={})

    assert result.code == 3
    assert result.stderr == f"ops: service 'qa-svc' not found in cluster '{CLUSTER}' (region {REGION})\n"


@pytest.mark.parametrize("found, message", [
    ([], "no ECS service tagged project=ecs-bluegreen, stack=dev (region ap-northeast-1)"),
    ([CLUSTER_ARN], "no ECS service tagged project=ecs-bluegreen, stack=dev (region ap-northeast-1); found cluster "
                    "app-cluster without a service"),
    ([SERVICE_ARN, SERVICE_ARN.replace(SERVICE, "other-svc")],
     "2 ECS services tagged project=ecs-bluegreen, stack=dev (region ap-northeast-1): app-cluster/app-svc, "
     "app-cluster/other-svc; pass --cluster and --service"),
], ids=["nothing", "cluster-only", "two-services"])
def test_anything_but_exactly_one_tagged_service_is_one_line_naming_what_was_found(
        found: list[str], message: str) -> None:
    with stubbed_aws() as aws:
        aws.stubs["resourcegroupstaggingapi"].add_response("get_resources", tagged(*found), TAGGED)
        result = run(aws, "status", outputs={})

    assert (result.code, result.stdout) == (2, "")
    assert result.stderr == (f"ops: missing cluster name (--cluster or BG_CLUSTER), service name (--service or "
                             f"BG_SERVICE); stack outputs: the stack has no clusterName, serviceName output; tags: "
                             f"{message}\n")


def test_tags_are_not_searched_when_the_outputs_name_the_service() -> None:
    with stubbed_aws() as aws:  # no get_resources queued: calling it would fail the test
        aws.expect_service(current=None)
        result = run(aws, "watch")

    assert result.code == 4
    assert result.stderr == f"ops: service {SERVICE!r} has no deployment to watch\n"
