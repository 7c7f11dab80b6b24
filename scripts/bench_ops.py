#!/usr/bin/env python3
"""Times `python -m ops status` and `doctor` against a loopback AWS endpoint that takes LATENCY seconds to
answer each call (default 1 s), and says how many calls it held at once. Exit 1 if `status` took 5 s or
more at 1 s a call (issue 16: its reads must overlap, not add up).

    venv/bin/python scripts/bench_ops.py [--latency SECONDS]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.ops_fixtures import CLUSTER, REGION, SERVICE  # noqa: E402 - after the path is set
from tests.slow_aws import SlowAws, slow_aws  # noqa: E402

STATUS_BUDGET_SECONDS = 5.0


def timed(command: str, latency: float, home: str) -> tuple[float, int, int]:
    """(seconds, exit code, most calls held at once) for one run of `python -m ops COMMAND`."""
    api = SlowAws(latency)
    with slow_aws(api) as url:
        env = {"PATH": "/usr/bin:/bin", "HOME": home, "AWS_CONFIG_FILE": f"{home}/none",
               "AWS_SHARED_CREDENTIALS_FILE": f"{home}/none", "AWS_EC2_METADATA_DISABLED": "true",
               "AWS_ENDPOINT_URL": url, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
               "AWS_REGION": REGION, "BG_CLUSTER": CLUSTER, "BG_SERVICE": SERVICE}
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "ops", command], cwd=REPO, env=env, capture_output=True,
                              text=True, check=False)
        took = time.monotonic() - began
    if done.stderr:
        print(f"{command}: {done.stderr.strip()}", file=sys.stderr)
    return took, done.returncode, api.most_at_once()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--latency", type=float, default=1.0, help="seconds per AWS call (default: 1)")
    latency = parser.parse_args().latency
    results = {}
    with tempfile.TemporaryDirectory() as home:
        for command in ("status", "doctor"):
            took, code, at_once = results[command] = timed(command, latency, home)
            print(f"{command:<7} {took:5.1f} s  exit {code}  up to {at_once} calls at once  ({latency:g} s a call)")
    within = results["status"][0] < STATUS_BUDGET_SECONDS * latency
    print(f"status {'within' if within else 'NOT within'} {STATUS_BUDGET_SECONDS * latency:g} s")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
