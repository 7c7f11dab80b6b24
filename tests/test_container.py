"""The image, proven: builds the real app/Dockerfile and runs the real container on every run.

It uses the build args and platform that `pulumi up` uses (ecs_bluegreen/container_image.py), adding
only BASE_IMAGE (a local stand-in, unless CONTAINER_TEST_BASE_IMAGE says otherwise) and the
machine's proxy variables. Containers run as the ECS task definition runs them: PORT set to the
container port, read-only root filesystem, writable scratch path, SIGTERM then the stop timeout.

Needs a Docker engine: the one running, or one this test starts (see tests/container_engine.py).
Without one the test fails; SKIP_CONTAINER_TESTS=1 skips it knowingly.
Environment: CONTAINER_TEST_BASE_IMAGE=default builds on the production base image (needs a
registry); any other value is used as the base image; unset, a stand-in is built and cached.
Takes about 3.5 minutes cold on a 2-core machine (installing docker.io and debootstrap, the
stand-in base image, pip install in the build) and 35-45 s warm (cached base and build layers).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from _pytest.capture import CaptureManager

from ecs_bluegreen.container_image import IMAGE_PLATFORM, image_build_args
from ecs_bluegreen.ecs_blue_green_service import (
    CONTAINER_HEALTH_CHECK_COMMAND,
    CONTAINER_SCRATCH_PATH,
    CONTAINER_STOP_TIMEOUT_SECONDS,
)
from settings import APP_DIR, DOCKERFILE, settings_for_stack_file
from tests.container_engine import Engine, EngineUnavailable, docker_engine, stand_in_base_image
from tests.inflight_requests import (PROC_NET_TCP_TABLES, InFlightRequests, Response, free_port, get, tcp_listener,
                                     wait_until)

pytestmark = [pytest.mark.container, pytest.mark.waits]

SKIP_VARIABLE = "SKIP_CONTAINER_TESTS"
BASE_IMAGE_VARIABLE = "CONTAINER_TEST_BASE_IMAGE"
APP_VERSION = "v-container-test"
IMAGE_TAG = "ecs-bluegreen-app:container-test"
CONTAINER_PREFIX = "ecs-bluegreen-test-"
# Docker passes these to a build without an ARG in the Dockerfile and keeps them out of the image.
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy")
# The command the task definition's container health check runs.
CLEAN_STOP_SECONDS = CONTAINER_STOP_TIMEOUT_SECONDS / 3
IN_FLIGHT_REQUESTS = 12
# How often to poll through the docker CLI (exec, logs, inspect): each call costs the engine and the
# CLI a tenth of a second of CPU, which the rest of the suite, running beside this test, needs.
DOCKER_POLL_SECONDS = 0.25
_names = itertools.count()


def stack_container_port() -> int:
    """The container port the dev stack configures."""
    return settings_for_stack_file("dev").service.container_port


@pytest.fixture(scope="module")
def say(pytestconfig: pytest.Config) -> Callable[[str], None]:
    """Prints progress past pytest's output capture: installs and one-off builds take minutes."""
    capture = pytestconfig.pluginmanager.getplugin("capturemanager")
    assert isinstance(capture, CaptureManager)

    def show(message: str) -> None:
        with capture.global_and_fixture_disabled():
            print(f"\n{message}", flush=True)

    return show


@pytest.fixture(scope="module")
def engine(say: Callable[[str], None]) -> Iterator[Engine]:
    if os.environ.get(SKIP_VARIABLE) == "1":
        pytest.skip(f"{SKIP_VARIABLE}=1: the image was not built or run")
    try:
        with docker_engine(say) as found:
            # Containers a killed run left behind (each is a full copy of the image on vfs).
            leftovers = found.docker("ps", "--all", "--quiet", "--filter", f"name={CONTAINER_PREFIX}",
                                     "--filter", "status=created", "--filter", "status=exited").stdout.split()
            if leftovers:
                found.docker("rm", "--volumes", *leftovers)
            yield found
    except EngineUnavailable as error:
        pytest.fail(f"no Docker engine for the container test: {error} (set {SKIP_VARIABLE}=1 to skip it)",
                    pytrace=False)


@pytest.fixture(scope="module")
def image(engine: Engine, say: Callable[[str], None]) -> str:
    build_args = dict(image_build_args(APP_VERSION))
    base_image = os.environ.get(BASE_IMAGE_VARIABLE)
    try:
        if base_image is None:
            build_args["BASE_IMAGE"] = stand_in_base_image(engine, say)
        elif base_image != "default":
            build_args["BASE_IMAGE"] = base_image
    except EngineUnavailable as error:
        pytest.fail(f"no base image for the container test: {error}", pytrace=False)
    build_args |= {name: os.environ[name] for name in PROXY_VARIABLES if os.environ.get(name)}

    command = ["build", "--platform", IMAGE_PLATFORM, "--network", "host", "--file", str(DOCKERFILE),
               "--tag", IMAGE_TAG, *(f"--build-arg={name}={value}" for name, value in build_args.items()),
               str(APP_DIR)]
    previous = engine.docker("image", "inspect", "--format", "{{.Id}}", IMAGE_TAG, check=False).stdout.strip()
    result = engine.docker(*command, timeout=900, check=False)
    if result.returncode != 0:
        pytest.fail(f"docker build failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}", pytrace=False)
    if previous and previous != inspect_image(engine, IMAGE_TAG)["Id"]:
        engine.docker("image", "rm", previous, check=False)  # the last run's build, now untagged
    return IMAGE_TAG


def inspect_image(engine: Engine, image: str) -> dict[str, Any]:
    return json.loads(engine.docker("image", "inspect", image).stdout)[0]


class Container:
    def __init__(self, engine: Engine, image: str, *run_options: str) -> None:
        self.engine = engine
        self.name = f"{CONTAINER_PREFIX}{os.getpid()}-{next(_names)}"
        try:
            engine.docker("run", "--detach", "--name", self.name, "--platform", IMAGE_PLATFORM, *run_options, image)
        except RuntimeError:
            self.remove()  # a container that failed to start still exists
            raise

    def logs(self) -> str:
        result = self.engine.docker("logs", self.name, check=False)
        return result.stdout + result.stderr

    def exec(self, *command: str) -> subprocess.CompletedProcess[str]:
        return self.engine.docker("exec", self.name, *command, check=False, timeout=30)

    def accept_queue_length(self, port: int) -> int | None:
        """Read inside the container, so it works wherever the engine runs (e.g. in a VM)."""
        listener = tcp_listener(self.exec("cat", *PROC_NET_TCP_TABLES).stdout, port)
        return None if listener is None else listener[1]

    def state(self) -> dict[str, Any]:
        return json.loads(self.engine.docker("inspect", "--format", "{{json .State}}", self.name).stdout)

    def remove(self) -> None:
        self.engine.docker("rm", "--force", "--volumes", self.name, check=False)


def served_on_host(engine: Engine, image: str) -> tuple[Container, int]:
    """The container on this host's network, read-only with a tmpfs at the scratch path."""
    port = free_port()
    container = Container(engine, image, "--network", "host", "--env", f"PORT={port}", "--read-only",
                          "--tmpfs", CONTAINER_SCRATCH_PATH)
    try:
        wait_until(lambda: _answers_or_exited(container, port), 30, f"the container answers on port {port}")
        assert container.state()["Running"], f"the container exited:\n{container.logs()}"
    except BaseException:
        container.remove()
        raise
    return container, port


def _answers_or_exited(container: Container, port: int) -> bool:
    try:
        return get(port, "/health", timeout=1).status == 200
    except OSError:
        return not container.state()["Running"]


@pytest.fixture(scope="module")
def served(engine: Engine, image: str) -> Iterator[int]:
    container, port = served_on_host(engine, image)
    yield port
    container.remove()


