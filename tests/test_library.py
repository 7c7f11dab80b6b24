"""The library as a user installs it: the wheel pyproject.toml builds holds every module and the smoke-test
hook's handler, imports from where it is installed (not from this checkout), and declares what it imports."""

from __future__ import annotations

import ast
import email
import json
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import ecs_bluegreen
from settings import PROJECT_DIR
from tests.test_pins import pins

PACKAGE_DIR = PROJECT_DIR / "ecs_bluegreen"
HANDLER = "ecs_bluegreen/hooks/smoke_test/handler.py"
PROJECT = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]


def package_sources() -> list[str]:
    return sorted(str(path.relative_to(PROJECT_DIR)) for path in PACKAGE_DIR.rglob("*.py")
                  if "__pycache__" not in path.parts)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    # The backend pyproject.toml names, from the dev lock: no download, and no build of the checkout's
    # stray files (the wheel target lists its packages).
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(out), str(PROJECT_DIR)], check=True, timeout=120, capture_output=True)
    [built] = out.glob("*.whl")
    return built


def test_the_wheel_holds_every_module_and_the_hook_handler_and_nothing_of_the_program(wheel: Path) -> None:
    assert wheel.name == "ecs_bluegreen-0.1.0-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    modules = {name for name in names if name.endswith(".py")}
    assert HANDLER in modules
    assert modules == set(package_sources()), "the wheel's modules are the package's, no more, no less"
    assert not any("__pycache__" in name for name in names)


def test_the_wheel_declares_the_project_metadata(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        [metadata_name] = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        metadata = email.message_from_bytes(archive.read(metadata_name))
    assert (metadata["Name"], metadata["Version"], metadata["Requires-Python"]) == ("ecs-bluegreen", "0.1.0", ">=3.11")
    assert {Requirement(text) for text in metadata.get_all("Requires-Dist") or []} == \
        {Requirement(text) for text in PROJECT["dependencies"]}


def test_the_installed_package_imports_from_where_it_is_installed_and_exposes_its_api(
        wheel: Path, tmp_path: Path) -> None:
    site = tmp_path / "site-packages"
    zipfile.ZipFile(wheel).extractall(site)  # what installing a pure-Python wheel amounts to
    # -P: not the working directory first; -s: no user site. The SDKs come from this venv; the package, with
    # the checkout's editable install shadowed, from `site`.
    script = f"""
import importlib, json, sys
sys.path.insert(0, {str(site)!r})
import ecs_bluegreen
from ecs_bluegreen import smoke_test_hook
modules = [name[:-3].replace('/', '.') for name in {json.dumps(package_sources())}]
for module in modules:
    importlib.import_module(module.removesuffix('.__init__'))
print(json.dumps({{"file": ecs_bluegreen.__file__, "handler": str(smoke_test_hook.HANDLER_FILE),
                  "all": ecs_bluegreen.__all__, "missing": [n for n in ecs_bluegreen.__all__ if not hasattr(ecs_bluegreen, n)]}}))
"""
    done = subprocess.run([sys.executable, "-P", "-s", "-c", script], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert Path(found["file"]).is_relative_to(site)
    handler = Path(found["handler"])
    assert handler.is_relative_to(site) and handler.is_file(), "the hook uploads the handler shipped in the package"
    assert found["missing"] == [] and found["all"] == ecs_bluegreen.__all__


def test_the_public_api_is_the_components_a_user_composes_and_their_args() -> None:
    public = set(ecs_bluegreen.__all__)
    assert len(public) == len(ecs_bluegreen.__all__), "a name listed twice"
    components = {"EcsBlueGreenService", "BlueGreenTargets", "LoadBalancer", "Network", "ContainerImage",
                  "SmokeTestHook", "RollbackAlarms", "ServiceAutoscaling", "RolloutDashboard", "DeploymentNotifications"}
    assert components | {f"{name}Args" for name in components} <= public
    assert {"ServiceSettings", "LoadBalancerSettings", "SmokeTestChecks", "Rollout", "LifecycleHook", "LambdaTarget",
            "PauseTarget", "AllAtOnce", "Linear", "Canary"} <= public
    assert not {name for name in public if name.startswith("_") or name.isupper()}, "no internals or constants"


def test_the_declared_dependencies_are_what_the_package_imports_and_admit_the_tested_pins() -> None:
    declared = {Requirement(text).name: Requirement(text).specifier for text in PROJECT["dependencies"]}
    imported = set()
    for source in package_sources():
        for node in ast.walk(ast.parse((PROJECT_DIR / source).read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                imported.add(node.module.split(".")[0])
    third_party = {name.replace("_", "-") for name in imported - set(sys.stdlib_module_names) - {"ecs_bluegreen"}}
    assert third_party == declared.keys()
    tested = pins(PROJECT_DIR / "requirements.in")
    for name, specifier in declared.items():
        assert specifier.contains(tested[name]), f"requirements.in pins {name}=={tested[name]}, outside {specifier}"
