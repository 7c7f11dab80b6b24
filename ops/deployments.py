"""Read-side queries: the service, its deployments and revisions, and the production rule's weights."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Any

from botocore.exceptions import ClientError

from ops.clients import Client
from ops.errors import CliError, ExitCode
from ops.parallel import Starter, in_turn

Deployment = dict[str, Any]

IN_PROGRESS = frozenset({"PENDING", "IN_PROGRESS"})
"""States a deployment can be rolled back from with StopServiceDeployment(stopType=ROLLBACK)."""
ROLLING_BACK = frozenset({"STOP_REQUESTED", "ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS"})
SUCCEEDED = "SUCCESSFUL"
FAILED = frozenset({"STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED"})

APP_VERSION_VARIABLE = "APP_VERSION"
DESCRIBE_BATCH = 20  # the most ARNs DescribeServiceRevisions accepts per call
_EPOCH = datetime.fromtimestamp(0, timezone.utc)


@dataclass(frozen=True)
class TaskDefinition:
    status: str | None
    """ACTIVE, INACTIVE or DELETE_IN_PROGRESS: ECS can roll back only to an ACTIVE one."""
    app_version: str | None
    """The APP_VERSION environment variable the stack sets on the app container."""
    container: str | None
    """The app container: the one that sets APP_VERSION (else the first)."""
    log_group: str | None
    log_stream_prefix: str | None
    """awslogs writes the container's stream as PREFIX/CONTAINER/TASK_ID."""


@dataclass(frozen=True)
class Revision:
    arn: str
    task_definition: str
    """family:revision"""
    task_definition_arn: str
    definition: TaskDefinition
    target_groups: tuple[str, ...]
    """Target groups ECS resolved for this revision's tasks (may differ from the ones configured)."""


def describe_service(ecs: Client, cluster: str, service: str) -> dict[str, Any]:
    found = ecs.describe_services(cluster=cluster, services=[service]).get("services", [])
    active = [s for s in found if s.get("status") != "INACTIVE"]
    if not active:
        raise CliError(
            f"service {service!r} not found in cluster {cluster!r} (region {ecs.meta.region_name})", ExitCode.AWS)
    return active[0]


def describe_deployment(ecs: Client, arn: str) -> Deployment:
    response = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    found = response.get("serviceDeployments", [])
    if not found:
        failures = response.get("failures", [])
        reason = failures[0].get("reason", "not found") if failures else "not found"
        raise CliError(f"deployment {arn} could not be described: {reason}", ExitCode.AWS)
    return found[0]


def current_deployment(ecs: Client, service: dict[str, Any]) -> Deployment | None:
    """The service's current (latest) deployment, whatever its state; None if it never had one."""
    arn = service.get("currentServiceDeployment")
    return describe_deployment(ecs, arn) if arn else None


def deployment_arn(deployment: str, service_arn: str) -> str:
    """Accept a full deployment ARN or the short ID `history` prints."""
    if deployment.startswith("arn:"):
        return deployment
    # arn:...:service/CLUSTER/SERVICE -> arn:...:service-deployment/CLUSTER/SERVICE/ID
    prefix, _, path = service_arn.partition(":service/")
    if not path:
        raise CliError(f"cannot build a deployment ARN from service ARN {service_arn}; pass the full ARN",
                       ExitCode.CONFIG)
    return f"{prefix}:service-deployment/{path}/{deployment}"


def revision_summaries(deployment: Deployment) -> list[tuple[str, dict[str, Any]]]:
    """("target", summary) first, then ("source", summary) for each revision being replaced."""
    target = deployment.get("targetServiceRevision")
    sources = deployment.get("sourceServiceRevisions", [])
    return [*([("target", target)] if target else []), *(("source", s) for s in sources)]


def revision_arns(deployment: Deployment) -> list[str]:
    """Sources first, then the target (the order describe_revisions is asked in)."""
    summaries = [*deployment.get("sourceServiceRevisions", []), deployment.get("targetServiceRevision", {})]
    return [s["arn"] for s in summaries if s.get("arn")]


