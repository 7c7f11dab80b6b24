"""The real `python -m ops` process: help, usage errors, configuration and credential failures.

Nothing here reaches AWS: the credential chain is pointed at empty files and the instance metadata
service is disabled, so the CLI must fail fast with its own one-line messages. About 0.5 s per test.
"""

from __future__ import annotations

import argparse
import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from ops.cli import build_parser
from ops.errors import ExitCode
from tests.ops_fixtures import STACK_OUTPUTS, isolated_env  # noqa: F401 - a pytest fixture

pytestmark = pytest.mark.waits

COMMAND_NAMES = ["status", "watch", "logs", "try", "rollback", "approve", "reject", "doctor", "history"]

REPO = Path(__file__).resolve().parent.parent


def ops(env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ops", *argv], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=60, check=False)


def test_help_documents_commands_configuration_and_every_exit_code(isolated_env: dict[str, str]) -> None:
    done = ops(isolated_env, "--help")
    assert done.returncode == 0
    for text in ("status", "watch", "rollback", "approve", "reject", "history", "BG_CLUSTER",
                 "pulumi stack output --json", "project=ecs-bluegreen"):
        assert text in done.stdout
    for code in ExitCode:
        assert f"  {code.value:<3}  {code.meaning}\n" in done.stdout


@pytest.mark.parametrize("command", COMMAND_NAMES)
def test_each_command_help_says_what_it_does(isolated_env: dict[str, str], command: str) -> None:
    done = ops(isolated_env, command, "--help")
    parser = build_parser()
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    description = subparsers.choices[command].description
    assert done.returncode == 0 and description
    assert " ".join(description.split()) in " ".join(done.stdout.split())


@pytest.mark.parametrize("argv, message", [
    ([], "python -m ops: the following arguments are required: COMMAND"),
    (["deploy"], "python -m ops: argument COMMAND: invalid choice: 'deploy'"),
    (["watch", "--interval", "0"], "python -m ops watch: argument --interval: expected a number from 1 to 300 "
                                   "seconds, got '0'"),
    (["watch", "--interval", "nan"], "python -m ops watch: argument --interval: expected a number from 1 to 300 "
                                     "seconds, got 'nan'"),
    (["watch", "--timeout", "inf"], "python -m ops watch: argument --timeout: expected a number from 1 to 604800 "
                                    "seconds, or 0 for no limit, got 'inf'"),
    (["rollback", "--timeout", "-5"], "python -m ops rollback: argument --timeout: expected a number from 1 to "
                                      "604800 seconds, or 0 for no limit, got '-5'"),
    (["logs", "--since", "0"], "python -m ops logs: argument --since: expected a number from 1 to 10080 minutes, "
                               "got '0'"),
    (["history", "--limit", "x"], "python -m ops history: argument --limit: expected a whole number from 1 to "
                                  "1000, got 'x'"),
])
def test_usage_errors_are_one_line_naming_the_flag_value_and_what_is_allowed_exit_2(
        isolated_env: dict[str, str], argv: list[str], message: str) -> None:
    done = ops(isolated_env, *argv)
    assert (done.returncode, done.stdout) == (2, "")
    assert len(done.stderr.splitlines()) == 1
    assert done.stderr.startswith(f"ops: {message}")


def test_missing_configuration_is_one_line_exit_2(isolated_env: dict[str, str]) -> None:
    done = ops(isolated_env, "history")
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("ops: missing cluster name (--cluster or BG_CLUSTER), service name (--service or "
                           "BG_SERVICE); stack outputs: the pulumi CLI is not on PATH; tags: no stack name to look "
                           "for (pass --stack): the pulumi CLI is not on PATH\n")


@pytest.mark.parametrize("command", ["status", "watch", "rollback", "history"])
def test_no_credentials_is_one_line_exit_3(isolated_env: dict[str, str], command: str) -> None:
    env = {**isolated_env, "BG_CLUSTER": "app-cluster", "BG_SERVICE": "app-svc", "AWS_REGION": "ap-northeast-1"}
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
    assert (done.returncode, done.stderr.splitlines()[-1].split(":")[1]) == (3, " no AWS credentials found")
    assert (tmp_path / "args").read_text() == "stack output --json --stack dev\n"

