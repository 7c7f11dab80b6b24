"""Every dependency is pinned, in two locks: requirements.txt for what `pulumi up` and the operator tools
run (no test tools), requirements-dev.txt for the tests on top of it. The container installs
app/requirements.txt; the tests run the app from the dev lock. Both must pin the same versions, or the
tests would prove a different app than the one shipped."""

from __future__ import annotations

import re
from pathlib import Path

from settings import PROJECT_DIR


EDITABLE_LIBRARY = "-e ."  # the library this repository builds: the one line that is not a pin


def pins(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-r ") or line == EDITABLE_LIBRARY:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\[\]-]+)==([^\s;]+)", line)
        assert match, f"{path.name}: '{line}' is not pinned with =="
        found[re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")] = match.group(2)
    return found


PROGRAM, DEV = pins(PROJECT_DIR / "requirements.txt"), pins(PROJECT_DIR / "requirements-dev.txt")


def test_the_locks_pin_each_package_once_and_every_direct_dependency() -> None:
    assert not PROGRAM.keys() & DEV.keys(), "a package pinned in both locks"
    locked = {**PROGRAM, **DEV}
    for source, lock in (("requirements.in", PROGRAM), ("requirements-dev.in", locked)):
        for name, version in pins(PROJECT_DIR / source).items():
            assert lock.get(name) == version, f"{source} has {name}=={version}, the lock {lock.get(name)}"
    assert "-r requirements.txt" in (PROJECT_DIR / "requirements-dev.txt").read_text().splitlines()


def test_pulumi_ups_venv_installs_the_library_the_program_imports() -> None:
    for source in ("requirements.in", "requirements.txt"):
        assert EDITABLE_LIBRARY in (PROJECT_DIR / source).read_text().splitlines(), source


def test_pulumi_up_needs_no_test_tool() -> None:
    assert {"pulumi", "pulumi-aws", "pulumi-awsx", "pulumi-docker", "boto3"} <= PROGRAM.keys()
    assert not {"pytest", "pyright", "moto", "pytest-xdist", "flask", "gunicorn"} & PROGRAM.keys()


def test_the_container_uses_the_tested_versions() -> None:
    container = pins(PROJECT_DIR / "app" / "requirements.txt")
    assert {"flask", "gunicorn"} <= container.keys()
    locked = {**PROGRAM, **DEV}
    for name, version in container.items():
        assert locked.get(name) == version, f"app/requirements.txt has {name}=={version}, the lock {locked.get(name)}"


def test_the_plugin_runs_with_the_programs_pins() -> None:
    # pip resolves `-e .` against the directory it installs in, so the plugin's requirements cannot
    # include requirements.txt; they repeat its pins instead.
    plugin = PROJECT_DIR / "ecs_bluegreen_provider" / "requirements.txt"
    assert pins(plugin) == PROGRAM
    assert EDITABLE_LIBRARY not in plugin.read_text().splitlines()
