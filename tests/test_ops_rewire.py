"""`rewire`: the wiring is sent once, naming the group ECS calls primary now, never blindly blue."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from settings import REWIRE_VARIABLE
from tests.ops_fixtures import BLUE_TG, GREEN_TG, T0, deployment, run, stubbed_aws

ENDED = deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8))


@pytest.fixture
def fake_pulumi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `pulumi` on PATH that records its arguments and the rewire variable, and exits with $FAKE_EXIT."""
    record = tmp_path / "pulumi-call.json"
    script = tmp_path / "bin" / "pulumi"
    script.parent.mkdir()
    script.write_text(
        "#!/usr/bin/env python3\nimport json, os, sys\n"
        f"json.dump({{'argv': sys.argv[1:], 'primary': os.environ.get({REWIRE_VARIABLE!r})}}, open({str(record)!r}, 'w'))\n"
        "sys.exit(int(os.environ.get('FAKE_EXIT', '0')))\n")
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{script.parent}:/usr/bin:/bin")
    return record


@pytest.mark.parametrize("primary, alternate, color", [(BLUE_TG, GREEN_TG, "blue"), (GREEN_TG, BLUE_TG, "green")])
def test_rewire_runs_pulumi_up_with_the_primary_ecs_reports(fake_pulumi: Path, primary: str, alternate: str,
                                                             color: str) -> None:
    with stubbed_aws() as aws:
        aws.expect_service(primary=primary, alternate=alternate)
        aws.expect_deployment(ENDED)
        result = run(aws, "rewire", "--stack", "prod", "--", "--yes")

    assert result.code == 0, result.stderr
    assert json.loads(fake_pulumi.read_text()) == {"argv": ["up", "--stack", "prod", "--yes"], "primary": color}
    assert f"The service calls {color} primary now; running: {REWIRE_VARIABLE}={color} pulumi up" in result.stdout


def test_rewire_refuses_while_a_deployment_runs(fake_pulumi: Path) -> None:
    with stubbed_aws() as aws:
        aws.expect_service(primary=GREEN_TG, alternate=BLUE_TG)
        aws.expect_deployment(deployment("IN_PROGRESS", "BAKE_TIME"))
        result = run(aws, "rewire")

    assert result.code == 4
    assert result.stderr == ("ops: deployment r9i43YFjvgF_xlg7m2eJ1r is IN_PROGRESS: rewire once it has ended "
                             "(python -m ops watch)\n")
    assert not fake_pulumi.exists(), "pulumi up must not run"


def test_rewire_refuses_a_primary_that_is_not_one_of_the_stacks_groups(fake_pulumi: Path) -> None:
    stranger = BLUE_TG.replace("app-blue-3f2a", "other-tg")
    with stubbed_aws() as aws:
        aws.expect_service(primary=stranger)
        aws.expect_deployment(ENDED)
        result = run(aws, "rewire")

    assert result.code == 2
    assert "is neither of the stack's blueTargetGroupArn and greenTargetGroupArn outputs" in result.stderr
    assert not fake_pulumi.exists()


def test_a_failed_pulumi_up_is_a_failed_rewire(fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_EXIT", "255")
    with stubbed_aws() as aws:
        aws.expect_service()
        aws.expect_deployment(ENDED)
        result = run(aws, "rewire")

    assert result.code == 1
    assert result.stderr == "ops: pulumi up failed (exit code 255); the wiring was not sent\n"
