"""Plain-text formatting shared by the commands (no colours, no cursor tricks: output goes to CI logs)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ops.deployments import Deployment, Revision, revision_summaries


def timestamp(moment: datetime | None) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%SZ") if moment else "-"


def duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def elapsed(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"[+{hours}:{minutes:02d}:{secs:02d}]" if hours else f"[+{minutes:02d}:{secs:02d}]"


def short_id(arn: str) -> str:
    return arn.rsplit("/", 1)[-1]


def target_group(arn: str, colors: Mapping[str, str]) -> str:
    # arn:aws:elasticloadbalancing:REGION:ACCOUNT:targetgroup/NAME/ID
    parts = arn.split("/")
    name = parts[-2] if len(parts) >= 3 else arn
    return f"{name} ({colors[arn]})" if arn in colors else name


def version(revisions: Mapping[str, Revision], arn: str | None) -> str:
    revision = revisions.get(arn or "")
    if revision is None:
        return "?"
    return revision.definition.app_version or revision.task_definition


def transition(deployment: Deployment, revisions: Mapping[str, Revision]) -> str:
    sources = [version(revisions, s.get("arn")) for s in deployment.get("sourceServiceRevisions", [])]
    target = version(revisions, deployment.get("targetServiceRevision", {}).get("arn"))
    return f"{', '.join(sources) or '(nothing)'} -> {target}"


def state(deployment: Deployment) -> str:
    """ "IN_PROGRESS at SCALE_UP", or just "PENDING" before the deployment has reached a stage."""
    stage = deployment.get("lifecycleStage")
    return f"{deployment['status']} at {stage}" if stage else deployment["status"]


def percent(weight: float | None) -> str:
    return "-" if weight is None else f"{weight:g}%"


def tasks(summary: Mapping[str, Any]) -> str:
    text = f"{summary.get('runningTaskCount', 0)}/{summary.get('requestedTaskCount', 0)} running"
    pending = summary.get("pendingTaskCount", 0)
    return f"{text}, {pending} pending" if pending else text


def progress(deployment: Deployment, revisions: Mapping[str, Revision]) -> str:
    """One line: each revision's version, task counts and requested traffic weights."""
    parts = []
    for role, summary in revision_summaries(deployment):
        parts.append(
            f"{role} {version(revisions, summary.get('arn'))}: {tasks(summary)}, "
            f"prod {percent(summary.get('requestedProductionTrafficWeight'))}"
            + (f", test {percent(w)}" if (w := summary.get("requestedTestTrafficWeight")) is not None else ""))
    return " | ".join(parts)


def table(rows: list[list[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]
