"""--deadline: every command ends in the time it was given, with one line and exit 7, except while a prompt
waits for the operator."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ops.cli import build_parser, main
from ops.deadline import deadline_seconds
from ops.errors import ExitCode
from ops.parallel import in_turn
from tests.ops_fixtures import CLUSTER, FLAGS, REGION, SERVICE, isolated_env, stubbed_aws  # noqa: F401 - a fixture
from tests.slow_aws import SlowAws, slow_aws
from tests.test_ops_rollback import IN_FLIGHT, expect_rollback_of

pytestmark = pytest.mark.waits

REPO = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("argv", [["status"], ["watch", "--interval", "1"]], ids=["status", "watch"])
def test_a_command_past_its_deadline_ends_in_one_line_with_exit_7(isolated_env: dict[str, str],
                                                                   argv: list[str]) -> None:
    with slow_aws(SlowAws(latency=3)) as url:  # status needs four calls in a row, watch keeps polling
        done = subprocess.run(
            [sys.executable, "-m", "ops", *argv, "--deadline", "1"], cwd=REPO, capture_output=True, text=True,
            timeout=60, check=False,
            env={**isolated_env, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing",
                 "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": REGION, "BG_CLUSTER": CLUSTER,
                 "BG_SERVICE": SERVICE})

    assert done.returncode == ExitCode.DEADLINE == 7
    assert done.stderr == ("ops: gave up after 1 s (--deadline): AWS or pulumi answered too slowly; anything "
                           "already requested carries on\n")


class SlowOperator(io.StringIO):
    """Takes a second and a half to answer the prompt."""

    def readline(self, size: int | None = -1, /) -> str:
        time.sleep(1.5)
        return "y\n"


def test_the_time_an_operator_takes_to_answer_a_prompt_does_not_count() -> None:
    out, err = io.StringIO(), io.StringIO()
    with stubbed_aws() as aws:
        expect_rollback_of(aws, IN_FLIGHT)
        code = main(["rollback", "--no-wait", "--deadline", "1", *FLAGS], clients=aws.clients, stdin=SlowOperator(),
                    stdout=out, stderr=err, environ={}, load_outputs=lambda _stack, _secrets: {}, start=in_turn)

    assert (code, err.getvalue()) == (0, "")
    assert out.getvalue().endswith("Follow it with: python -m ops watch\n")


@pytest.mark.parametrize("argv, seconds", [
    (["status"], 60), (["doctor"], 60), (["logs"], 60), (["rollback", "--no-wait"], 60), (["approve"], 60),
    (["watch"], None), (["rollback"], None), (["logs", "--follow"], None),
    (["watch", "--deadline", "600"], 600), (["status", "--deadline", "0"], None),
])
def test_commands_that_follow_have_no_deadline_unless_given_one(argv: list[str], seconds: float | None) -> None:
    assert deadline_seconds(build_parser().parse_args(argv)) == seconds
