"""`doctor`: after a rollout, check that production is where it should be and a rollback is still possible."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

from ops import deployments as aws
from ops import render
from ops.errors import ExitCode
from ops.options import add_output, add_prod_rule
from ops.runtime import Runtime
from ops.tasks import service_tasks, target_health, task_ip

HELP = "after a rollout: check the live group, routing, alarms and the rollback revision (pass/fail)"
DESCRIPTION = """\
After a rollout, check and print each as PASS, FAIL or SKIP (not applicable to this stack):
the last deployment ended SUCCESSFUL; the live target group (by the production rule's weights) has
healthy targets running the service's current revision; the service's primary target group is the live
one and its alternate the idle one; the test listener rule (when on) forwards to the idle group; the
rollback alarms in the service's deployment configuration exist and are OK; the previous revision's task
definition is still ACTIVE (ECS can roll back only to it). Exit 6 if any check fails."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("doctor", parents=[common], help=HELP, description=DESCRIPTION)
    add_prod_rule(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


@dataclass(frozen=True)
class Check:
    name: str
    result: str
    """PASS, FAIL or SKIP."""
    detail: str


def passes(name: str, ok: bool, detail: str) -> Check:
    return Check(name, "PASS" if ok else "FAIL", detail)


@dataclass(frozen=True)
class Facts:
    """What the checks look at, read once; each check waits only for the reads it needs."""

    service: dict[str, Any]
    routing: aws.Routing
    current: Future[tuple[aws.Deployment | None, dict[str, aws.Revision]]]
    weights: Future[list[tuple[str, int]]]

    @property
    def deployment(self) -> aws.Deployment | None:
        return self.current.result()[0]

    @property
    def revisions(self) -> dict[str, aws.Revision]:
        return self.current.result()[1]

    @property
    def live(self) -> list[str]:
        """Target groups the production rule sends traffic to (weight > 0)."""
        return [arn for arn, weight in self.weights.result() if weight > 0]


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    facts = read_facts(rt)
    checks = [running.result() for running in [rt.start(partial(check, rt, facts)) for check in CHECKS]]
    if args.output == "json":
        rt.out_json({"service": rt.config.service, "cluster": rt.config.cluster,
                     "passed": all(c.result != "FAIL" for c in checks), "checks": [asdict(c) for c in checks]})
    else:
        for line in render.table([[c.result, c.name, c.detail] for c in checks]):
            rt.out(line)
    return ExitCode.CHECK_FAILED if any(c.result == "FAIL" for c in checks) else ExitCode.OK


def read_facts(rt: Runtime) -> Facts:
    """Reads the service, then starts the reads that need only it."""
    ecs = rt.clients.ecs
    service = aws.describe_service(ecs, rt.config.cluster, rt.config.service)
    routing = aws.routing(service)

    def current() -> tuple[aws.Deployment | None, dict[str, aws.Revision]]:
        deployment = aws.current_deployment(ecs, service)
        return deployment, aws.describe_revisions(ecs, aws.revision_arns(deployment), rt.start) if deployment else {}

    rule = rt.config.prod_rule_arn or routing.production_rule
    weights = rt.start(lambda: aws.rule_weights(rt.clients.elbv2, rule) if rule else [])
    return Facts(service, routing, rt.start(current), weights)


def check_last_deployment(rt: Runtime, facts: Facts) -> Check:
    name = "last deployment succeeded"
    if facts.deployment is None:
        return Check(name, "SKIP", "the service has no deployment recorded")
    status = facts.deployment["status"]
    detail = f"{render.short_id(facts.deployment['serviceDeploymentArn'])} {status} " \
             f"({render.transition(facts.deployment, facts.revisions)})"
    if status in aws.IN_PROGRESS | aws.ROLLING_BACK:
        detail += ": run doctor after it ends (python -m ops watch)"
    elif status != aws.SUCCEEDED and facts.deployment.get("statusReason"):
        detail += f": {facts.deployment['statusReason']}"
    return passes(name, status == aws.SUCCEEDED, detail)


def check_live_group(rt: Runtime, facts: Facts) -> Check:
    name = "live group runs the current revision"
    if len(facts.live) != 1:
        return passes(name, False, f"the production rule sends traffic to {len(facts.live)} target groups, not 1")
    live, colors = facts.live[0], rt.config.target_group_colors
    current = facts.service.get("taskDefinition", "")
    health = rt.start(partial(target_health, rt.clients.elbv2, live))
    running = service_tasks(rt.clients.ecs, rt.config.cluster, rt.config.service, "RUNNING")
    healthy = set(health.result().states.get("healthy", []))
    current_ips = {task_ip(task) for task in running if task.get("taskDefinitionArn") == current}
    serving = healthy & current_ips
    detail = (f"{render.target_group(live, colors)}: {len(healthy)} healthy target(s), {len(serving)} of them "
              f"running {render.short_id(current)}")
    return passes(name, bool(serving) and serving == healthy, detail)


def check_primary_is_live(rt: Runtime, facts: Facts) -> Check:
    name = "service primary is the live group"
    colors = rt.config.target_group_colors
    primary, alternate = facts.routing.primary, facts.routing.alternate
    detail = (f"primary {render.target_group(primary or '?', colors)}, alternate "
              f"{render.target_group(alternate or '?', colors)}; live "
              f"{', '.join(render.target_group(arn, colors) for arn in facts.live) or 'none'}")
    return passes(name, facts.live == [primary] and alternate not in facts.live, detail)


def check_test_rule(rt: Runtime, facts: Facts) -> Check:
    name = "test rule forwards to the idle group"
    if not facts.routing.test_rule:
        return Check(name, "SKIP", "the service has no test listener rule")
    colors = rt.config.target_group_colors
    tested = [arn for arn, weight in aws.rule_weights(rt.clients.elbv2, facts.routing.test_rule) if weight > 0]
    idle = [arn for arn in (facts.routing.primary, facts.routing.alternate) if arn and arn not in facts.live]
    detail = (f"test rule -> {', '.join(render.target_group(arn, colors) for arn in tested) or 'nothing'}; idle "
              f"{', '.join(render.target_group(arn, colors) for arn in idle) or 'none'}")
    return passes(name, len(idle) == 1 and tested == idle, detail)


def check_rollback_alarms(rt: Runtime, facts: Facts) -> Check:
    name = "rollback alarms exist and are OK"
    alarms = facts.service.get("deploymentConfiguration", {}).get("alarms", {})
    names = alarms.get("alarmNames", []) if alarms.get("enable") else []
    if not names:
        return Check(name, "SKIP", "the service has no rollback alarms")
    response = rt.clients.get("cloudwatch").describe_alarms(AlarmNames=names, AlarmTypes=["MetricAlarm", "CompositeAlarm"])
    found = {alarm["AlarmName"]: alarm.get("StateValue", "?")
             for alarm in [*response.get("MetricAlarms", []), *response.get("CompositeAlarms", [])]}
    states = [f"{alarm} {found.get(alarm, 'MISSING')}" for alarm in names]
    return passes(name, all(found.get(alarm) == "OK" for alarm in names), ", ".join(states))


def check_previous_revision(rt: Runtime, facts: Facts) -> Check:
    name = "previous task definition is ACTIVE"
    sources = [facts.revisions.get(s.get("arn", "")) for s in (facts.deployment or {}).get("sourceServiceRevisions", [])]
    known = [revision for revision in sources if revision]
    if not known:
        return Check(name, "SKIP", "the last deployment replaced no revision ECS can still describe")
    states = [f"{revision.task_definition} {revision.definition.status or '?'}" for revision in known]
    return passes(name, all(r.definition.status == "ACTIVE" for r in known), ", ".join(states))


CHECKS: list[Callable[[Runtime, Facts], Check]] = [
    check_last_deployment, check_live_group, check_primary_is_live, check_test_rule,
    check_rollback_alarms, check_previous_revision,
]
