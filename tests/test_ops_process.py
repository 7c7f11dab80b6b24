"""The real `python -m ops` process: help, usage errors, configuration and credential failures.

Nothing here reaches AWS: the credential chain is pointed at empty files and the instance metadata
service is disabled, so the CLI must fail fast with its own one-line messages. About 0.5 s per test.
"""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops_fixtures import STACK_OUTPUTS

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def isolated_env(tmp_path: Path) -> dict[str, str]:
    """An environment with no AWS credentials, no region and no pulumi CLI."""
    (tmp_path / "credentials").write_text("")
    (tmp_path / "config").write_text("")
    (tmp_path / "bin").mkdir()
    return {
        "PATH": str(tmp_path / "bin"),
        "HOME": str(tmp_path),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
        "AWS_CONFIG_FILE": str(tmp_path / "config"),
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def ops(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ops", *argv], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_help_documents_commands_configuration_and_exit_codes(isolated_env: dict[str, str]) -> None:
    done = ops(isolated_env, "--help")
    assert done.returncode == 0
    for text in ("status", "watch", "rollback", "approve", "reject", "history", "BG_CLUSTER", "BG_PROD_RULE_ARN",
                 "pulumi stack output --json", "4  nothing done", "5  watch: --timeout"):
        assert text in done.stdout


@pytest.mark.parametrize("argv", [[], ["deploy"], ["watch", "--interval", "0"], ["history", "--limit", "x"]])
def test_usage_errors_exit_2(isolated_env: dict[str, str], argv: list[str]) -> None:
    done = ops(isolated_env, *argv)
    assert done.returncode == 2
    assert "usage: python -m ops" in done.stderr and "Traceback" not in done.stderr


def test_missing_configuration_is_one_line_exit_2(isolated_env: dict[str, str]) -> None:
    done = ops(isolated_env, "history")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("ops: missing cluster name (--cluster or BG_CLUSTER), service name (--service or "
                           "BG_SERVICE); stack outputs: the pulumi CLI is not on PATH\n")


@pytest.mark.parametrize("command", ["status", "watch", "rollback", "history"])
def test_no_credentials_is_one_line_exit_3(isolated_env: dict[str, str], command: str) -> None:
    env = {**isolated_env, "BG_CLUSTER": "app-cluster", "BG_SERVICE": "app-svc", "BG_PROD_RULE_ARN": "arn:x",
           "AWS_REGION": "ap-northeast-1"}
    done = ops(env, command)
    assert done.returncode == 3
    assert done.stderr == ("ops: no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) "
                           "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY\n")


def test_no_region_anywhere_is_a_configuration_error(isolated_env: dict[str, str]) -> None:
    done = ops(isolated_env, "history", "--cluster", "c", "--service", "s")
    assert done.returncode == 2
    assert done.stderr.startswith("ops: no AWS region: pass --region, set AWS_REGION")


def test_configuration_comes_from_the_pulumi_stack_when_run_from_the_project(
        isolated_env: dict[str, str], tmp_path: Path) -> None:
    pulumi = tmp_path / "bin" / "pulumi"
    pulumi.write_text(f'#!/bin/sh\necho "$@" > "{tmp_path}/args"\necho \'{json.dumps(STACK_OUTPUTS)}\'\n')
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)

    done = ops(isolated_env, "status", "--stack", "dev")

    # Every value was found (else exit 2); the region came from the stack too (else "no AWS region"),
    # so the CLI got as far as needing credentials.
    assert (done.returncode, done.stderr.split(":")[1]) == (3, " no AWS credentials found")
    assert (tmp_path / "args").read_text() == "stack output --json --stack dev\n"

