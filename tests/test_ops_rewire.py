"""`rewire`: the wiring is sent once, naming the group ECS calls primary now, never blindly blue."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from settings import REWIRE_VARIABLE
from tests.fake_endpoints import ScriptedJsonApi, json_answer, scripted_aws
from tests.ops_fixtures import (
    BLUE_TG, CLUSTER, GREEN_TG, REGION, SERVICE, STACK_OUTPUTS, T0, Aws, deployment, deployment_arn, isolated_env, run,  # noqa: F401
    service, stubbed_aws,
)

ENDED = deployment("SUCCESSFUL", "CLEAN_UP", finished=T0.replace(minute=8))
REPO = Path(__file__).resolve().parent.parent


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
    assert result.stderr == ("ops: pulumi up failed (exit code 255); the wiring was not sent. Until a rewire succeeds, "
                             "make every update with rewire, even one that undoes the change\n")


SMOKE_HOOK = {"hookTargetArn": "arn:aws:lambda:ap-northeast-1:123456789012:function:app-smoke-test",
              "roleArn": "arn:aws:iam::123456789012:role/app-hook-invoke", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
              "hookDetails": '{"baseUrl":"http://alb"}'}
PAUSE_HOOK = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
              "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"}}
CONFIGURATION = {"maximumPercent": 200, "minimumHealthyPercent": 100, "strategy": "BLUE_GREEN",
                 "bakeTimeInMinutes": 15, "deploymentCircuitBreaker": {"enable": True, "rollback": True},
                 "lifecycleHooks": [SMOKE_HOOK, PAUSE_HOOK]}


def expect_hooks_cleared(aws: Aws) -> None:
    """UpdateService with the service's deployment configuration as it is, but an explicit empty hook list."""
    aws.ecs_stub.add_response("update_service", {"service": service()["services"][0]}, {
        "cluster": CLUSTER, "service": SERVICE, "deploymentConfiguration": {**CONFIGURATION, "lifecycleHooks": []}})


def test_rewire_clears_the_hooks_ecs_keeps_before_pulumi_up_sets_the_stacks(fake_pulumi: Path) -> None:
    # The provider leaves an empty list out of UpdateService and ECS keeps hooks a request leaves out:
    # only an explicit [] removes a hook whose Lambda the update is about to delete.
    with stubbed_aws() as aws:
        aws.expect_service(primary=GREEN_TG, alternate=BLUE_TG, deploymentConfiguration=CONFIGURATION)
        aws.expect_deployment(ENDED)
        expect_hooks_cleared(aws)
        aws.expect_service(primary=GREEN_TG, alternate=BLUE_TG)
        result = run(aws, "rewire", "--", "--yes")

    assert result.code == 0, result.stderr
    assert "Cleared the service's 2 lifecycle hook(s) (POST_TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT)" in result.stdout
    assert json.loads(fake_pulumi.read_text())["primary"] == "green"


def test_rewire_stops_if_clearing_the_hooks_started_a_deployment(fake_pulumi: Path) -> None:
    with stubbed_aws() as aws:
        aws.expect_service(deploymentConfiguration=CONFIGURATION)
        aws.expect_deployment(ENDED)
        expect_hooks_cleared(aws)
        aws.expect_service(current=deployment_arn("another"))
        result = run(aws, "rewire")

    assert result.code == 4
    assert result.stderr == ("ops: clearing the lifecycle hooks started a deployment; run rewire again once it has "
                             "ended (python -m ops watch)\n")
    assert not fake_pulumi.exists(), "pulumi up must not run"


def expect_hooks_cleared_then_read_after_a_failed_up(aws: Aws, monkeypatch: pytest.MonkeyPatch,
                                                      hooks_then: list[dict[str, object]]) -> None:
    """rewire clears both hooks, `pulumi up` fails, and the service then has `hooks_then`."""
    monkeypatch.setenv("FAKE_EXIT", "1")
    aws.expect_service(deploymentConfiguration=CONFIGURATION)
    aws.expect_deployment(ENDED)
    expect_hooks_cleared(aws)
    aws.expect_service()
    aws.expect_service(deploymentConfiguration={**CONFIGURATION, "lifecycleHooks": hooks_then})


def test_hooks_the_failed_update_did_not_reach_are_put_back(fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Declined at Pulumi's prompt, refused by the program, interrupted: the service keeps its safety nets.
    with stubbed_aws() as aws:
        expect_hooks_cleared_then_read_after_a_failed_up(aws, monkeypatch, hooks_then=[])
        aws.ecs_stub.add_response("update_service", {"service": service()["services"][0]}, {
            "cluster": CLUSTER, "service": SERVICE, "deploymentConfiguration": CONFIGURATION})
        result = run(aws, "rewire")

    assert result.code == 1
    assert result.stderr.startswith("ops: pulumi up failed (exit code 1); the wiring was not sent; the service's 2 "
                                    "lifecycle hook(s) were put back. ")


def test_hooks_the_failed_update_did_send_are_left_alone(fake_pulumi: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The update reached the service (its rollout failed after): the stack's own hooks are there.
    with stubbed_aws() as aws:
        expect_hooks_cleared_then_read_after_a_failed_up(aws, monkeypatch, hooks_then=[PAUSE_HOOK])
        result = run(aws, "rewire")

    assert result.code == 1
    assert "put back" not in result.stderr


def test_rewire_has_no_deadline_unless_given_one() -> None:
    # Its `pulumi up` waits through the rollout it starts (tens of minutes); a 60 s deadline would kill it
    # mid-update.
    from ops.cli import build_parser
    from ops.deadline import deadline_seconds

    assert deadline_seconds(build_parser().parse_args(["rewire"])) is None
    assert deadline_seconds(build_parser().parse_args(["rewire", "--deadline", "7200"])) == 7200


def test_ctrl_c_during_the_rewires_pulumi_up_leaves_it_running_to_its_end(tmp_path: Path,
                                                                         isolated_env: dict[str, str]) -> None:
    # The terminal's Ctrl-C reaches pulumi itself, which cancels gracefully; had ops died of it, Python's
    # subprocess would have killed pulumi mid-update (pending operations, a locked stack).
    finished = tmp_path / "pulumi-finished"
    env = isolated_env
    fake = tmp_path / "bin" / "pulumi"
    fake.write_text(
        f"#!{sys.executable}\nimport json, os, signal, sys, time\n"
        f"if sys.argv[1:3] == ['stack', 'output']:\n    print(json.dumps({STACK_OUTPUTS!r}))\n    sys.exit(0)\n"
        "os.kill(os.getppid(), signal.SIGINT)\ntime.sleep(0.5)\n"
        f"open({str(finished)!r}, 'w').write('done')\n")
    fake.chmod(0o755)
    api = ScriptedJsonApi({"DescribeServices": [json_answer(service())],
                           "DescribeServiceDeployments": [json_answer(ENDED)]})
    with scripted_aws(api) as url:
        done = subprocess.run([sys.executable, "-m", "ops", "rewire", "--", "--yes"], cwd=REPO, capture_output=True,
                              text=True, timeout=60, check=False,
                              env={**env, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
                                   "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION,
                                   "BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE})

    assert done.returncode == 0, done.stderr
    assert "ops:" not in done.stderr.replace("ops: waiting for `pulumi stack output --json`", "")
    assert finished.read_text() == "done"
