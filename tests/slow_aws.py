"""A loopback AWS endpoint that takes `latency` seconds to answer each call and records which calls it
held at the same time: the reads of `status` and `doctor` on a healthy, mid-rollout stack.

ECS speaks JSON (X-Amz-Target: Prefix.Operation); ELBv2 speaks the query protocol (Action=Operation in a
form body, XML answers). Answers depend on the request, not on arrival order, so concurrent reads get
the right ones. CloudWatch is left out (its CBOR protocol): the service has no rollback alarms.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs
from xml.sax.saxutils import escape

from tests.fake_endpoints import serve_handler, wire
from tests.ops_fixtures import (
    BLUE_TG, GREEN_TG, NEW_REVISION, OLD_REVISION, PROD_RULE_ARN, T0, deployment, revision_summary,
    revisions, rule, service, target_health, task, task_definition,
)

RUNNING = [task(1, ip="10.0.1.9"), task(2, ip="10.0.2.9")]
STOPPED = [task(3, stopped=T0, reason="Essential container in task exited", exit_code=1)]


def ecs_answer(operation: str, params: dict[str, Any]) -> dict[str, Any]:
    if operation == "DescribeServices":
        return service(primary=GREEN_TG, alternate=BLUE_TG)
    if operation == "DescribeServiceDeployments":
        return deployment("IN_PROGRESS", "BAKE_TIME", target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                          source=revision_summary(OLD_REVISION, 2, prod=0.0, test=0.0))
    if operation == "DescribeServiceRevisions":
        return revisions((OLD_REVISION, 7, BLUE_TG), (NEW_REVISION, 8, GREEN_TG))
    if operation == "DescribeTaskDefinition":
        number = int(params["taskDefinition"].rsplit(":", 1)[1])
        return task_definition(number, f"v{number - 6}")
    tasks = RUNNING if params.get("desiredStatus") == "RUNNING" else STOPPED
    if operation == "ListTasks":
        return {"taskArns": [t["taskArn"] for t in tasks]}
    if operation == "DescribeTasks":
        return {"tasks": [t for t in RUNNING + STOPPED if t["taskArn"] in params["tasks"]], "failures": []}
    raise KeyError(operation)


def elbv2_answer(operation: str, params: dict[str, str]) -> dict[str, Any]:
    if operation == "DescribeRules":
        return rule([(GREEN_TG, 100), (BLUE_TG, 0)] if params["RuleArns.member.1"] == PROD_RULE_ARN else [(BLUE_TG, 1)])
    if operation == "DescribeTargetHealth":
        live = params["TargetGroupArn"] == GREEN_TG
        return target_health(*[(ip, "healthy" if live else "unused", None if live else "Target.NotInUse")
                               for ip in ("10.0.1.9", "10.0.2.9")])
    raise KeyError(operation)


def query_xml(value: Any) -> str:
    """A document as the query protocol's XML: lists as <member> items."""
    if isinstance(value, dict):
        return "".join(f"<{key}>{query_xml(item)}</{key}>" for key, item in value.items())
    if isinstance(value, list):
        return "".join(f"<member>{query_xml(item)}</member>" for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


@dataclass
class SlowAws:
    latency: float
    held_together: list[Counter[str]] = field(default_factory=list)
    """For each call, the calls held at the moment it arrived (itself included)."""
    _held: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, operation: str, answer: Any) -> bytes:
        with self._lock:
            self._held[operation] += 1
            self.held_together.append(Counter(self._held))
        time.sleep(self.latency)
        with self._lock:
            self._held[operation] -= 1
        return answer

    def seen_together(self, *operations: str) -> bool:
        wanted = Counter(operations)
        return any(held >= wanted for held in self.held_together)

    def most_at_once(self) -> int:
        return max((held.total() for held in self.held_together), default=0)


@contextmanager
def slow_aws(api: SlowAws) -> Iterator[str]:
    """Serves `api` on 127.0.0.1; yields the base URL for AWS_ENDPOINT_URL."""

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as AWS does: botocore reuses connections

        def do_POST(self) -> None:  # noqa: N802 - the base class's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
            target = self.headers.get("X-Amz-Target")
            if target:
                operation = target.rsplit(".", 1)[-1]
                reply = json.dumps(wire(api.answer(operation, ecs_answer(operation, json.loads(body)))))
                kind = "application/x-amz-json-1.1"
            else:
                params = {name: values[0] for name, values in parse_qs(body).items()}
                operation = params["Action"]
                document = api.answer(operation, elbv2_answer(operation, params))
                reply = (f"<{operation}Response><{operation}Result>{query_xml(wire(document))}</{operation}Result>"
                         f"<ResponseMetadata><RequestId>slow</RequestId></ResponseMetadata></{operation}Response>")
                kind = "text/xml"
            data = reply.encode()
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            try:
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the CLI gave up first (its --deadline)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    with serve_handler(Handler) as url:
        yield url
