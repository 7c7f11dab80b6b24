"""The Flask app, and the exact server command its container runs, exercised on this machine.

The server is started with the Dockerfile's own CMD (read from the Dockerfile, not copied), from
the build context directory, with PORT and APP_VERSION set the way the ECS task definition sets them.
"""

from __future__ import annotations

import http.server
import json
import os
import runpy
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.app import app as flask_app
from ecs_bluegreen.ecs_blue_green_service import CONTAINER_SCRATCH_PATH, CONTAINER_STOP_TIMEOUT_SECONDS
from settings import APP_DIR, DOCKERFILE
from tests.inflight_requests import InFlightRequests, Response, answers, free_port, get, listening_address, wait_until

pytestmark = pytest.mark.waits

APP_VERSION = "v-test-42"
# "Well within" the ECS stop timeout: a clean stop with nothing stuck takes a couple of seconds.
CLEAN_STOP_SECONDS = CONTAINER_STOP_TIMEOUT_SECONDS / 3
# The master must reap its workers and exit before ECS's SIGKILL, with time to spare.
STOP_MARGIN_SECONDS = 5
IN_FLIGHT_REQUESTS = 12  # more than the server's threads (2 workers x 4), so some wait in a queue


def container_command() -> list[str]:
    """The Dockerfile's CMD (exec form), its program resolved in this Python's environment."""
    lines = [line for line in DOCKERFILE.read_text().splitlines() if line.startswith("CMD ")]
    assert len(lines) == 1, f"expected one CMD line in {DOCKERFILE}, found {lines}"
    argv = json.loads(lines[0].removeprefix("CMD "))
    program = shutil.which(argv[0], path=str(Path(sys.executable).parent))
    assert program, f"{argv[0]} is not installed next to {sys.executable}"
    return [program, *argv[1:]]


class Server:
    """The container's server command, running here on `port`; its output goes to `log`."""

    def __init__(self, port: int, log: Path, app_version: str = APP_VERSION, extra_args: str = "") -> None:
        self.port = port
        self.log = log
        # GUNICORN_CMD_ARGS overrides gunicorn.conf.py, e.g. to shorten a timeout a test would wait out.
        env = {**os.environ, "PORT": str(port), "APP_VERSION": app_version, "GUNICORN_CMD_ARGS": extra_args}
        with open(log, "wb") as output:
            self.process = subprocess.Popen(container_command(), cwd=APP_DIR, env=env,
                                            stdout=output, stderr=subprocess.STDOUT)

    def wait_until_serving(self) -> None:
        wait_until(lambda: answers(self.port, "/health") or self.process.poll() is not None, 20,
                   f"the server answers on port {self.port}")
        assert self.process.poll() is None, f"the server exited early:\n{self.log.read_text()}"

    def terminate(self) -> float:
        """Sends SIGTERM, as ECS does, and returns when the master has started shutting down."""
        sent = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        wait_until(lambda: "Handling signal: term" in self.log.read_text(), 5, "gunicorn logs the SIGTERM")
        # The master has just forwarded SIGTERM to its workers; give them a moment to stop accepting.
        time.sleep(0.5)
        return sent

    def wait_for_exit(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"the server did not exit within {timeout:g} s:\n{self.log.read_text()}") from None

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = Server(free_port(), tmp_path / "server.log")
    try:
        running.wait_until_serving()
        yield running
    finally:
        running.kill()


def run_healthcheck(port: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(APP_DIR / "healthcheck.py")], env={**os.environ, "PORT": str(port)},
                          capture_output=True, text=True, timeout=10)


# --- the routes -------------------------------------------------------------------------------------


def test_home_page_reports_the_version_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_VERSION", "v7")
    response = flask_app.test_client().get("/")
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "Hello from ECS Fargate! Version: v7"


