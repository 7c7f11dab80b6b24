"""The real `python -m ops` process against loopback endpoints: a dead one, and one that answers 503 for a while.

AWS_ENDPOINT_URL sends every AWS client to 127.0.0.1; nothing leaves the machine. About 25 s in all: the dead
endpoint test waits out the CLI's own timeouts (all commands at once).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops.clients import CONNECT_TIMEOUT_SECONDS, MAX_ATTEMPTS, READ_TIMEOUT_SECONDS, new_session
from tests.fake_endpoints import SERVICE_UNAVAILABLE, Answer, ScriptedJsonApi, dead_endpoint, json_answer, scripted_aws
from tests.ops_fixtures import (
    CLUSTER, NEW_REVISION, OLD_REVISION, REGION, SERVICE, deployment, isolated_env, revisions, service,
    task_definition,
)

pytestmark = pytest.mark.waits

REPO = Path(__file__).resolve().parent.parent
# Not watch: it rides out timeouts from its first call for 3 minutes (test_watch_rides_out_503s_from_the_start).
COMMANDS = [["status"], ["rollback", "--yes"], ["approve", "--yes"], ["reject", "--yes"], ["doctor"],
            ["logs"], ["history"]]


def aws_env(base: dict[str, str], endpoint: str) -> dict[str, str]:
    return {**base, "AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION, "BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE}


def start(env: dict[str, str], *argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "ops", *argv], cwd=REPO, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_every_command_fails_within_30_s_in_one_line_on_an_endpoint_that_never_answers(
        isolated_env: dict[str, str]) -> None:  # noqa: F811 - the fixture
    with dead_endpoint() as url:
        began = time.monotonic()
        running = [(argv, start(aws_env(isolated_env, url), *argv)) for argv in COMMANDS]
        finished = [(argv, *process.communicate(timeout=60), process.returncode) for argv, process in running]
        took = time.monotonic() - began

    assert took < 30, f"took {took:.0f} s"
    for argv, stdout, stderr, code in finished:
        assert (code, stdout) == (3, ""), (argv, stdout, stderr)
        assert stderr.startswith("ops: AWS call failed: Read timeout on endpoint URL: ") and stderr.count("\n") == 1, \
            (argv, stderr)


def versions() -> dict[str, list[Answer]]:
    """Revision 7 runs v1, revision 8 runs v2 (fresh lists: the API pops its answers)."""
    return {"DescribeServiceRevisions": [json_answer(revisions((OLD_REVISION, 7, None), (NEW_REVISION, 8, None)))],
            "DescribeTaskDefinition": [json_answer(task_definition(7, "v1")), json_answer(task_definition(8, "v2"))]}


def watch_against(api: ScriptedJsonApi, env: dict[str, str]) -> tuple[int, str, str]:
    with scripted_aws(api) as url:
        process = start(aws_env(env, url), "watch", "--interval", "1")
        stdout, stderr = process.communicate(timeout=60)
    return process.returncode, stdout, stderr


def test_watch_rides_out_503s_from_the_real_endpoint_and_reports_the_outcome(
        isolated_env: dict[str, str]) -> None:  # noqa: F811 - the fixture
    api = ScriptedJsonApi({
        "DescribeServices": [json_answer(service())],
        # Six 503s: two polls fail after botocore's own three attempts each; the third poll is answered.
        "DescribeServiceDeployments": [json_answer(deployment("IN_PROGRESS", "BAKE_TIME")), *[SERVICE_UNAVAILABLE] * 6,
                                       json_answer(deployment("SUCCESSFUL", "CLEAN_UP"))],
        **versions(),
    })
    code, stdout, stderr = watch_against(api, isolated_env)

    assert (code, stderr) == (0, "")
    assert api.calls.count("DescribeServiceDeployments") == 8
    retrying = [line for line in stdout.splitlines() if "retrying" in line]
    assert len(retrying) == 1 and "ServerException" in retrying[0], stdout
    assert stdout.splitlines()[-1].endswith("deployment SUCCESSFUL: v2 serves production traffic")


def test_watch_rides_out_503s_from_the_start(isolated_env: dict[str, str]) -> None:  # noqa: F811 - the fixture
    """`pulumi up && python -m ops watch` in CI: a blip while watch starts is ridden out, not exit 3."""
    api = ScriptedJsonApi({
        # Three 503s: botocore's three attempts of the first DescribeServices all fail.
        "DescribeServices": [*[SERVICE_UNAVAILABLE] * 3, json_answer(service())],
        "DescribeServiceDeployments": [*[SERVICE_UNAVAILABLE] * 3, json_answer(deployment("SUCCESSFUL", "CLEAN_UP"))],
        **versions(),
    })
    code, stdout, stderr = watch_against(api, isolated_env)

    assert (code, stderr) == (0, "")
    assert [line.split(" ", 1)[1] for line in stdout.splitlines() if "retrying" in line or "again" in line] == [
        "polling failed (DescribeServices failed: ServerException: Service Unavailable); retrying for up to 3m00s",
        "AWS answers again",
        "polling failed (DescribeServiceDeployments failed: ServerException: Service Unavailable); retrying for up "
        "to 3m00s",
        "AWS answers again"]
    assert stdout.splitlines()[-1].endswith("deployment SUCCESSFUL: v2 serves production traffic")


@pytest.mark.parametrize("service", ["sts", "sso", "ecs"])
def test_the_clients_botocore_makes_for_credentials_get_the_same_timeouts(service: str) -> None:
    # With an assumed-role or SSO profile, botocore calls STS or SSO through clients of its own making;
    # they must not fall back to its 60 s reads and legacy retries.
    core = new_session("us-east-1")._session
    config = core.create_client(service, region_name="us-east-1").meta.config
    assert (config.connect_timeout, config.read_timeout) == (CONNECT_TIMEOUT_SECONDS, READ_TIMEOUT_SECONDS)
    assert config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}


def test_a_reader_that_goes_away_ends_watch_quietly(isolated_env: dict[str, str]) -> None:  # noqa: F811
    """`python -m ops watch | head -2`: the next line written after head exits must not be reported as a bug."""
    api = ScriptedJsonApi({
        "DescribeServices": [json_answer(service())],
        "DescribeServiceDeployments": [json_answer(deployment("IN_PROGRESS", "BAKE_TIME")),
                                       json_answer(deployment("IN_PROGRESS", "CLEAN_UP"))],
        **versions(),
    })
    with scripted_aws(api) as url:
        process = start(aws_env(isolated_env, url), "watch", "--interval", "1")
        assert process.stdout is not None and process.stderr is not None
        first_two = [process.stdout.readline(), process.stdout.readline()]
        process.stdout.close()  # as head does after two lines
        code = process.wait(timeout=30)
        stderr = process.stderr.read()

    assert first_two[0].startswith("Watching deployment ")
    assert (code, stderr) == (141, "")
