"""scripts/deploy-dev.sh checks every prerequisite in one pass, lists all that are missing, and tells a
network failure apart from missing or rejected credentials.

The script runs for real in a copy of the project whose ./venv is this one's (its requirements stamp
matches, so nothing is installed), with a PATH holding only the tools each case grants, and AWS STS
faked on 127.0.0.1. About 1 s per case.
"""

from __future__ import annotations

import hashlib

import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.fake_endpoints import Answer, dead_endpoint, serve

REPO = Path(__file__).resolve().parent.parent
TOOLS = ["bash", "dirname", "sha256sum", "cut", "cat", "tail", "mkdir"]
IDENTITY = ('<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult>'
            "<Arn>arn:aws:iam::123456789012:user/dev</Arn><UserId>AIDAEXAMPLE</UserId><Account>123456789012</Account>"
            "</GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>"
            "</GetCallerIdentityResponse>")
REJECTED = ('<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            "<Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid."
            "</Message></Error><RequestId>1</RequestId></ErrorResponse>")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of the scripts and requirements, ./venv linked to this checkout's, and an empty bin/."""
    root = tmp_path / "project"
    (root / "scripts").mkdir(parents=True)
    for name in ("scripts/deploy-dev.sh", "scripts/_venv.sh", "requirements.txt", "pyproject.toml"):
        shutil.copy2(REPO / name, root / name)
    (root / "venv").symlink_to((REPO / "venv").resolve())
    stamp = (REPO / "venv" / ".requirements.sha256").read_text().strip()
    lock = (REPO / "requirements.txt").read_bytes()
    # As scripts/_venv.sh stamps requirements.txt: the lock, what it includes (itself) and pyproject.toml.
    digest = hashlib.sha256(lock + lock + (REPO / "pyproject.toml").read_bytes()).hexdigest()
    assert stamp == digest, "./venv is not installed from requirements.txt: the script would run pip in it"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in TOOLS:
        (bin_dir / tool).symlink_to(shutil.which(tool) or f"/usr/bin/{tool}")
    (bin_dir / "python3").symlink_to(sys.executable)
    return root


def grant(project: Path, name: str, script: str) -> None:
    tool = project.parent / "bin" / name
    tool.write_text(f"#!/bin/sh\necho \"{name} $*\" >> \"{project.parent}/calls\"\n{script}\n")
    tool.chmod(0o755)


def deploy(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    home = project.parent
    base = {"PATH": str(home / "bin"), "HOME": str(home), "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_SHARED_CREDENTIALS_FILE": str(home / "none"), "AWS_CONFIG_FILE": str(home / "none")}
    return subprocess.run([str(project / "scripts" / "deploy-dev.sh"), "--yes"], env={**base, **env},
                          capture_output=True, text=True, timeout=120, check=False)


@contextmanager
def sts(status: int, body: str) -> Iterator[dict[str, str]]:
    with serve(lambda _request: Answer(status, body.encode(), {"Content-Type": "text/xml"})) as url:
        yield {"AWS_ENDPOINT_URL_STS": url, "AWS_ACCESS_KEY_ID": "AKIAEXAMPLE", "AWS_SECRET_ACCESS_KEY": "x"}


def missing(done: subprocess.CompletedProcess[str]) -> list[str]:
    assert done.returncode == 1, done.stderr
    lines = done.stderr.splitlines()
    assert lines[0] == f"error: {len(lines) - 1} prerequisite(s) missing:"
    return [line.removeprefix("  - ") for line in lines[1:]]


def test_everything_missing_is_listed_at_once(project: Path) -> None:
    assert missing(deploy(project)) == [
        "the Pulumi CLI (https://www.pulumi.com/docs/iac/download-install/)",
        "Docker: pulumi up builds the app image with it",
        "AWS credentials: none found (run `aws configure`, set AWS_PROFILE, or `aws sso login`)",
    ]


def test_a_stopped_docker_engine_and_an_unreachable_aws_are_told_apart_from_missing_tools(project: Path) -> None:
    grant(project, "pulumi", "exit 0")
    grant(project, "docker", "exit 1")  # `docker info` fails: the engine is not running
    with dead_endpoint() as url:
        pass  # closed: connecting is refused, as without a network route
    done = deploy(project, AWS_ENDPOINT_URL_STS=url, AWS_ACCESS_KEY_ID="AKIAEXAMPLE", AWS_SECRET_ACCESS_KEY="x")

    problems = missing(done)
    assert problems[0] == "a running Docker engine (docker info fails)"
    assert problems[1].startswith("network: AWS STS did not answer, so the credentials could not be checked (")
    assert len(problems) == 2


def test_credentials_aws_rejects_are_named_as_such(project: Path) -> None:
    grant(project, "pulumi", "exit 0")
    grant(project, "docker", "exit 0")
    with sts(403, REJECTED) as env:
        done = deploy(project, **env)

    assert missing(done) == ["AWS credentials: rejected by AWS (InvalidClientTokenId: The security token included "
                             "in the request is invalid.)"]


def test_with_every_prerequisite_it_deploys_the_dev_stack(project: Path) -> None:
    grant(project, "pulumi", "exit 0")
    grant(project, "docker", "exit 0")
    with sts(200, IDENTITY) as env:
        done = deploy(project, **env)

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "==> deploying as arn:aws:iam::123456789012:user/dev"
    calls = (project.parent / "calls").read_text().splitlines()
    assert calls[-3:] == ["pulumi whoami", "pulumi stack select dev --create", "pulumi up --stack dev --yes"]
