"""Shared pieces for the ops CLI tests: stubbed real boto3 clients and model-valid AWS responses.

Every client is a real boto3 client wrapped in botocore's Stubber, so each call's parameters and
each canned response are validated against the installed ECS / ELBv2 API models.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from ops.cli import main
from ops.parallel import in_turn

REGION = "ap-northeast-1"
ACCOUNT = "123456789012"
CLUSTER = "app-cluster"
SERVICE = "app-svc"
SERVICE_ARN = f"arn:aws:ecs:{REGION}:{ACCOUNT}:service/{CLUSTER}/{SERVICE}"
PROD_RULE_ARN = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                 "listener-rule/app/app-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee")
BLUE_TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/app-blue-3f2a/73e2d6bc24d8a067"
GREEN_TG = f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:targetgroup/app-green-9c1d/2453ed029918f21f"
TEST_RULE_ARN = (f"arn:aws:elasticloadbalancing:{REGION}:{ACCOUNT}:"
                 "listener-rule/app/app-alb/50dc6c495c0c9188/f2f7dc8efc522ab2/1b0f1e5d7c3a9e21")
STACK_OUTPUTS = {
    "clusterName": CLUSTER, "serviceName": SERVICE, "productionListenerRuleArn": PROD_RULE_ARN,
    "region": REGION, "blueTargetGroupArn": BLUE_TG, "greenTargetGroupArn": GREEN_TG,
}
FLAGS = ["--cluster", CLUSTER, "--service", SERVICE, "--region", REGION]
T0 = datetime(2025, 6, 1, 12, 0, 0, tzinfo=timezone.utc)


def deployment_arn(deployment_id: str) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-deployment/{CLUSTER}/{SERVICE}/{deployment_id}"


def revision_arn(number: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:service-revision/{CLUSTER}/{SERVICE}/{number:019d}"


def task_definition_arn(revision: int) -> str:
    return f"arn:aws:ecs:{REGION}:{ACCOUNT}:task-definition/app:{revision}"


OLD_REVISION, NEW_REVISION = revision_arn(7), revision_arn(8)
DEPLOYMENT_ID = "r9i43YFjvgF_xlg7m2eJ1r"
DEPLOYMENT_ARN = deployment_arn(DEPLOYMENT_ID)


def service(current: str | None = DEPLOYMENT_ARN, *, primary: str = BLUE_TG, alternate: str = GREEN_TG,
            task_definition_revision: int = 8, **extra: Any) -> dict[str, Any]:
    """A DescribeServices response; ECS may swap primary and alternate target groups after a deployment."""
    body: dict[str, Any] = {
        "serviceArn": SERVICE_ARN, "serviceName": SERVICE, "status": "ACTIVE",
        "taskDefinition": task_definition_arn(task_definition_revision),
        "loadBalancers": [{
            "targetGroupArn": primary, "containerName": "flask-container", "containerPort": 8080,
            "advancedConfiguration": {
                "alternateTargetGroupArn": alternate, "productionListenerRule": PROD_RULE_ARN,
                "testListenerRule": TEST_RULE_ARN, "roleArn": f"arn:aws:iam::{ACCOUNT}:role/app-ecs-infrastructure"}}],
        **extra}
    if current:
        body["currentServiceDeployment"] = current
    return {"services": [body], "failures": []}


def revision_summary(arn: str, running: int, requested: int = 2, pending: int = 0,
                     prod: float | None = None, test: float | None = None) -> dict[str, Any]:
    summary: dict[str, Any] = {
        "arn": arn, "requestedTaskCount": requested, "runningTaskCount": running, "pendingTaskCount": pending}
    if prod is not None:
        summary["requestedProductionTrafficWeight"] = prod
    if test is not None:
        summary["requestedTestTrafficWeight"] = test
    return summary


def deployment(status: str, stage: str | None = None, *, arn: str = DEPLOYMENT_ARN,
               target: dict[str, Any] | None = None, source: dict[str, Any] | None = None,
               hooks: Sequence[dict[str, Any]] = (), reason: str | None = None,
               finished: datetime | None = None, **extra: Any) -> dict[str, Any]:
    """A DescribeServiceDeployments response for one v1 (revision 7) -> v2 (revision 8) deployment."""
    body: dict[str, Any] = {
        "serviceDeploymentArn": arn, "serviceArn": SERVICE_ARN, "status": status,
        "createdAt": T0, "startedAt": T0,
        "sourceServiceRevisions": [source or revision_summary(OLD_REVISION, 2, prod=100.0, test=100.0)],
        "targetServiceRevision": target or revision_summary(NEW_REVISION, 0, prod=0.0, test=0.0),
        "lifecycleHookDetails": list(hooks), **extra,
    }
    if stage:
        body["lifecycleStage"] = stage
    if reason:
        body["statusReason"] = reason
    if finished:
        body["finishedAt"] = finished
    return {"serviceDeployments": [body], "failures": []}


def pause_hook(status: str = "AWAITING_ACTION") -> dict[str, Any]:
    return {"hookId": "ecs-pause-e7tK9G_WRJqNF", "targetType": "PAUSE", "status": status,
            "expiresAt": T0 + timedelta(minutes=40), "timeoutAction": "ROLLBACK"}


def lambda_hook(status: str) -> dict[str, Any]:
    return {"hookId": "ecs-lambda-1", "targetType": "AWS_LAMBDA", "status": status,
            "targetArn": f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:app-smoke-test"}


def revisions(*pairs: tuple[str, int, str | None]) -> dict[str, Any]:
    """DescribeServiceRevisions response: (revision ARN, task definition revision, target group ARN)."""
    return {"serviceRevisions": [
        {"serviceRevisionArn": arn, "serviceArn": SERVICE_ARN, "taskDefinition": task_definition_arn(td),
         **({"resolvedConfiguration": {"loadBalancers": [
             {"targetGroupArn": tg, "productionListenerRule": PROD_RULE_ARN}]}} if tg else {})}
        for arn, td, tg in pairs], "failures": []}


LOG_GROUP = "/ecs/app-dev-4c1e"


def task_definition(revision: int, app_version: str, status: str = "ACTIVE") -> dict[str, Any]:
    return {"taskDefinition": {
        "taskDefinitionArn": task_definition_arn(revision), "family": "app", "revision": revision, "status": status,
        "containerDefinitions": [{
            "name": "flask-container", "image": f"repo/app:{app_version}", "environment": [
                {"name": "PORT", "value": "8080"}, {"name": "APP_VERSION", "value": app_version}],
            "logConfiguration": {"logDriver": "awslogs", "options": {
                "awslogs-group": LOG_GROUP, "awslogs-region": REGION, "awslogs-stream-prefix": "app"}}}]}}


def rule(weights: Sequence[tuple[str, int]]) -> dict[str, Any]:
    return {"Rules": [{"RuleArn": PROD_RULE_ARN, "Priority": "100", "IsDefault": False, "Actions": [{
        "Type": "forward", "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": arn, "Weight": weight} for arn, weight in weights]}}]}]}


def task(number: int, *, revision: int = 8, ip: str | None = None, stopped: datetime | None = None,
         reason: str | None = None, exit_code: int | None = None, container_reason: str | None = None) -> dict[str, Any]:
    """A Fargate task of the service (awsvpc: its ENI's private IP is the target ID)."""
    body: dict[str, Any] = {
        "taskArn": f"arn:aws:ecs:{REGION}:{ACCOUNT}:task/{CLUSTER}/{number:032x}", "clusterArn": CLUSTER,
        "taskDefinitionArn": task_definition_arn(revision), "lastStatus": "STOPPED" if stopped else "RUNNING",
        "desiredStatus": "STOPPED" if stopped else "RUNNING", "group": f"service:{SERVICE}",
        "containers": [{"name": "flask-container", **({"exitCode": exit_code} if exit_code is not None else {}),
                        **({"reason": container_reason} if container_reason else {})}],
    }
    if ip:
        body["attachments"] = [{"id": "eni-attachment", "type": "ElasticNetworkInterface", "status": "ATTACHED",
                                "details": [{"name": "privateIPv4Address", "value": ip}]}]
    if stopped:
        body.update(stoppedAt=stopped, stopCode="TaskFailedToStart" if reason is None else "ServiceSchedulerInitiated")
        if reason:
            body["stoppedReason"] = reason
    return body


def target_health(*targets: tuple[str, str, str | None]) -> dict[str, Any]:
    """DescribeTargetHealth response: (target IP, state, reason code)."""
    return {"TargetHealthDescriptions": [
        {"Target": {"Id": ip, "Port": 8080},
         "TargetHealth": {"State": state, **({"Reason": reason} if reason else {})}} for ip, state, reason in targets]}


@dataclass
class FakeTime:
    """A monotonic clock that only moves when the CLI sleeps."""

    now: float = 0.0
    sleeps: list[float] = field(default_factory=list)

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


SERVICES = ("ecs", "elbv2", "logs", "cloudwatch", "resourcegroupstaggingapi", "lambda")


@dataclass
class Aws:
    clients: dict[str, Any]
    stubs: dict[str, Stubber]
    stderr: str = ""
    """What the last run printed on stderr, to explain a call the CLI never made."""

    @property
    def ecs_stub(self) -> Stubber:
        return self.stubs["ecs"]

    @property
    def elbv2_stub(self) -> Stubber:
        return self.stubs["elbv2"]

    def expect_service(self, current: str | None = DEPLOYMENT_ARN, **service_fields: Any) -> None:
        self.ecs_stub.add_response("describe_services", service(current, **service_fields),
                                   {"cluster": CLUSTER, "services": [SERVICE]})

    def expect_deployment(self, response: dict[str, Any], arn: str = DEPLOYMENT_ARN) -> None:
        self.ecs_stub.add_response("describe_service_deployments", response, {"serviceDeploymentArns": [arn]})

    def expect_versions(self, old_tg: str | None = BLUE_TG, new_tg: str | None = GREEN_TG,
                        old_status: str = "ACTIVE") -> None:
        """Revision 7 runs v1 (task definition app:7, `old_status`), revision 8 runs v2 (app:8)."""
        self.ecs_stub.add_response(
            "describe_service_revisions", revisions((OLD_REVISION, 7, old_tg), (NEW_REVISION, 8, new_tg)),
            {"serviceRevisionArns": [OLD_REVISION, NEW_REVISION]})
        for number, version, status in ((7, "v1", old_status), (8, "v2", "ACTIVE")):
            self.ecs_stub.add_response("describe_task_definition", task_definition(number, version, status),
                                       {"taskDefinition": task_definition_arn(number)})


    def expect_target_health(self, target_group: str, *targets: tuple[str, str, str | None]) -> None:
        self.elbv2_stub.add_response("describe_target_health", target_health(*targets),
                                     {"TargetGroupArn": target_group})

    def expect_tasks(self, desired_status: str, tasks: Sequence[dict[str, Any]]) -> None:
        self.ecs_stub.add_response(
            "list_tasks", {"taskArns": [t["taskArn"] for t in tasks]},
            {"cluster": CLUSTER, "serviceName": SERVICE, "desiredStatus": desired_status, "maxResults": 100})
        if tasks:
            self.ecs_stub.add_response("describe_tasks", {"tasks": list(tasks), "failures": []},
                                       {"cluster": CLUSTER, "tasks": [t["taskArn"] for t in tasks]})


@contextmanager
def stubbed_aws() -> Iterator[Aws]:
    """Real clients whose every call must have been queued; fails if a queued call was not made."""
    clients = {name: boto3.client(name, region_name=REGION, aws_access_key_id="testing",
                                  aws_secret_access_key="testing") for name in SERVICES}
    with ExitStack() as stack:
        stubs = {name: stack.enter_context(Stubber(client)) for name, client in clients.items()}
        aws = Aws(clients, stubs)
        yield aws
        for stub in stubs.values():
            try:
                stub.assert_no_pending_responses()
            except AssertionError as error:
                raise AssertionError(f"{error} The CLI's stderr: {aws.stderr!r}") from None


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str


def run(aws: Aws, *argv: str, stdin: str = "", time: FakeTime | None = None,
        now: datetime = T0 + timedelta(minutes=4, seconds=12), outputs: dict[str, Any] | None = None,
        secrets: dict[str, Any] | None = None, env: dict[str, str] | None = None) -> Result:
    """Drive the CLI's real entry function with stubbed clients and captured streams.

    `outputs` stand for `pulumi stack output --json`; `secrets` are added only with --show-secrets
    (without it pulumi prints "[secret]" for them); `env` is the environment (default: empty).
    """
    out, err = io.StringIO(), io.StringIO()
    fake = time or FakeTime()
    plain = STACK_OUTPUTS if outputs is None else outputs
    shown = {**plain, **(secrets or {})}
    code = main(
        list(argv), clients=aws.clients, stdin=io.StringIO(stdin), stdout=out, stderr=err,
        environ=env or {}, load_outputs=lambda _stack, show_secrets: shown if show_secrets else plain,
        stack_name=lambda: "dev",
        sleep=fake.sleep, clock=fake.clock, now=lambda: now, start=in_turn)  # Stubber answers in queued order
    aws.stderr = err.getvalue()
    return Result(code, out.getvalue(), err.getvalue())


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS credentials, no region and no pulumi CLI."""
    (tmp_path / "credentials").write_text("")
    (tmp_path / "config").write_text("")
    (tmp_path / "bin").mkdir()
    return {
        "PATH": str(tmp_path / "bin"),
        "HOME": str(tmp_path),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }
