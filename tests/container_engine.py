"""A Docker engine and a base image for tests/test_container.py.

The engine is the one already running (DOCKER_HOST, or the default socket) if it answers; otherwise
one is started here on a private socket and stopped again by PID. Machines without a registry
cannot pull the production base image, so a stand-in base (Debian bookworm with Python and pip,
like the production `python:3.12-slim-bookworm`) is made with debootstrap and kept, tagged by a
hash of its recipe, for later runs.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

CACHE_DIR = Path(
    os.environ.get("CONTAINER_TEST_CACHE_DIR")
    or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ecs-bluegreen-container-test"
)
# Debian packages this file installs when a tool is missing (on CI, which runs as root).
PACKAGE_OF_TOOL = {"dockerd": "docker.io", "debootstrap": "debootstrap"}

ENGINE_START_SECONDS = 90
ANOTHER_RUN_WAIT_SECONDS = 900

# Part of the stand-in's cache key: raise it when a change to the build below changes the image.
STAND_IN_RECIPE_REVISION = "2"
STAND_IN_SUITE = "bookworm"  # the production base is python:3.12-slim-bookworm
STAND_IN_PACKAGES = ("python3", "python3-pip", "python-is-python3", "ca-certificates")
STAND_IN_CHANGES = (
    # An imported image has no environment; the production base sets PATH like Debian's images do.
    "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    # Debian marks its Python as externally managed (PEP 668); the production image's Python is not.
    "ENV PIP_BREAK_SYSTEM_PACKAGES=1",
)
# The stand-in trusts what this machine trusts, so pip inside a build reaches the index the same way.
HOST_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")


class EngineUnavailable(RuntimeError):
    """No Docker engine could be found or started; the message says why, in one line."""


@dataclass(frozen=True)
class Engine:
    env: dict[str, str]
    """The environment for `docker` commands (DOCKER_HOST points at the engine)."""
    description: str

    def docker(self, *args: str, timeout: float = 120, stdin: int | None = None,
               check: bool = True) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(["docker", *args], env=self.env, stdin=stdin, capture_output=True,
                                text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise RuntimeError(f"docker {' '.join(args)} exited {result.returncode}: "
                               f"{(result.stderr or result.stdout).strip()}")
        return result


def _answers(env: dict[str, str]) -> bool:
    try:
        return subprocess.run(["docker", "version", "--format", "{{.Server.Version}}"], env=env,
                              capture_output=True, timeout=15).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_tool(tool: str, say: Callable[[str], None]) -> str:
    """The path of `tool`, installing its Debian package first if it is missing and we can."""
    found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if found:
        return found
    package = PACKAGE_OF_TOOL[tool]
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        raise EngineUnavailable(f"'{tool}' is missing and can only be installed here as root with "
                                f"apt-get (package {package})")
    say(f"container test: installing Debian package {package} (for {tool}) with apt-get")
    apt_env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "--no-install-recommends", package]):
        result = subprocess.run(command, env=apt_env, capture_output=True, text=True, timeout=600)
        if result.returncode != 0:
            last_line = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
            raise EngineUnavailable(f"'{' '.join(command)}' failed: {' '.join(last_line)}")
    found = shutil.which(tool) or shutil.which(tool, path="/usr/sbin:/sbin")
    if not found:
        raise EngineUnavailable(f"installed {package} but '{tool}' is still not on PATH")
    return found


@contextmanager
def _exclusive_cache(say: Callable[[str], None]) -> Iterator[None]:
    """One private engine per cache directory: a second concurrent run waits for the first."""
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with open(CACHE_DIR / "lock", "w") as lock:
        deadline = time.monotonic() + ANOTHER_RUN_WAIT_SECONDS
        told = False
        while True:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise EngineUnavailable(f"another run still holds {CACHE_DIR / 'lock'} after "
                                            f"{ANOTHER_RUN_WAIT_SECONDS} s") from None
                if not told:
                    say(f"container test: waiting for another run to release {CACHE_DIR}")
                    told = True
                time.sleep(2)
        yield


def _stop_process(process: subprocess.Popen[bytes] | int) -> None:
    """SIGTERM, then SIGKILL after 30 s; `process` is our child, or the PID of an adopted one."""
    pid = process if isinstance(process, int) else process.pid
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if isinstance(process, int):
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
        elif process.poll() is not None:  # polling also reaps our child
            return
        time.sleep(0.2)
    os.kill(pid, signal.SIGKILL)
    if not isinstance(process, int):
        process.wait()


@contextmanager
def _private_engine(say: Callable[[str], None]) -> Iterator[Engine]:
    """Starts dockerd on a socket of its own, and stops it (by PID) on exit."""
    dockerd = ensure_tool("dockerd", say)
    with _exclusive_cache(say):
        socket_path = CACHE_DIR / "docker.sock"
        pid_file = CACHE_DIR / "dockerd.pid"
        log_file = CACHE_DIR / "dockerd.log"
        env = {**os.environ, "DOCKER_HOST": f"unix://{socket_path}"}
        # We hold the lock, so an engine answering here was left by a run that was killed: adopt it.
        process: subprocess.Popen[bytes] | int
        if _answers(env) and pid_file.exists():
            process = int(pid_file.read_text())
            say(f"container test: reusing the engine a previous run left running (pid {process})")
        else:
            pid_file.unlink(missing_ok=True)
            say(f"container test: starting dockerd (log: {log_file})")
            with open(log_file, "ab") as log:
                process = subprocess.Popen(
                    [dockerd, f"--data-root={CACHE_DIR / 'data'}", f"--exec-root={CACHE_DIR / 'exec'}",
                     f"--pidfile={pid_file}", f"--host=unix://{socket_path}",
                     # no bridge network or iptables in a sandbox: containers use --network host/none
                     "--storage-driver=vfs", "--iptables=false", "--ip-masq=false", "--bridge=none"],
                    stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
            deadline = time.monotonic() + ENGINE_START_SECONDS
            while not _answers(env):
                if process.poll() is not None or time.monotonic() > deadline:
                    _stop_process(process)
                    tail = log_file.read_text(errors="replace").strip().splitlines()[-1:]
                    raise EngineUnavailable(f"dockerd did not come up ({' '.join(tail)})")
                time.sleep(0.5)
        try:
            pid = process if isinstance(process, int) else process.pid
            yield Engine(env=env, description=f"dockerd pid {pid}, started for this run")
        finally:
            _stop_process(process)


@contextmanager
def docker_engine(say: Callable[[str], None]) -> Iterator[Engine]:
    """The Docker engine for this test session; raises EngineUnavailable with the reason if none."""
    if not shutil.which("docker"):
        raise EngineUnavailable("the 'docker' CLI is not on PATH")
    if os.environ.get("DOCKER_HOST"):
        if _answers(dict(os.environ)):
            yield Engine(env=dict(os.environ), description=f"DOCKER_HOST={os.environ['DOCKER_HOST']}")
            return
        say(f"container test: DOCKER_HOST={os.environ['DOCKER_HOST']} does not answer; "
            "starting a private engine")
    else:
        if _answers(dict(os.environ)):
            yield Engine(env=dict(os.environ), description="the engine already running")
            return
    with _private_engine(say) as engine:
        yield engine


def _stand_in_tag() -> str:
    recipe = "\n".join([STAND_IN_RECIPE_REVISION, STAND_IN_SUITE, *STAND_IN_PACKAGES, *STAND_IN_CHANGES,
                        hashlib.sha256(HOST_CA_BUNDLE.read_bytes()).hexdigest()])
    return f"ecs-bluegreen-test-base:{hashlib.sha256(recipe.encode()).hexdigest()[:12]}"


def stand_in_base_image(engine: Engine, say: Callable[[str], None]) -> str:
    """A local stand-in for the production base image, built once and then reused by its tag."""
    tag = _stand_in_tag()
    if engine.docker("image", "inspect", tag, check=False).returncode == 0:
        return tag
    debootstrap = ensure_tool("debootstrap", say)
    if os.geteuid() != 0:
        raise EngineUnavailable("building the stand-in base image needs root (debootstrap); or set "
                                "CONTAINER_TEST_BASE_IMAGE=default to use the production base image")
    say(f"container test: building the stand-in base image {tag} with debootstrap (about 2 minutes)")
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=CACHE_DIR, prefix="rootfs-") as rootfs:
        _run([debootstrap, "--variant=minbase", f"--include={','.join(STAND_IN_PACKAGES)}",
              STAND_IN_SUITE, rootfs], timeout=900)
        shutil.copyfile(HOST_CA_BUNDLE, Path(rootfs) / "etc/ssl/certs/ca-certificates.crt")
        os.chmod(rootfs, 0o755)  # it becomes the image's "/"; mkdtemp made it 0700
        changes = [arg for change in STAND_IN_CHANGES for arg in ("--change", change)]
        tar = subprocess.Popen(["tar", "-C", rootfs, "-c", "."], stdout=subprocess.PIPE)
        assert tar.stdout is not None
        try:
            engine.docker("import", *changes, "-", tag, stdin=tar.stdout.fileno(), timeout=600)
        finally:
            tar.stdout.close()
            tar.wait()
    return tag


def _run(command: Sequence[str], timeout: float) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        tail = (result.stderr.strip() or result.stdout.strip()).splitlines()[-1:]
        raise EngineUnavailable(f"{command[0]} exited {result.returncode}: {' '.join(tail)}")
