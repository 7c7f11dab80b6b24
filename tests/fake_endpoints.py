"""Loopback endpoints for the real `python -m ops` process: a scripted AWS JSON API, a dead endpoint, a web app.

Only 127.0.0.1; each runs in a daemon thread for the length of a `with` block.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def wire(value: Any) -> Any:
    """A canned boto3-style response as the JSON protocol sends it (timestamps as epoch seconds)."""
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, Mapping):
        return {key: wire(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [wire(item) for item in value]
    return value


@dataclass
class Answer:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def json_answer(document: Any, status: int = 200) -> Answer:
    return Answer(status, json.dumps(wire(document)).encode(), {"Content-Type": "application/x-amz-json-1.1"})


SERVICE_UNAVAILABLE = Answer(503, b'{"__type": "ServerException", "message": "Service Unavailable"}',
                             {"Content-Type": "application/x-amz-json-1.1"})


@dataclass
class ScriptedJsonApi:
    """Answers each JSON-protocol operation (X-Amz-Target: Prefix.Operation) from its own queue, in order."""

    script: dict[str, list[Answer]]
    calls: list[str] = field(default_factory=list)

    def answer(self, target: str) -> Answer:
        operation = target.rsplit(".", 1)[-1]
        self.calls.append(operation)
        queue = self.script.get(operation, [])
        if not queue:
            return Answer(400, json.dumps({"__type": "UnexpectedCall", "message": operation}).encode())
        return queue.pop(0) if len(queue) > 1 else queue[0]  # the last answer repeats


@contextmanager
def serve(respond: Callable[[BaseHTTPRequestHandler], Answer]) -> Iterator[str]:
    """An HTTP server on 127.0.0.1 answering every request with `respond(request)`; yields its base URL."""

    class Handler(BaseHTTPRequestHandler):
        def _reply(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            self.rfile.read(length)
            answer = respond(self)
            self.send_response(answer.status)
            for name, value in {"Content-Length": str(len(answer.body)), **answer.headers}.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(answer.body)

        do_GET = do_POST = _reply

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the base class's name
            pass

    with serve_handler(Handler) as url:
        yield url


@contextmanager
def serve_handler(handler_class: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """Run `handler_class` on a free 127.0.0.1 port in a daemon thread; yield its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def scripted_aws(api: ScriptedJsonApi) -> Iterator[str]:
    with serve(lambda request: api.answer(request.headers.get("X-Amz-Target", ""))) as url:
        yield url


@contextmanager
def dead_endpoint() -> Iterator[str]:
    """Accepts TCP connections (the kernel completes the handshake) and never reads or answers."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        listener.close()