@pytest.fixture(scope="module")
def as_in_ecs(engine: Engine, image: str) -> Iterator[Container]:
    """Run like the task definition: PORT = the stack's container port, read-only root filesystem.

    It gets no tmpfs: the scratch path is the volume the image declares, which Docker (like ECS
    for the task definition's mount there) fills from the image, permissions included. Its own
    network namespace, so the stack's port cannot clash with anything on this machine.
    """
    container = Container(engine, image, "--network", "none", "--read-only",
                          "--env", f"PORT={stack_container_port()}")
    yield container
    container.remove()


def test_home_page_reports_the_version_passed_as_a_build_arg(served: int) -> None:
    home = get(served, "/")
    assert (home.status, home.body) == (200, f"Hello from ECS Fargate! Version: {APP_VERSION}")


def test_health_answers_ok(served: int) -> None:
    health = get(served, "/health")
    assert (health.status, health.body) == (200, "OK")


def test_the_image_runs_as_a_numeric_non_root_user(engine: Engine, image: str, as_in_ecs: Container) -> None:
    user = inspect_image(engine, image)["Config"]["User"]
    uid = user.split(":")[0]
    assert uid.isdigit() and int(uid) != 0, f"Config.User is {user!r}: ECS cannot verify a named user is not root"
    running_as = as_in_ecs.exec("id", "-u")
    assert running_as.stdout.strip() == uid, running_as


def test_the_image_declares_the_scratch_path_as_a_volume(engine: Engine, image: str) -> None:
    # ECS mounts the task's scratch volume root-owned 0755 unless the image declares a VOLUME at
    # that path, whose permissions it then copies; the non-root user could not write otherwise.
    assert CONTAINER_SCRATCH_PATH in (inspect_image(engine, image)["Config"]["Volumes"] or {})


def test_run_as_the_task_definition_runs_it_the_container_health_check_passes(as_in_ecs: Container) -> None:
    wait_until(lambda: as_in_ecs.exec(*CONTAINER_HEALTH_CHECK_COMMAND).returncode == 0 or not as_in_ecs.state()["Running"],
               30, f"the health check passes on port {stack_container_port()}", DOCKER_POLL_SECONDS)
    assert as_in_ecs.state()["Running"], f"the container exited:\n{as_in_ecs.logs()}"


def test_docker_stop_lets_in_flight_requests_finish_and_exits_zero(engine: Engine, image: str) -> None:
    container, port = served_on_host(engine, image)
    try:
        requests = InFlightRequests(port, "/", IN_FLIGHT_REQUESTS, lambda: container.accept_queue_length(port),
                                    DOCKER_POLL_SECONDS)
        requests.begin()
        started = time.monotonic()
        # Like ECS: SIGTERM, then SIGKILL once the stop timeout has passed.
        stop = subprocess.Popen(["docker", "stop", "--time", str(CONTAINER_STOP_TIMEOUT_SECONDS), container.name],
                                env=engine.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        wait_until(lambda: "Handling signal: term" in container.logs(), 10, "gunicorn logs the SIGTERM",
                   DOCKER_POLL_SECONDS)
        time.sleep(0.5)  # the master has just forwarded SIGTERM to its workers
        results = requests.complete()
        stop.wait(CONTAINER_STOP_TIMEOUT_SECONDS + 10)
        elapsed = time.monotonic() - started
        state = container.state()
    finally:
        container.remove()

    expected = f"Hello from ECS Fargate! Version: {APP_VERSION}"
    failed = [r for r in results if not (isinstance(r, Response) and r.status == 200 and r.body == expected)]
    assert not failed, f"{len(failed)} of {len(results)} in-flight requests failed: {failed[:3]}"
    # Served by workers already stopping (they close what they answer): the requests were in flight.
    assert {r.headers.get("connection") for r in results if isinstance(r, Response)} == {"close"}
    assert state["ExitCode"] == 0 and not state["OOMKilled"], state
    assert elapsed < CLEAN_STOP_SECONDS, f"docker stop took {elapsed:.1f} s"