def test_home_page_without_a_version_says_unknown(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("APP_VERSION", raising=False)
    assert flask_app.test_client().get("/").get_data(as_text=True) == "Hello from ECS Fargate! Version: unknown"


def test_health_answers_ok() -> None:
    response = flask_app.test_client().get("/health")
    assert (response.status_code, response.get_data(as_text=True)) == (200, "OK")


# --- the production server --------------------------------------------------------------------------


def test_server_serves_both_routes_on_port_from_the_environment(server: Server) -> None:
    home = get(server.port, "/")
    assert (home.status, home.body) == (200, f"Hello from ECS Fargate! Version: {APP_VERSION}")
    health = get(server.port, "/health")
    assert (health.status, health.body) == (200, "OK")


def test_server_listens_on_all_interfaces_so_the_load_balancer_can_reach_it(server: Server) -> None:
    # The ALB connects to the task's own address, never to its loopback.
    assert listening_address(server.port) == "0.0.0.0"


def test_server_writes_an_access_log_line_per_request_to_stdout(server: Server) -> None:
    get(server.port, "/health")
    wait_until(lambda: '"GET /health HTTP/1.1" 200' in server.log.read_text(), 5, "the access log shows the request")


def test_sigterm_lets_in_flight_requests_finish_and_exits_zero_well_within_the_stop_timeout(server: Server) -> None:
    requests = InFlightRequests(server.port, "/", IN_FLIGHT_REQUESTS)
    requests.begin()
    sent = server.terminate()

    results = requests.complete()
    exit_code = server.wait_for_exit(CONTAINER_STOP_TIMEOUT_SECONDS)
    elapsed = time.monotonic() - sent

    expected = f"Hello from ECS Fargate! Version: {APP_VERSION}"
    failed = [r for r in results if not (isinstance(r, Response) and r.status == 200 and r.body == expected)]
    assert not failed, f"{len(failed)} of {len(results)} in-flight requests failed: {failed[:3]}"
    # Proof the requests were served by workers that had already been told to stop (a stopping
    # gunicorn worker closes every connection it answers); otherwise this test proved nothing.
    assert {r.headers.get("connection") for r in results if isinstance(r, Response)} == {"close"}
    assert exit_code == 0, server.log.read_text()
    assert elapsed < CLEAN_STOP_SECONDS, f"took {elapsed:.1f} s to stop"


def test_the_graceful_timeout_ends_before_ecs_sends_sigkill() -> None:
    graceful_timeout = runpy.run_path(str(APP_DIR / "gunicorn.conf.py"))["graceful_timeout"]
    assert graceful_timeout <= CONTAINER_STOP_TIMEOUT_SECONDS - STOP_MARGIN_SECONDS


def test_a_stalled_client_cannot_hold_the_server_past_its_graceful_timeout(tmp_path: Path) -> None:
    """The mechanism the stop timeout relies on, with the graceful timeout shortened to 3 s (the
    container's 20 s is checked against the ECS stop timeout above)."""
    graceful_timeout = 3
    server = Server(free_port(), tmp_path / "server.log", extra_args=f"--graceful-timeout {graceful_timeout}")
    try:
        server.wait_until_serving()
        stalled = InFlightRequests(server.port, "/", 1)
        stalled.begin()
        try:
            sent = server.terminate()
            exit_code = server.wait_for_exit(CONTAINER_STOP_TIMEOUT_SECONDS)
            elapsed = time.monotonic() - sent
        finally:
            stalled.close()
    finally:
        server.kill()
    assert exit_code == 0, server.log.read_text()
    assert graceful_timeout <= elapsed <= graceful_timeout + STOP_MARGIN_SECONDS, f"took {elapsed:.1f} s to stop"


def test_an_invalid_port_stops_the_server_with_a_one_line_error(tmp_path: Path) -> None:
    result = subprocess.run(container_command(), cwd=APP_DIR, env={**os.environ, "PORT": "80a"},
                            capture_output=True, text=True, timeout=20)
    assert result.returncode != 0
    assert result.stderr.strip() == "gunicorn.conf.py: PORT must be a TCP port number (1-65535), got '80a'"


def test_worker_heartbeat_files_go_to_the_task_definitions_scratch_path() -> None:
    # With a read-only root filesystem this is the one writable path (tests/test_container.py runs it so).
    config = runpy.run_path(str(APP_DIR / "gunicorn.conf.py"))
    assert config["worker_tmp_dir"] == CONTAINER_SCRATCH_PATH


# --- the container health check ---------------------------------------------------------------------


def test_healthcheck_passes_against_the_running_server(server: Server) -> None:
    result = run_healthcheck(server.port)
    assert result.returncode == 0, result.stderr


def test_healthcheck_fails_when_nothing_listens() -> None:
    result = run_healthcheck(free_port())
    assert result.returncode == 1
    assert "unhealthy" in result.stderr


class _Unavailable(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_error(503)

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_healthcheck_fails_when_the_server_answers_an_error() -> None:
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Unavailable) as unavailable:
        threading.Thread(target=unavailable.serve_forever, daemon=True).start()
        try:
            result = run_healthcheck(unavailable.server_address[1])
        finally:
            unavailable.shutdown()
    assert result.returncode == 1
    assert "answered 503" in result.stderr


def test_healthcheck_fails_within_two_seconds_when_the_server_never_answers() -> None:
    with socket.socket() as silent:  # accepts connections (the kernel does) but never responds
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.monotonic()
        result = run_healthcheck(silent.getsockname()[1])
        elapsed = time.monotonic() - started
    assert result.returncode == 1
    assert "no answer within 2 s" in result.stderr
    assert elapsed < 4, f"took {elapsed:.1f} s"  # 2 s deadline + interpreter start-up
