"""Errors an operator will meet end as one line on stderr and a non-zero exit code, never a traceback."""

from __future__ import annotations

import pytest

from tests.ops_fixtures import CLUSTER, PROD_RULE_ARN, SERVICE, deployment, run, stubbed_aws

DENIED = ("User: arn:aws:iam::123456789012:user/dev is not authorized to perform: ecs:DescribeServices on "
          "resource: arn:aws:ecs:ap-northeast-1:123456789012:service/app-cluster/app-svc")


def assert_one_line(stderr: str, expected: str) -> None:
    assert stderr == expected + "\n"


@pytest.mark.parametrize("command", ["status", "watch", "rollback", "approve", "reject"])
def test_access_denied(command: str) -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "AccessDeniedException", DENIED, 400,
                                      expected_params={"cluster": CLUSTER, "services": [SERVICE]})
        result = run(aws, command, "--yes") if command in ("rollback", "approve", "reject") else run(aws, command)

    assert result.code == 3
    assert_one_line(result.stderr, f"ops: access denied calling DescribeServices: {DENIED}")


def test_access_denied_on_the_listener_rule() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None)
        aws.elbv2_stub.add_client_error("describe_rules", "AccessDenied", "not authorized: DescribeRules", 403)
        result = run(aws, "status")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: access denied calling DescribeRules: not authorized: DescribeRules")


def test_cluster_not_found() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "ClusterNotFoundException", "Cluster not found.", 400)
        result = run(aws, "status")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: cluster 'app-cluster' not found (region ap-northeast-1)")


def test_service_not_found_via_describe_services() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("describe_services", {"services": [], "failures": [
            {"arn": "arn:aws:ecs:ap-northeast-1:123456789012:service/app-cluster/app-svc", "reason": "MISSING"}]})
        result = run(aws, "watch")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: service 'app-svc' not found in cluster 'app-cluster' (region ap-northeast-1)")


def test_a_deleted_service_counts_as_not_found() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_response("describe_services", {"services": [
            {"serviceName": SERVICE, "status": "INACTIVE"}], "failures": []})
        result = run(aws, "rollback", "--yes")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: service 'app-svc' not found in cluster 'app-cluster' (region ap-northeast-1)")


def test_service_not_found_via_list_service_deployments() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("list_service_deployments", "ServiceNotFoundException", "Service not found.", 400)
        result = run(aws, "history")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: service 'app-svc' not found in cluster 'app-cluster' (region ap-northeast-1)")


def test_listener_rule_not_found() -> None:
    with stubbed_aws() as aws:
        aws.expect_service(current=None)
        aws.elbv2_stub.add_client_error("describe_rules", "RuleNotFound", "One or more rules not found", 400)
        result = run(aws, "status")

    assert result.code == 3
    assert_one_line(result.stderr, f"ops: listener rule not found: {PROD_RULE_ARN}")


def test_expired_credentials() -> None:
    with stubbed_aws() as aws:
        aws.ecs_stub.add_client_error("describe_services", "ExpiredTokenException",
                                      "The security token included in the request is expired", 400)
        result = run(aws, "status")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: AWS rejected the credentials (ExpiredTokenException): "
                                   "The security token included in the request is expired")


def test_a_race_with_the_deployment_ending_is_reported_not_raised() -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        aws.expect_versions()
        aws.ecs_stub.add_client_error("stop_service_deployment", "ConflictException",
                                      "The service deployment is already complete.", 400)
        result = run(aws, "rollback", "--yes")

    assert result.code == 3
    assert_one_line(result.stderr, "ops: StopServiceDeployment failed: ConflictException: "
                                   "The service deployment is already complete.")
