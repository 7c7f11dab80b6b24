"""On a terminal, `watch` draws the rollout live (stage, tasks and traffic as bars, hooks, time); piped, it
prints the plain lines alone. The real process against a scripted loopback ECS endpoint."""

from __future__ import annotations

import errno
import fcntl
import os
import pty
import re
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

from tests.fake_endpoints import Answer, ScriptedJsonApi, json_answer, scripted_aws
from tests.ops_fixtures import (
    CLUSTER, NEW_REVISION, OLD_REVISION, REGION, SERVICE, deployment, isolated_env, lambda_hook,  # noqa: F401
    revision_summary, revisions, service, task_definition,
)

pytestmark = pytest.mark.waits

REPO = Path(__file__).resolve().parent.parent
ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
BAR = "━"  # rich's bar character


def rollout() -> ScriptedJsonApi:
    """Test traffic on the new revision (one of its two tasks up), its smoke test running, for two polls;
    then done."""
    testing = deployment("IN_PROGRESS", "TEST_TRAFFIC_SHIFT", hooks=[lambda_hook("IN_PROGRESS")],
                         target=revision_summary(NEW_REVISION, 1, pending=1, prod=0.0, test=100.0),
                         source=revision_summary(OLD_REVISION, 2, prod=100.0, test=0.0))
    done = deployment("SUCCESSFUL", "CLEAN_UP", target=revision_summary(NEW_REVISION, 2, prod=100.0, test=100.0),
                      source=revision_summary(OLD_REVISION, 0, requested=0, prod=0.0, test=0.0))
    return ScriptedJsonApi({
        "DescribeServices": [json_answer(service())],
        "DescribeServiceDeployments": [json_answer(testing)] * 2 + [json_answer(done)],
        "DescribeServiceRevisions": [json_answer(revisions((OLD_REVISION, 7, None), (NEW_REVISION, 8, None)))],
        "DescribeTaskDefinition": [json_answer(task_definition(7, "v1")), json_answer(task_definition(8, "v2"))],
    })


def environment(base: dict[str, str], url: str) -> dict[str, str]:
    return {**base, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION, "BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE, "TERM": "xterm-256color"}


def watch_on_a_terminal(env: dict[str, str]) -> tuple[int, str]:
    """Runs watch with a 160x40 pseudo-terminal as its stdout; returns its exit code and all it wrote there."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 160, 0, 0))
    process = subprocess.Popen([sys.executable, "-m", "ops", "watch", "--interval", "1"], cwd=REPO, env=env,
                               stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    written = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError as error:  # EIO: the process closed the terminal's last writer
            if error.errno != errno.EIO:
                raise
            break
        if not chunk:
            break
        written += chunk
    os.close(leader)
    process.wait(timeout=30)
    return process.returncode, written.decode()


def test_on_a_terminal_watch_draws_stage_tasks_traffic_hooks_and_time_live(isolated_env: dict[str, str]) -> None:
    with scripted_aws(rollout()) as url:
        code, written = watch_on_a_terminal(environment(isolated_env, url))

    seen = ESCAPE.sub("", written)
    assert code == 0, seen
    assert "Stage TEST_TRAFFIC_SHIFT" in seen
    assert re.search(rf"target v2 +tasks 1/2 +{BAR}+.{BAR}+ +prod +0% +{BAR}+ +test 100% +{BAR}+", seen), seen
    styles = r"(\x1b\[[0-9;]*m)+"  # the filled half of the bar is drawn in another colour than the rest
    assert re.search(rf"tasks 1/2 {styles}{BAR}{{10}}{styles}╺{styles}{BAR}{{9}}", written), written
    assert re.search(rf"source v1 +tasks 2/2 +{BAR}+ +prod 100% +{BAR}+ +test +0% +{BAR}+", seen), seen
    assert "Hooks  AWS_LAMBDA IN_PROGRESS" in seen
    assert re.search(r"Time   \d+s of 2h00m \(--timeout\)", seen), seen
    assert "\x1b[2K" in written  # the view is erased and redrawn in place
    assert "deployment SUCCESSFUL: v2 serves production traffic" in seen  # the plain lines go on above it


def test_piped_watch_prints_the_plain_lines_alone(isolated_env: dict[str, str]) -> None:
    with scripted_aws(rollout()) as url:
        done = subprocess.run([sys.executable, "-m", "ops", "watch", "--interval", "1"], cwd=REPO,
                              env=environment(isolated_env, url), capture_output=True, text=True, timeout=60,
                              check=False)

    assert (done.returncode, done.stderr) == (0, "")
    assert "\x1b" not in done.stdout and BAR not in done.stdout and "Stage " not in done.stdout
    assert [line.split(None, 1)[1] for line in done.stdout.splitlines() if line.startswith("[+")] == [
        "IN_PROGRESS          TEST_TRAFFIC_SHIFT", "AWS_LAMBDA app-smoke-test hook: IN_PROGRESS",
        "SUCCESSFUL           CLEAN_UP", "deployment SUCCESSFUL: v2 serves production traffic"]


def test_on_a_terminal_a_notice_on_stderr_is_printed_above_the_view_not_through_it(isolated_env: dict[str, str]) -> None:
    api = rollout()
    api.script["DescribeServiceRevisions"] = [Answer(400, b'{"__type": "AccessDeniedException", "message": "denied"}',
                                                     {"Content-Type": "application/x-amz-json-1.1"})]
    with scripted_aws(api) as url:
        code, written = watch_on_a_terminal(environment(isolated_env, url))

    seen = ESCAPE.sub("", written)
    assert code == 0, seen
    assert "versions show as ?" in seen, "the notice went through the live view's console"
    assert "Stage TEST_TRAFFIC_SHIFT" in seen
