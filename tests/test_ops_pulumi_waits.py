"""`pulumi` runs only when a value is missing, says what the CLI waits for, and has its own timeout; a
timeout that falls back to the default says so."""

from __future__ import annotations

import io
import json
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from ops import config
from ops.cli import main
from ops.errors import CliError
from ops.parallel import in_turn
from tests.ops_fixtures import (
    CLUSTER, FLAGS, REGION, SERVICE, STACK_OUTPUTS, deployment, isolated_env, run, stubbed_aws,  # noqa: F401
)

REPO = Path(__file__).resolve().parent.parent
ENVIRONMENT = {"BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE, "AWS_REGION": REGION}


@pytest.mark.parametrize("argv, environ", [(FLAGS, {}), ([], ENVIRONMENT)], ids=["flags", "environment"])
def test_watch_does_not_ask_pulumi_for_a_timeout_when_nothing_is_missing(argv: list[str],
                                                                         environ: dict[str, str]) -> None:
    asked: list[Any] = []
    out, err = io.StringIO(), io.StringIO()
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP"))
        aws.expect_versions()
        code = main(["watch", *argv], clients=aws.clients, stdout=out, stderr=err, environ=environ,
                    load_outputs=lambda *args: asked.append(args) or STACK_OUTPUTS, start=in_turn)

    assert (code, err.getvalue(), asked) == (0, "", [])
    assert "Gives up after 2h00m, the default (no stack outputs read); --timeout changes it" in out.getvalue()


@pytest.mark.parametrize("outputs, said", [
    ({**STACK_OUTPUTS, "rolloutTimeoutMinutes": 30},
     "Gives up after 30m00s, the stack's rolloutTimeoutMinutes, the time `pulumi up` waits; --timeout changes it"),
    (STACK_OUTPUTS, "Gives up after 2h00m, the default (the stack has no rolloutTimeoutMinutes output); "
                    "--timeout changes it"),
], ids=["stack-output", "no-output"])
def test_watch_says_how_long_it_follows_and_where_that_came_from(outputs: dict[str, Any], said: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(deployment("SUCCESSFUL", "CLEAN_UP"))
        aws.expect_versions()
        result = run(aws, "watch", outputs=outputs)  # no flags: the outputs name the service

    assert result.code == 0, result.stderr
    assert result.stdout.splitlines()[1] == said


def fake_pulumi(directory: Path, script: str) -> None:
    pulumi = directory / "pulumi"
    pulumi.write_text(f"#!/bin/sh\n{script}\n")
    pulumi.chmod(pulumi.stat().st_mode | stat.S_IEXEC)


@pytest.mark.waits
def test_a_line_says_what_the_cli_waits_for_while_pulumi_runs(isolated_env: dict[str, str], tmp_path: Path) -> None:
    go = tmp_path / "go"  # pulumi answers only once the test has read the line
    fake_pulumi(tmp_path / "bin", f'while [ ! -e "{go}" ]; do sleep 0.05; done\n'
                                  f"echo '{json.dumps(STACK_OUTPUTS)}'")
    process = subprocess.Popen([sys.executable, "-m", "ops", "status", "--stack", "dev"], cwd=REPO, env=isolated_env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stderr is not None
    first = process.stderr.readline()
    go.touch()
    _, rest = process.communicate(timeout=60)

    assert first == "ops: waiting for `pulumi stack output --json --stack dev` (up to 30 s)\n"
    assert (process.returncode, rest.split(":")[1]) == (3, " no AWS credentials found")


def test_pulumi_has_its_own_timeout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                    capsys: pytest.CaptureFixture[str]) -> None:
    fake_pulumi(tmp_path, f"exec {shutil.which('sleep')} 30")
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(config, "PULUMI_TIMEOUT_SECONDS", 1)

    with pytest.raises(CliError) as raised:
        config.pulumi_stack_outputs("dev", False)

    assert str(raised.value) == "`pulumi stack output` took more than 1 s"
    assert capsys.readouterr().err == "ops: waiting for `pulumi stack output --json --stack dev` (up to 1 s)\n"
