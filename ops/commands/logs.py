"""`logs`: the app's log lines for one revision, or the smoke-test hook's attempts; --follow keeps reading."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ops import deployments as aws
from ops import render
from ops.commands.common import RideOut
from ops.errors import CliError, ExitCode
from ops.options import number
from ops.runtime import Runtime
from ops.tasks import service_tasks

STREAMS_PER_CALL = 100  # the most stream names FilterLogEvents accepts

HELP = "the app's log lines for the new (or old) revision, or the smoke-test hook's attempts"
DESCRIPTION = """\
Print the app container's log lines (CloudWatch Logs, the task definition's awslogs group) from the
tasks of the current deployment's target revision, or with --source of the revision it replaces; with
--hook, the smoke-test Lambda's attempts instead (attempt, status, failed check, reason). --since says
how far back to start; --follow keeps printing new lines until Ctrl-C. ECS keeps stopped tasks about an
hour, so logs of tasks stopped earlier are not matched to a revision."""


def register(commands: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    parser = commands.add_parser("logs", parents=[common], help=HELP, description=DESCRIPTION)
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--source", action="store_true", help="the revision being replaced (default: the target)")
    which.add_argument("--hook", action="store_true", help="the smoke-test hook's attempt lines instead")
    parser.add_argument("--since", type=number(float, 1, 7 * 24 * 60, " minutes"), default=30.0, metavar="MINUTES",
                        help="start this many minutes ago, 1 to 10080 (default: 30)")
    parser.add_argument("--follow", action="store_true", help="keep printing new lines until Ctrl-C")
    parser.add_argument("--interval", type=number(float, 1, 300, " seconds"), default=5.0, metavar="SECONDS",
                        help="with --follow, seconds between reads, 1 to 300 (default: 5)")
    parser.set_defaults(handler=run, follows=lambda args: args.follow)


@dataclass(frozen=True)
class LogSource:
    group: str
    streams: Callable[[], list[str] | None]
    """The streams to read each time (None: the whole group)."""
    line: Callable[[dict[str, Any]], str | None]
    """An event as one printed line (None: not a line this command shows)."""


def run(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    def find_source() -> LogSource:
        service = aws.describe_service(rt.clients.ecs, rt.config.cluster, rt.config.service)
        return _hook_source(rt, service) if args.hook else _app_source(rt, service,
                                                                       "source" if args.source else "target")

    ride_out = RideOut(rt)
    source = ride_out.call(find_source, args.interval, lambda: render.timestamp(rt.now())) if args.follow \
        else find_source()
    start_ms = int((rt.now() - timedelta(minutes=args.since)).timestamp() * 1000)
    seen: set[str] = set()
    while True:
        try:
            events = _events(rt, source, start_ms)
        except Exception as error:  # noqa: BLE001 - only transient errors are ridden out, the rest re-raised
            if not args.follow:
                raise
            ride_out.failed(error, render.timestamp(rt.now()))
            events = []
        else:
            ride_out.succeeded(render.timestamp(rt.now()))
        printed = 0
        for event in events:
            if event["eventId"] not in seen and (line := source.line(event)) is not None:
                rt.out(line)
                printed += 1
            seen.add(event["eventId"])
            start_ms = max(start_ms, event["timestamp"])  # the next read starts at the newest line seen
        if not args.follow:
            if not printed:
                rt.out(f"# no lines in the last {args.since:g} minutes")
            return ExitCode.OK
        rt.sleep(args.interval)


def _events(rt: Runtime, source: LogSource, start_ms: int) -> list[dict[str, Any]]:
    streams = source.streams()
    if streams == []:
        return []
    batches: list[list[str] | None] = [streams[i:i + STREAMS_PER_CALL]
                                       for i in range(0, len(streams), STREAMS_PER_CALL)] if streams else [None]
    events: list[dict[str, Any]] = []
    for batch in batches:
        token = ""
        while True:
            page = rt.clients.get("logs").filter_log_events(
                logGroupName=source.group, startTime=start_ms, **({"logStreamNames": batch} if batch else {}),
                **({"nextToken": token} if token else {}))
            events.extend(page.get("events", []))
            token = page.get("nextToken", "")
            if not token:
                break
    return sorted(events, key=lambda event: (event["timestamp"], event["eventId"]))


def _when(event: dict[str, Any]) -> str:
    return render.timestamp(datetime.fromtimestamp(event["timestamp"] / 1000, timezone.utc))


def _app_source(rt: Runtime, service: dict[str, Any], role: str) -> LogSource:
    deployment = aws.current_deployment(rt.clients.ecs, service)
    summaries = [s for r, s in aws.revision_summaries(deployment) if r == role] if deployment else []
    revisions = aws.describe_revisions(rt.clients.ecs, [s["arn"] for s in summaries if s.get("arn")])
    if not revisions:
        raise CliError(f"the service's current deployment has no {role} revision ECS can describe", ExitCode.NOTHING_DONE)
    revision = next(iter(revisions.values()))
    definition = revision.definition
    if not (definition.log_group and definition.log_stream_prefix and definition.container):
        raise CliError(f"{revision.task_definition} does not log with awslogs and a stream prefix", ExitCode.CONFIG)
    stream_prefix = f"{definition.log_stream_prefix}/{definition.container}/"
    rt.out(f"# {role} revision {render.version(revisions, revision.arn)} ({revision.task_definition}), "
           f"log group {definition.log_group}")

    def streams() -> list[str]:
        tasks = [task for status in ("RUNNING", "STOPPED")
                 for task in service_tasks(rt.clients.ecs, rt.config.cluster, rt.config.service, status)
                 if task.get("taskDefinitionArn") == revision.task_definition_arn]
        return [stream_prefix + render.short_id(task["taskArn"]) for task in tasks]

    def line(event: dict[str, Any]) -> str:
        task_id = event.get("logStreamName", "").rsplit("/", 1)[-1]
        return f"{_when(event)}  {task_id}  {event.get('message', '').rstrip()}"

    return LogSource(definition.log_group, streams, line)


def _hook_source(rt: Runtime, service: dict[str, Any]) -> LogSource:
    hooks = service.get("deploymentConfiguration", {}).get("lifecycleHooks", [])
    functions = [hook["hookTargetArn"] for hook in hooks if ":function:" in hook.get("hookTargetArn", "")]
    if not functions:
        raise CliError("the service has no Lambda lifecycle hook (smokeTest.enabled is false)", ExitCode.CONFIG)
    configuration = rt.clients.get("lambda").get_function_configuration(FunctionName=functions[0])
    group = configuration.get("LoggingConfig", {}).get("LogGroup") or f"/aws/lambda/{configuration['FunctionName']}"
    rt.out(f"# smoke-test hook {configuration['FunctionName']}, log group {group}")
    return LogSource(group, lambda: None, _hook_line)


def _hook_line(event: dict[str, Any]) -> str | None:
    """The hook writes one JSON object per line after Lambda's text prefix ([LEVEL] time request-id)."""
    message = event.get("message", "")
    try:
        fields = json.loads(message[message.index("{"):])
    except ValueError:
        return None
    if not isinstance(fields, dict) or "hookStatus" not in fields:
        return None
    attempt = f"attempt {fields.get('attempt', '?')}/{fields.get('maxAttempts', '?')}"
    parts = [f"{_when(event)}  {attempt}  {fields['hookStatus']}", fields.get("message", "")]
    if fields.get("failedCheck"):
        parts.append(f"failed check {fields['failedCheck']}: {fields.get('reason', '')}".rstrip(": "))
    if fields.get("error"):
        parts.append(fields["error"])
    if fields.get("statusCode") is not None:
        parts.append(f"{fields.get('url', '?')} -> {fields['statusCode']}")
    return "  ".join(parts)
