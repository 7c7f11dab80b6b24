"""The smoke-test lifecycle hook (ecs_bluegreen/hooks/smoke_test) against real HTTP servers on loopback.

Nothing is mocked. The app runs under gunicorn with app/gunicorn.conf.py, as app/Dockerfile runs
it; in front of it a small proxy plays the ALB's test listener rule: it forwards only requests
that carry the test header with the secret value and answers 404 to anything else. Retries are
driven the way ECS drives them: each IN_PROGRESS answer's hookDetails go into the next event.
The whole module takes about 7 s (gunicorn start-up and a few 1 s request deadlines).
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import secrets
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ecs_bluegreen.hooks.smoke_test import handler as hook
from tests.fake_endpoints import serve_handler

pytestmark = pytest.mark.waits

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_DIR = REPO_ROOT / "app"
HOOK_DIR = REPO_ROOT / "ecs_bluegreen" / "hooks" / "smoke_test"

APP_VERSION = "v2"
HEADER_NAME = "X-Bluegreen-Test"
SECRET = secrets.token_hex(16)

SERVICE_ARN = "arn:aws:ecs:us-west-2:123456789012:service/bluegreen/web"
GREEN_REVISION_ARN = "arn:aws:ecs:us-west-2:123456789012:service-revision/bluegreen/web/222"
BLUE_REVISION_ARN = "arn:aws:ecs:us-west-2:123456789012:service-revision/bluegreen/web/111"


# ---------------------------------------------------------------------------------------------
# Servers


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _answer(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@dataclass
class ProxyState:
    # False plays a green target group whose tasks are not yet healthy: the ALB answers 503.
    targets_ready: bool = True


def _test_listener_rule(upstream_port: int, state: ProxyState) -> type[BaseHTTPRequestHandler]:
    class TestListenerRule(_QuietHandler):
        def do_GET(self) -> None:
            if self.headers.get(HEADER_NAME) != SECRET:
                self._answer(404, b"no listener rule matched")
                return
            if not state.targets_ready:
                self._answer(503, b"no healthy targets")
                return
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=5)
            try:
                upstream.request("GET", self.path)
                response = upstream.getresponse()
                self._answer(response.status, response.read())
            finally:
                upstream.close()

    return TestListenerRule


def _fixed_answer(status: int, headers: Callable[[str], dict[str, str]] | None = None
                  ) -> type[BaseHTTPRequestHandler]:
    class FixedAnswer(_QuietHandler):
        def do_GET(self) -> None:
            self._answer(status, b"fixed answer", headers(self.path) if headers else None)

    return FixedAnswer


@pytest.fixture(scope="module")
def app_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The real app under gunicorn, as the Dockerfile's CMD runs it, bound to loopback."""
    port = _free_port()
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py",
             "--bind", f"127.0.0.1:{port}", "app:app"],
            cwd=APP_DIR, env={**os.environ, "APP_VERSION": APP_VERSION, "PORT": str(port)},
            stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1):
                    break
            except (urllib.error.URLError, OSError):
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not serve the app:\n{log_path.read_text()}")
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="module")
def green_url(app_port: int) -> Iterator[str]:
    """The app reached through the header-matched test listener rule."""
    with serve_handler(_test_listener_rule(app_port, ProxyState())) as url:
        yield url


@pytest.fixture(autouse=True)
def hook_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TEST_HEADER_NAME", HEADER_NAME)
    monkeypatch.setenv("TEST_HEADER_VALUE", SECRET)
    monkeypatch.setenv("REQUEST_TIMEOUT_SECONDS", "1")


# ---------------------------------------------------------------------------------------------
# ECS, as far as the hook can see it


def hook_details(base_url: str, **overrides: Any) -> dict[str, Any]:
    return {"baseUrl": base_url, "expectedVersion": APP_VERSION, "healthPath": "/health",
            "versionPath": "/", "maxAttempts": 3, "callbackDelaySeconds": 7, **overrides}


