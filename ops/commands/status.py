"""`status`: where the deployment is, which target group is live, and why things are failing."""

from __future__ import annotations

import argparse
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ops import deployments as aws
from ops import render
from ops.commands.common import version_labels
from ops.deployments import Deployment, Revision
from ops.errors import CliError, ExitCode
from ops.options import add_output, add_prod_rule
from ops.runtime import Runtime
from ops.tasks import service_tasks, stop_reasons, target_health

EVENTS_SHOWN = 5
STOPPED_TASKS_SHOWN = 5

HELP = "current deployment, live target group, target health, stopped tasks and recent events"
DESCRIPTION = """\
Show the service's current deployment (state, lifecycle stage, each revision's app version, task counts,
traffic weights and target group), which target group is live by the production listener rule's weights,
the health of the targets in both target groups (with reason codes), why the target revision's tasks
stopped (ECS keeps stopped tasks about an hour), and the service's recent events. The production rule is
the one in the service's load balancer configuration unless --prod-rule-arn says otherwise."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("status", parents=[common], help=HELP, description=DESCRIPTION)
    add_prod_rule(parser)
    add_output(parser)
    parser.set_defaults(handler=run)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    report = gather(rt)
    if args.output == "json":
        rt.out_json(report)
    else:
        print_report(rt, report)
    return ExitCode.OK


def gather(rt: Runtime) -> dict[str, Any]:
    """Every read after DescribeServices needs only the service, so they all run at once (and the ELBv2
    client is made on a read's thread, beside the first ECS call)."""
    config, ecs = rt.config, rt.clients.ecs
    elbv2 = rt.start(lambda: rt.clients.elbv2)
    service = aws.describe_service(ecs, config.cluster, config.service)
    routing = aws.routing(service)
    rule_arn = config.prod_rule_arn or routing.production_rule
    if not rule_arn:
        raise CliError("the service has no production listener rule in its load balancer configuration; "
                       "pass --prod-rule-arn", ExitCode.CONFIG)
    current = rt.start(lambda: _current_deployment(rt, service))
    weights = rt.start(lambda: aws.rule_weights(elbv2.result(), rule_arn))
    groups = [(role, arn) for role, arn in (("primary", routing.primary), ("alternate", routing.alternate)) if arn]
    healths = [(role, arn, rt.start(lambda arn=arn: target_health(elbv2.result(), arn))) for role, arn in groups]
    stopped = rt.start(lambda: service_tasks(ecs, config.cluster, config.service, "STOPPED")) \
        if service.get("currentServiceDeployment") else None
    deployment, revisions = current.result()
    target = revisions.get((deployment or {}).get("targetServiceRevision", {}).get("arn", ""))
    return {
        "cluster": config.cluster, "service": config.service, "region": rt.clients.region_name(),
        "deployment": _deployment(deployment, revisions) if deployment else None,
        "production": {"ruleArn": rule_arn, "weights": [
            {"targetGroupArn": arn, "weight": weight} for arn, weight in weights.result()]},
        "targetGroups": [{"role": role, "targetGroupArn": arn, "states": health.states, "reasons": health.reasons}
                         for role, arn, read in healths for health in [read.result()]],
        "stoppedTasks": _stopped_tasks(stopped.result(), target) if target and stopped else [],
        "events": [{"createdAt": event.get("createdAt"), "message": event.get("message", "")}
                   for event in service.get("events", [])[:EVENTS_SHOWN]],
    }


def _current_deployment(rt: Runtime, service: dict[str, Any]) -> tuple[Deployment | None, dict[str, Revision]]:
    deployment = aws.current_deployment(rt.clients.ecs, service)
    revisions = version_labels(rt, aws.revision_arns(deployment), rt.start) if deployment else {}
    return deployment, revisions


def _deployment(deployment: Deployment, revisions: Mapping[str, Revision]) -> dict[str, Any]:
    rows = []
    for role, summary in aws.revision_summaries(deployment):
        revision = revisions.get(summary.get("arn", ""))
        rows.append({"role": role, "version": render.version(revisions, summary.get("arn")),
                     "taskDefinition": revision.task_definition if revision else None,
                     "targetGroups": list(revision.target_groups) if revision else [], **summary})
    hook = aws.awaiting_pause(deployment)
    return {
        "id": render.short_id(deployment["serviceDeploymentArn"]), "arn": deployment["serviceDeploymentArn"],
        "status": deployment["status"], "stage": deployment.get("lifecycleStage"),
        "transition": render.transition(deployment, revisions),
        "startedAt": deployment.get("startedAt") or deployment.get("createdAt"),
        "finishedAt": deployment.get("finishedAt") or deployment.get("stoppedAt"),
        "reason": deployment.get("statusReason"), "revisions": rows,
        "awaitingApproval": {"expiresAt": hook.get("expiresAt"), "timeoutAction": hook.get("timeoutAction")}
        if hook else None,
    }


def _stopped_tasks(tasks: list[dict[str, Any]], target: Revision) -> list[dict[str, Any]]:
    stopped = [task for task in tasks if task.get("taskDefinitionArn") == target.task_definition_arn]
    oldest = datetime.min.replace(tzinfo=timezone.utc)
    stopped.sort(key=lambda task: task.get("stoppedAt") or task.get("stoppingAt") or oldest, reverse=True)
    return [{"taskId": render.short_id(task["taskArn"]), "taskDefinition": target.task_definition,
             "stoppedAt": task.get("stoppedAt") or task.get("stoppingAt"), "why": stop_reasons(task)}
            for task in stopped[:STOPPED_TASKS_SHOWN]]


def print_report(rt: Runtime, report: Mapping[str, Any]) -> None:
    rt.out(f"Service     {report['service']} in cluster {report['cluster']} ({report['region']})")
    if report["deployment"] is None:
        rt.out("Deployment  none recorded for this service")
    else:
        _print_deployment(rt, report["deployment"])
    colors = rt.config.target_group_colors
    rt.out(f"Production  {_live(report['production']['weights'], colors)}")
    for index, group in enumerate(report["targetGroups"]):
        health = ", ".join(f"{len(ids)} {state}" for state, ids in sorted(group["states"].items()))
        reasons = ", ".join(f"{reason} x{count}" for reason, count in sorted(group["reasons"].items()))
        rt.out(f"{'Targets' if index == 0 else '':<12}{render.target_group(group['targetGroupArn'], colors)}, "
               f"{group['role']}: {health or 'no targets registered'}" + (f" ({reasons})" if reasons else ""))
    for index, task in enumerate(report["stoppedTasks"]):
        rt.out(f"{'Stopped' if index == 0 else '':<12}{render.timestamp(task['stoppedAt'])}  {task['taskDefinition']} "
               f"task {task['taskId']}: {task['why']}")
    for index, event in enumerate(report["events"]):
        rt.out(f"{'Events' if index == 0 else '':<12}{render.timestamp(event['createdAt'])}  {event['message']}")


def _print_deployment(rt: Runtime, deployment: Mapping[str, Any]) -> None:
    stage = deployment["stage"]
    rt.out(f"Deployment  {deployment['id']}  {deployment['status']}" + (f"  stage {stage}" if stage else "")
           + f"  ({deployment['transition']})")
    started, ended = deployment["startedAt"], deployment["finishedAt"]
    if started:
        took = f"ended after {render.duration((ended - started).total_seconds())}" if ended \
            else f"running for {render.duration((rt.now() - started).total_seconds())}"
        rt.out(f"            started {render.timestamp(started)}, {took}")
    if deployment["reason"]:
        rt.out(f"            reason: {deployment['reason']}")
    colors = rt.config.target_group_colors
    rows = [[f"  {row['role']}", row["version"], row["taskDefinition"] or "?", render.tasks(row),
             f"prod {render.percent(row.get('requestedProductionTrafficWeight'))}",
             f"test {render.percent(row.get('requestedTestTrafficWeight'))}",
             "target group " + (", ".join(render.target_group(arn, colors) for arn in row["targetGroups"]) or "?")]
            for row in deployment["revisions"]]
    for line in render.table(rows) if rows else []:
        rt.out(line)
    hook = deployment["awaitingApproval"]
    if hook:
        rt.out(f"Paused      awaiting approval until {render.timestamp(hook['expiresAt'])}"
               f" (then {hook['timeoutAction'] or '?'}): python -m ops approve | reject")


def _live(weights: list[dict[str, Any]], colors: Mapping[str, str]) -> str:
    total = sum(entry["weight"] for entry in weights)
    if not weights or total == 0:
        return "the production listener rule forwards to no target group with weight > 0"
    shares = ", ".join(f"{render.target_group(entry['targetGroupArn'], colors)} {entry['weight'] * 100 / total:g}%"
                       for entry in weights)
    live = [entry["targetGroupArn"] for entry in weights if entry["weight"] > 0]
    if len(live) == 1:
        return f"live: {render.target_group(live[0], colors)}  (rule weights: {shares})"
    return f"split: {shares}"
