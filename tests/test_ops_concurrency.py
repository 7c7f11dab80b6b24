"""`status` and `doctor` read AWS at the same time where the reads do not depend on each other.

The real `python -m ops` process against a loopback endpoint that holds every call half a second and
records which calls it held at once. scripts/bench_ops.py times the same at a second a call.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.ops_fixtures import CLUSTER, REGION, SERVICE, isolated_env  # noqa: F401 - a pytest fixture
from tests.slow_aws import SlowAws, slow_aws

pytestmark = pytest.mark.waits

REPO = Path(__file__).resolve().parent.parent


def ops_against(api: SlowAws, env: dict[str, str], *argv: str) -> subprocess.CompletedProcess[str]:
    with slow_aws(api) as url:
        return subprocess.run(
            [sys.executable, "-m", "ops", *argv], cwd=REPO, capture_output=True, text=True, timeout=60, check=False,
            env={**env, "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                 "AWS_REGION": REGION, "BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE})


def test_status_reads_the_deployment_rule_target_health_and_tasks_together(isolated_env: dict[str, str]) -> None:
    api = SlowAws(latency=0.5)
    done = ops_against(api, isolated_env, "status")

    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert "Production  live: app-green-9c1d" in done.stdout
    assert "Essential container in task exited" in done.stdout
    assert api.seen_together("DescribeServiceDeployments", "DescribeRules", "DescribeTargetHealth",
                             "DescribeTargetHealth", "ListTasks"), api.held_together
    assert api.seen_together("DescribeTaskDefinition", "DescribeTaskDefinition"), api.held_together


def test_doctor_reads_its_facts_and_runs_its_checks_together(isolated_env: dict[str, str]) -> None:
    api = SlowAws(latency=0.5)
    done = ops_against(api, isolated_env, "doctor")

    assert done.returncode == 6, done.stderr  # the deployment is still in BAKE_TIME
    assert done.stdout.splitlines()[0].startswith("FAIL  last deployment succeeded")
    assert "PASS  live group runs the current revision" in done.stdout
    # The checks' own reads start as soon as the facts they need are in, beside the deployment's.
    assert api.seen_together("DescribeServiceDeployments", "DescribeRules", "DescribeRules"), api.held_together
    assert api.seen_together("DescribeServiceRevisions", "DescribeTargetHealth", "ListTasks"), api.held_together