def ecs_event(details: Any, shape: str = "documented") -> dict[str, Any]:
    """A POST_TEST_TRAFFIC_SHIFT invocation; `shape` says where the fields sit."""
    execution_details: dict[str, Any] = {
        "serviceArn": SERVICE_ARN,
        "targetServiceRevisionArn": GREEN_REVISION_ARN,
        "testTrafficWeights": {GREEN_REVISION_ARN: 100, BLUE_REVISION_ARN: 0},
        "productionTrafficWeights": {GREEN_REVISION_ARN: 0, BLUE_REVISION_ARN: 100},
    }
    top_level: dict[str, Any] = {
        "executionId": "3a0345ba-b029-404b-890d-7da2a4b266aa",
        "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
        "resourceArn": "arn:aws:ecs:us-west-2:123456789012:service-deployment/bluegreen/web/EZe5",
    }
    if shape.endswith("json-string"):
        details = json.dumps(details)
    if shape.startswith("documented"):  # as in the ECS developer guide
        return {**top_level, "executionDetails": execution_details, "hookDetails": details}
    if shape.startswith("nested"):
        return {**top_level, "executionDetails": {**execution_details, "hookDetails": details}}
    if shape == "flat":
        return {**top_level, **execution_details, "hookDetails": details}
    raise ValueError(shape)


def drive(details: dict[str, Any], feedback: str = "replace",
          between_calls: Callable[[], None] = lambda: None) -> list[dict[str, Any]]:
    """Invoke the hook as ECS does until it stops answering IN_PROGRESS; return every answer.

    feedback="replace": the next event carries only the returned hookDetails;
    feedback="merge": the returned hookDetails are merged into the configured ones.
    """
    answers: list[dict[str, Any]] = []
    current = details
    for _ in range(20):
        answer = hook.handler(ecs_event(current), None)
        answers.append(answer)
        if answer["hookStatus"] != "IN_PROGRESS":
            return answers
        current = answer["hookDetails"] if feedback == "replace" else {**details,
                                                                       **answer["hookDetails"]}
        between_calls()
    pytest.fail(f"the hook answered IN_PROGRESS 20 times: {answers}")


def hook_logs(caplog: pytest.LogCaptureFixture) -> list[dict[str, Any]]:
    return [json.loads(record.getMessage()) for record in caplog.records
            if record.name == "smoke_test"]


@pytest.fixture(autouse=True)
def capture_hook_logs(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="smoke_test")


def assert_retried_then_failed(answers: list[dict[str, Any]], caplog: pytest.LogCaptureFixture,
                               max_attempts: int = 3) -> list[dict[str, Any]]:
    """The budget was spent: IN_PROGRESS with the configured delay, then FAILED; returns logs."""
    assert [a["hookStatus"] for a in answers] == ["IN_PROGRESS"] * (max_attempts - 1) + ["FAILED"]
    assert all(a["callBackDelay"] == 7 for a in answers[:-1])
    logs = hook_logs(caplog)
    assert [line["attempt"] for line in logs] == list(range(1, max_attempts + 1))
    assert [line["hookStatus"] for line in logs] == [a["hookStatus"] for a in answers]
    return logs


# ---------------------------------------------------------------------------------------------
# Passing


