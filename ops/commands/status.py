"""`status`: the current deployment, each revision's version and target group, and which group is live."""

from __future__ import annotations

import argparse

from ops import deployments as aws
from ops import render
from ops.deployments import Deployment
from ops.errors import CliError, ExitCode
from ops.runtime import Runtime

HELP = "current deployment, its revisions and the live target group"
DESCRIPTION = """\
Show the service's current deployment (state, lifecycle stage, each revision's app version, task counts,
traffic weights and target group) and which target group is live by the production listener rule's
weights. The rule is the one in the service's load balancer configuration unless --prod-rule-arn says."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("status", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("--prod-rule-arn", help="production listener rule ARN (env BG_PROD_RULE_ARN; default: the "
                                                "service's advancedConfiguration.productionListenerRule)")
    parser.set_defaults(handler=run)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    config = rt.config
    service = aws.describe_service(rt.clients.ecs, config.cluster, config.service)
    rt.out(f"Service     {config.service} in cluster {config.cluster} ({rt.clients.region_name()})")
    deployment = aws.current_deployment(rt.clients.ecs, service)
    if deployment is None:
        rt.out("Deployment  none recorded for this service")
    else:
        _print_deployment(rt, deployment)
    rule_arn = config.prod_rule_arn or aws.routing(service).production_rule
    if not rule_arn:
        raise CliError("the service has no production listener rule in its load balancer configuration; "
                       "pass --prod-rule-arn", ExitCode.CONFIG)
    rt.out(f"Production  {_live_target_groups(rt, rule_arn)}")
    return ExitCode.OK


def _print_deployment(rt: Runtime, deployment: Deployment) -> None:
    revisions = aws.describe_revisions(rt.clients.ecs, aws.revision_arns(deployment))
    stage = deployment.get("lifecycleStage")
    rt.out(f"Deployment  {render.short_id(deployment['serviceDeploymentArn'])}  {deployment['status']}"
           + (f"  stage {stage}" if stage else "") + f"  ({render.transition(deployment, revisions)})")
    started = deployment.get("startedAt") or deployment.get("createdAt")
    ended = deployment.get("finishedAt") or deployment.get("stoppedAt")
    if started:
        took = f"ended after {render.duration((ended - started).total_seconds())}" if ended \
            else f"running for {render.duration((rt.now() - started).total_seconds())}"
        rt.out(f"            started {render.timestamp(started)}, {took}")
    if deployment.get("statusReason"):
        rt.out(f"            reason: {deployment['statusReason']}")

    rows: list[list[str]] = []
    for role, summary in aws.revision_summaries(deployment):
        revision = revisions.get(summary.get("arn", ""))
        groups = [render.target_group(arn, rt.config.target_group_colors) for arn in revision.target_groups] \
            if revision else []
        rows.append([
            f"  {role}", render.version(revisions, summary.get("arn")),
            revision.task_definition if revision else "?", render.tasks(summary),
            f"prod {render.percent(summary.get('requestedProductionTrafficWeight'))}",
            f"test {render.percent(summary.get('requestedTestTrafficWeight'))}",
            "target group " + (", ".join(groups) or "?"),
        ])
    for line in render.table(rows) if rows else []:
        rt.out(line)

    hook = aws.awaiting_pause(deployment)
    if hook:
        rt.out(f"Paused      awaiting approval until {render.timestamp(hook.get('expiresAt'))}"
               f" (then {hook.get('timeoutAction', '?')}): python -m ops approve | reject")


def _live_target_groups(rt: Runtime, rule_arn: str) -> str:
    weights = aws.rule_weights(rt.clients.elbv2, rule_arn)
    total = sum(weight for _, weight in weights)
    if not weights or total == 0:
        return "the production listener rule forwards to no target group with weight > 0"
    colors = rt.config.target_group_colors
    shares = ", ".join(f"{render.target_group(arn, colors)} {weight * 100 / total:g}%" for arn, weight in weights)
    live = [arn for arn, weight in weights if weight > 0]
    if len(live) == 1:
        return f"live: {render.target_group(live[0], colors)}  (rule weights: {shares})"
    return f"split: {shares}"
