"""`history`: recent deployments, newest first, with outcome, version and duration."""

from __future__ import annotations

import argparse
from typing import Any

from ops import deployments as aws
from ops import render
from ops.commands.common import version_labels
from ops.errors import ExitCode
from ops.options import add_output, number
from ops.runtime import Runtime

HELP = "recent deployments, newest first"
DESCRIPTION = """\
List the deployments ECS still records for the service (every page of ListServiceDeployments), newest
first: status, the app version deployed, when it started, how long it took, and why it did not succeed."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("history", parents=[common], help=HELP, description=DESCRIPTION)
    parser.add_argument("--limit", type=number(int, 1, 1000), default=10, help="how many to show, 1 to 1000 "
                                                                               "(default: 10)")
    add_output(parser)
    parser.set_defaults(handler=run)


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    briefs = aws.list_deployments(rt.clients.ecs, rt.config.cluster, rt.config.service)[:args.limit]
    revisions = version_labels(rt, [b["targetServiceRevisionArn"] for b in briefs
                                    if b.get("targetServiceRevisionArn")]) if briefs else {}
    entries = [_entry(rt, brief, render.version(revisions, brief.get("targetServiceRevisionArn"))) for brief in briefs]
    if args.output == "json":
        rt.out_json({"service": rt.config.service, "cluster": rt.config.cluster, "deployments": entries})
    elif not entries:
        rt.out(f"No deployments recorded for service {rt.config.service}.")
    else:
        rows = [["DEPLOYMENT", "STATUS", "VERSION", "STARTED", "DURATION", "REASON"]]
        for entry in entries:
            took = "-" if entry["durationSeconds"] is None else render.duration(entry["durationSeconds"])
            rows.append([entry["id"], entry["status"], entry["version"], render.timestamp(entry["startedAt"]),
                         took + (" so far" if entry["running"] and entry["durationSeconds"] is not None else ""),
                         "" if entry["status"] == aws.SUCCEEDED else entry["reason"] or ""])
        for line in render.table(rows):
            rt.out(line)
    return ExitCode.OK


def _entry(rt: Runtime, brief: dict[str, Any], version: str) -> dict[str, Any]:
    started = brief.get("startedAt") or brief.get("createdAt")
    ended = brief.get("finishedAt")
    running = brief.get("status") in aws.IN_PROGRESS | aws.ROLLING_BACK
    seconds = None
    if started and ended:
        seconds = (ended - started).total_seconds()
    elif started and running:
        seconds = (rt.now() - started).total_seconds()
    return {"id": render.short_id(brief["serviceDeploymentArn"]), "arn": brief["serviceDeploymentArn"],
            "status": brief.get("status", "?"), "version": version, "startedAt": started, "finishedAt": ended,
            "durationSeconds": seconds, "running": running, "reason": brief.get("statusReason")}