def test_new_revision_reporting_the_expected_version_succeeds(
        green_url: str, caplog: pytest.LogCaptureFixture) -> None:
    answer = hook.handler(ecs_event(hook_details(green_url)), None)

    assert answer == {"hookStatus": "SUCCEEDED"}
    [line] = hook_logs(caplog)
    assert line["attempt"] == 1
    assert line["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert line["serviceArn"] == SERVICE_ARN
    assert line["targetServiceRevisionArn"] == GREEN_REVISION_ARN


@pytest.mark.parametrize("shape", ["documented", "documented-json-string", "nested",
                                   "nested-json-string", "flat"])
def test_event_fields_are_read_at_the_top_level_or_under_execution_details(
        green_url: str, shape: str, caplog: pytest.LogCaptureFixture) -> None:
    answer = hook.handler(ecs_event(hook_details(green_url), shape), None)

    assert answer == {"hookStatus": "SUCCEEDED"}
    assert hook_logs(caplog)[0]["targetServiceRevisionArn"] == GREEN_REVISION_ARN


def test_tasks_still_warming_up_pass_on_a_later_attempt(app_port: int) -> None:
    state = ProxyState(targets_ready=False)

    def targets_become_healthy() -> None:
        state.targets_ready = True

    with serve_handler(_test_listener_rule(app_port, state)) as url:
        answers = drive(hook_details(url), between_calls=targets_become_healthy)

    assert answers == [
        {"hookStatus": "IN_PROGRESS", "callBackDelay": 7,
         "hookDetails": {**hook_details(url), hook.ATTEMPT_KEY: 1}},
        {"hookStatus": "SUCCEEDED"},
    ]


def test_with_the_version_check_off_a_healthy_app_passes_whatever_version_it_reports(
        green_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # The app reports v2; an app that prints no version at all is the same to the hook.
    answer = hook.handler(ecs_event(hook_details(green_url, expectedVersion="v3", checkVersion=False)), None)

    assert answer == {"hookStatus": "SUCCEEDED"}
    [line] = hook_logs(caplog)
    assert line["expectedVersion"] == "v3", "still logged: the version the rollout deploys"


def test_with_the_version_check_off_the_health_check_still_decides(caplog: pytest.LogCaptureFixture) -> None:
    with serve_handler(_fixed_answer(503)) as url:
        answers = drive(hook_details(url, checkVersion=False))

    logs = assert_retried_then_failed(answers, caplog)
    assert (logs[-1]["failedCheck"], logs[-1]["statusCode"]) == ("health", 503)


# ---------------------------------------------------------------------------------------------
# Failing: retried within the budget, then FAILED so that ECS rolls back


@pytest.mark.parametrize("feedback", ["replace", "merge"])
def test_wrong_version_is_retried_then_fails(
        green_url: str, feedback: str, caplog: pytest.LogCaptureFixture) -> None:
    answers = drive(hook_details(green_url, expectedVersion="v3"), feedback)

    logs = assert_retried_then_failed(answers, caplog)
    assert logs[-1]["failedCheck"] == "version"
    assert logs[-1]["reason"] == "expected version 'v3', found 'v2'"


def test_version_prefix_is_not_a_match(green_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # The app reports v2; a check for "v" must not pass on a substring.
    answers = drive(hook_details(green_url, expectedVersion="v"))

    assert_retried_then_failed(answers, caplog)


def test_server_error_is_retried_then_fails(caplog: pytest.LogCaptureFixture) -> None:
    with serve_handler(_fixed_answer(500)) as url:
        answers = drive(hook_details(url))

    logs = assert_retried_then_failed(answers, caplog)
    assert (logs[-1]["failedCheck"], logs[-1]["statusCode"]) == ("health", 500)


def test_refused_connection_is_retried_then_fails(caplog: pytest.LogCaptureFixture) -> None:
    answers = drive(hook_details(f"http://127.0.0.1:{_free_port()}"))

    logs = assert_retried_then_failed(answers, caplog)
    assert logs[-1]["failedCheck"] == "health"
    assert logs[-1]["statusCode"] is None
    assert "refused" in logs[-1]["reason"].lower()


def test_unanswered_request_times_out_then_fails(caplog: pytest.LogCaptureFixture) -> None:
    """A target that accepts connections but never answers; takes about 2 s (1 s timeouts)."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        answers = drive(hook_details(f"http://127.0.0.1:{silent.getsockname()[1]}",
                                     maxAttempts=2))
        elapsed = time.monotonic() - started

    logs = assert_retried_then_failed(answers, caplog, max_attempts=2)
    assert "timed out" in logs[-1]["reason"]
    assert elapsed < 5, "REQUEST_TIMEOUT_SECONDS=1 was not applied"


@contextmanager
def _trickling_target(seconds_per_byte: float, stop_after: float = 10.0) -> Iterator[str]:
    """Accepts connections and answers one byte of a status line every `seconds_per_byte`: each read
    completes well within any socket timeout, but the answer never does (until `stop_after`)."""
    done = threading.Event()
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while not done.is_set():
            try:
                connection, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=trickle, args=(connection,), daemon=True).start()

    def trickle(connection: socket.socket) -> None:
        with connection:
            for byte in b"HTTP/1.1 200 OK\r\nX-Padding: " + b"a" * 1000:
                if done.wait(seconds_per_byte):
                    return
                try:
                    connection.sendall(bytes([byte]))
                except OSError:
                    return

    threading.Thread(target=serve, daemon=True).start()
    threading.Timer(stop_after, done.set).start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        done.set()
        listener.close()


def test_a_trickling_target_cannot_hold_a_check_past_its_deadline(caplog: pytest.LogCaptureFixture) -> None:
    """With REQUEST_TIMEOUT_SECONDS=1 no single read times out (a byte every 0.2 s), yet the check
    ends after 1 s: the hook answers and logs within its own budget."""
    with _trickling_target(seconds_per_byte=0.2) as url:
        started = time.monotonic()
        answers = drive(hook_details(url, maxAttempts=1))
        elapsed = time.monotonic() - started

    assert [a["hookStatus"] for a in answers] == ["FAILED"]
    [log] = hook_logs(caplog)
    assert (log["attempt"], log["failedCheck"], log["statusCode"]) == (1, "health", None)
    assert log["reason"] == "timed out: no complete answer within 1 s"
    assert elapsed < 1.8, f"the check took {elapsed:.1f} s"


def test_a_deadline_spent_resolving_the_name_still_ends_the_check(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The watchdog fires while there is no socket to shut yet (slow DNS); the check must still stop
    at once instead of reading a trickling answer with a fresh per-read timeout."""
    resolve = socket.getaddrinfo

    def slow_resolve(*args: Any, **kwargs: Any) -> Any:
        time.sleep(1.5)  # longer than REQUEST_TIMEOUT_SECONDS=1
        return resolve(*args, **kwargs)

    with _trickling_target(seconds_per_byte=0.3) as url:
        monkeypatch.setattr(socket, "getaddrinfo", slow_resolve)
        started = time.monotonic()
        answers = drive(hook_details(url, maxAttempts=1))
        elapsed = time.monotonic() - started

    assert [a["hookStatus"] for a in answers] == ["FAILED"]
    [log] = hook_logs(caplog)
    assert log["reason"].startswith("timed out"), log["reason"]
    assert elapsed < 2.5, f"the check took {elapsed:.1f} s"


@dataclass
class FakeLambdaContext:
    remaining_millis: int

    def get_remaining_time_in_millis(self) -> int:
        return self.remaining_millis


def test_checks_stop_in_time_for_the_answer_before_the_function_times_out(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv("REQUEST_TIMEOUT_SECONDS", "20")  # longer than the function has left
    remaining_millis = int((hook.ANSWER_RESERVE_SECONDS + 0.5) * 1000)
    with _trickling_target(seconds_per_byte=0.2) as url:
        started = time.monotonic()
        answer = hook.handler(ecs_event(hook_details(url)), FakeLambdaContext(remaining_millis))
        elapsed = time.monotonic() - started

    assert answer["hookStatus"] == "IN_PROGRESS"
    [log] = hook_logs(caplog)
    assert log["reason"].startswith("timed out: no complete answer within 0.")
    assert elapsed < remaining_millis / 1000 - 1, "the answer must leave time before the function's timeout"


def test_redirect_is_not_followed(green_url: str, caplog: pytest.LogCaptureFixture) -> None:
    # Following it would reach the healthy app (and hand the secret header to another host).
    def to_green(path: str) -> dict[str, str]:
        return {"Location": green_url + path}

    with serve_handler(_fixed_answer(302, to_green)) as url:
        answers = drive(hook_details(url))

    logs = assert_retried_then_failed(answers, caplog)
    assert logs[-1]["statusCode"] == 302


@pytest.mark.parametrize("variable, value", [("TEST_HEADER_VALUE", "not-the-secret"),
                                             ("TEST_HEADER_NAME", "X-Other-Header")])
def test_request_without_the_matching_test_header_does_not_pass(
        green_url: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(variable, value)

    answers = drive(hook_details(green_url))

    logs = assert_retried_then_failed(answers, caplog)
    assert logs[-1]["statusCode"] == 404


# ---------------------------------------------------------------------------------------------
# Misconfiguration: FAILED at once, with a log line naming what is wrong


@pytest.mark.parametrize("change, named", [
    (lambda d: d.pop("baseUrl"), "baseUrl"),
    (lambda d: d.update(baseUrl="alb-123.us-west-2.elb.amazonaws.com"), "baseUrl"),
    (lambda d: d.pop("expectedVersion"), "expectedVersion"),
    (lambda d: d.update(expectedVersion=""), "expectedVersion"),
    (lambda d: d.update(maxAttempts=0), "maxAttempts"),
    (lambda d: d.update(maxAttempts="10"), "maxAttempts"),
    (lambda d: d.update(callbackDelaySeconds=True), "callbackDelaySeconds"),
    (lambda d: d.update(healthPath="health"), "healthPath"),
    (lambda d: d.update(checkVersion="false"), "checkVersion"),
], ids=["no-baseUrl", "baseUrl-without-scheme", "no-expectedVersion", "empty-expectedVersion",
        "zero-maxAttempts", "string-maxAttempts", "bool-callbackDelaySeconds",
        "relative-healthPath", "string-checkVersion"])
def test_bad_hook_details_fail_at_once(green_url: str, change: Callable[[dict[str, Any]], Any],
                                       named: str, caplog: pytest.LogCaptureFixture) -> None:
    details = hook_details(green_url)
    change(details)

    answer = hook.handler(ecs_event(details), None)

    assert answer == {"hookStatus": "FAILED"}
    [line] = hook_logs(caplog)
    assert f"hookDetails.{named}" in line["error"]


@pytest.mark.parametrize("event", [
    {"executionDetails": {"serviceArn": SERVICE_ARN}},
    {"hookDetails": "{not json"},
    {"hookDetails": "[]"},
], ids=["no-hookDetails", "invalid-json", "json-array"])
def test_missing_or_malformed_hook_details_fail_at_once(
        event: dict[str, Any], caplog: pytest.LogCaptureFixture) -> None:
    assert hook.handler(event, None) == {"hookStatus": "FAILED"}
    assert "hookDetails" in hook_logs(caplog)[0]["error"]


@pytest.mark.parametrize("variable, value", [
    ("TEST_HEADER_NAME", None), ("TEST_HEADER_NAME", "Bad Header"),
    ("TEST_HEADER_VALUE", None), ("TEST_HEADER_VALUE", ""),
    ("REQUEST_TIMEOUT_SECONDS", "soon"), ("REQUEST_TIMEOUT_SECONDS", "0"),
])
def test_bad_environment_fails_at_once(
        green_url: str, monkeypatch: pytest.MonkeyPatch, variable: str, value: str | None,
        caplog: pytest.LogCaptureFixture) -> None:
    if value is None:
        monkeypatch.delenv(variable)
    else:
        monkeypatch.setenv(variable, value)

    answer = hook.handler(ecs_event(hook_details(green_url)), None)

    assert answer == {"hookStatus": "FAILED"}
    assert variable in hook_logs(caplog)[0]["error"]


# ---------------------------------------------------------------------------------------------
# Packaging and secrecy


def test_secret_header_value_is_never_logged(
        green_url: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    hook.handler(ecs_event(hook_details(green_url)), None)
    drive(hook_details(green_url, expectedVersion="v3"))
    monkeypatch.setenv("TEST_HEADER_VALUE", SECRET + "\nInjected: header")
    hook.handler(ecs_event(hook_details(green_url)), None)

    assert [line["hookStatus"] for line in hook_logs(caplog)][-1] == "FAILED"
    assert SECRET not in caplog.text


def test_handler_needs_nothing_beyond_the_standard_library() -> None:
    # The function ships handler.py alone; -S leaves site-packages off sys.path.
    result = subprocess.run(
        [sys.executable, "-S", "-c", "import handler; print(handler.handler.__name__)"],
        cwd=HOOK_DIR, capture_output=True, text=True, timeout=30)

    assert result.returncode == 0, result.stderr
