"""Read-side queries about what runs: the service's tasks, and the targets registered in its target groups."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ops.clients import Client

DESCRIBE_TASKS_BATCH = 100  # the most task ARNs DescribeTasks accepts per call


def service_tasks(ecs: Client, cluster: str, service: str, desired_status: str) -> list[dict[str, Any]]:
    """The service's tasks with this desired status (RUNNING or STOPPED; ECS keeps stopped ones about an hour)."""
    arns: list[str] = []
    token = ""
    while True:
        page = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus=desired_status, maxResults=100,
                              **({"nextToken": token} if token else {}))
        arns.extend(page.get("taskArns", []))
        token = page.get("nextToken", "")
        if not token:
            break
    described: list[dict[str, Any]] = []
    for start in range(0, len(arns), DESCRIBE_TASKS_BATCH):
        described.extend(ecs.describe_tasks(cluster=cluster, tasks=arns[start:start + DESCRIBE_TASKS_BATCH])
                         .get("tasks", []))
    return described


def task_ip(task: dict[str, Any]) -> str | None:
    """The private IPv4 address of the task's ENI: the target ID an `ip` target group registers (awsvpc)."""
    for attachment in task.get("attachments", []):
        for detail in attachment.get("details", []):
            if detail.get("name") == "privateIPv4Address":
                return detail.get("value")
    return None


def stop_reasons(task: dict[str, Any]) -> str:
    """Why a stopped task stopped: ECS's reason, then each container that exited or gave a reason."""
    parts = [task.get("stoppedReason") or task.get("stopCode") or "no reason given"]
    for container in task.get("containers", []):
        said = [f"exit {container['exitCode']}" if container.get("exitCode") is not None else "",
                container.get("reason", "")]
        if any(said):
            parts.append(f"{container.get('name', '?')}: {', '.join(filter(None, said))}")
    return "; ".join(parts)


@dataclass(frozen=True)
class GroupHealth:
    target_group: str
    states: dict[str, list[str]] = field(default_factory=dict)
    """State (healthy, unhealthy, initial, draining, ...) -> the target IDs in it."""
    reasons: dict[str, int] = field(default_factory=dict)
    """Reason code -> how many targets give it (healthy targets give none)."""

    def count(self, state: str) -> int:
        return len(self.states.get(state, []))


def target_health(elbv2: Client, target_group: str) -> GroupHealth:
    descriptions = elbv2.describe_target_health(TargetGroupArn=target_group).get("TargetHealthDescriptions", [])
    states: dict[str, list[str]] = {}
    reasons: Counter[str] = Counter()
    for description in descriptions:
        health = description.get("TargetHealth", {})
        states.setdefault(health.get("State", "unknown"), []).append(description.get("Target", {}).get("Id", "?"))
        if health.get("Reason"):
            reasons[health["Reason"]] += 1
    return GroupHealth(target_group, states, dict(reasons))
