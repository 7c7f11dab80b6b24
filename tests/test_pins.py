"""The container installs app/requirements.txt; the tests run the app from the project's lock. Both must
pin every package, to the same versions, or the tests would prove a different app than the one shipped."""

from __future__ import annotations

import re
from pathlib import Path

from settings import PROJECT_DIR


def pins(path: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.\[\]-]+)==([^\s;]+)", line)
        assert match, f"{path.name}: '{line}' is not pinned with =="
        found[re.sub(r"\[.*\]", "", match.group(1)).lower().replace("_", "-")] = match.group(2)
    return found


def test_every_dependency_is_pinned_and_the_container_uses_the_tested_versions() -> None:
    project = pins(PROJECT_DIR / "requirements.txt")
    container = pins(PROJECT_DIR / "app" / "requirements.txt")
    direct = pins(PROJECT_DIR / "requirements.in")
    assert {"flask", "gunicorn"} <= container.keys()
    for name, version in container.items():
        assert project.get(name) == version, f"app/requirements.txt has {name}=={version}, the lock {project.get(name)}"
    for name, version in direct.items():
        assert project.get(name) == version, f"requirements.in has {name}=={version}, the lock {project.get(name)}"