def describe_revisions(ecs: Client, arns: list[str], start: Starter = in_turn) -> dict[str, Revision]:
    """Revision ARN -> Revision. Revisions ECS cannot describe (older than Oct 2024) are left out. `start`
    may describe their task definitions at the same time."""
    unique = list(dict.fromkeys(arns))
    found: list[dict[str, Any]] = []
    reads: dict[str, Future[TaskDefinition]] = {}
    for begin in range(0, len(unique), DESCRIBE_BATCH):
        response = ecs.describe_service_revisions(serviceRevisionArns=unique[begin:begin + DESCRIBE_BATCH])
        for revision in response.get("serviceRevisions", []):
            found.append(revision)
            if (arn := revision["taskDefinition"]) not in reads:
                reads[arn] = start(partial(describe_task_definition, ecs, arn))
    definitions = {arn: read.result() for arn, read in reads.items()}
    revisions: dict[str, Revision] = {}
    for revision in found:
        task_definition = revision["taskDefinition"]
        balancers = revision.get("resolvedConfiguration", {}).get("loadBalancers", [])
        revisions[revision["serviceRevisionArn"]] = Revision(
            arn=revision["serviceRevisionArn"],
            task_definition=task_definition.rsplit("/", 1)[-1],
            task_definition_arn=task_definition,
            definition=definitions[task_definition],
            target_groups=tuple(lb["targetGroupArn"] for lb in balancers if lb.get("targetGroupArn")),
        )
    return revisions


def describe_task_definition(ecs: Client, task_definition: str) -> TaskDefinition:
    definition = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    containers = definition.get("containerDefinitions", [])
    versions = {c.get("name"): v.get("value") for c in containers for v in c.get("environment", [])
                if v.get("name") == APP_VERSION_VARIABLE}
    app = next((c for c in containers if c.get("name") in versions), containers[0] if containers else {})
    logging = app.get("logConfiguration", {})
    options = logging.get("options", {}) if logging.get("logDriver") == "awslogs" else {}
    return TaskDefinition(status=definition.get("status"), app_version=versions.get(app.get("name")),
                          container=app.get("name"), log_group=options.get("awslogs-group"),
                          log_stream_prefix=options.get("awslogs-stream-prefix"))


def rule_weights(elbv2: Client, rule_arn: str) -> list[tuple[str, int]]:
    """(target group ARN, weight) for each target group the rule forwards to."""
    try:
        rules = elbv2.describe_rules(RuleArns=[rule_arn]).get("Rules", [])
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") == "RuleNotFound":  # the wire code of RuleNotFoundException
            raise CliError(f"listener rule not found: {rule_arn}", ExitCode.AWS) from None
        raise
    for rule in rules:
        for action in rule.get("Actions", []):
            if action.get("Type") != "forward":
                continue
            groups = action.get("ForwardConfig", {}).get("TargetGroups", [])
            if groups:
                # A missing weight counts as 1, so a lone target group listed without one still shows as live.
                return [(g["TargetGroupArn"], g.get("Weight", 1)) for g in groups]
            if action.get("TargetGroupArn"):
                return [(action["TargetGroupArn"], 1)]
    return []


def list_deployments(ecs: Client, cluster: str, service: str) -> list[dict[str, Any]]:
    """Every deployment ECS still records for the service, newest first (all pages)."""
    briefs: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = ecs.list_service_deployments(
            cluster=cluster, service=service, maxResults=100, **({"nextToken": token} if token else {}))
        briefs.extend(page.get("serviceDeployments", []))
        token = page.get("nextToken")
        if not token:
            break
    return sorted(briefs, key=lambda b: b.get("createdAt") or b.get("startedAt") or _EPOCH, reverse=True)


def awaiting_pause(deployment: Deployment) -> dict[str, Any] | None:
    """The PAUSE lifecycle hook waiting for approve/reject, if any."""
    for hook in deployment.get("lifecycleHookDetails", []):
        if hook.get("targetType") == "PAUSE" and hook.get("status") == "AWAITING_ACTION":
            return hook
    return None


@dataclass(frozen=True)
class Routing:
    """The service's load balancer wiring; ECS may swap primary and alternate after a deployment."""

    primary: str | None
    alternate: str | None
    production_rule: str | None
    test_rule: str | None


def routing(service: dict[str, Any]) -> Routing:
    balancers = service.get("loadBalancers", [])
    first = balancers[0] if balancers else {}
    advanced = first.get("advancedConfiguration", {})
    return Routing(primary=first.get("targetGroupArn"), alternate=advanced.get("alternateTargetGroupArn"),
                   production_rule=advanced.get("productionListenerRule"), test_rule=advanced.get("testListenerRule"))
