"""`python -m acceptance` with a fake `pulumi` on PATH, a fake `python -m ops`, and a loopback web server
standing in for the stack's URL: no cloud, no Pulumi CLI."""

from __future__ import annotations

import io
import json
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest

from acceptance.cli import main
from acceptance.probe import Probe
from acceptance.runner import attempt
from acceptance.steps import STEPS, Options, Run
from acceptance.tools import CommandRunner, Ops, Pulumi
from tests.fake_endpoints import Answer, dead_endpoint, serve

pytestmark = pytest.mark.waits  # mostly waits on the fake CLIs' processes

STACK = "acceptance-test"
REFUSAL = {"exit": 255, "stderr": "error: This update changes what the live service is wired to (it turns the test "
                                  "listener rule on): run `python -m ops rewire`, which sends it once with the "
                                  "target group ECS serves from (BLUEGREEN_REWIRE_PRIMARY). Nothing was changed.\n"}
UP_OK = {"stdout": "Resources:\n    42 unchanged\n"}
ROLLED_BACK = {"exit": 255, "stderr": "error: ECS Deployment Rollback: ... failed to reach steady state\n"}
# Deploy v1, roll out v2, smoke test on (refused), v3 (rolled back), the retry, then the wiring changes.
UPS = [UP_OK, UP_OK, REFUSAL, ROLLED_BACK, UP_OK, REFUSAL, REFUSAL, REFUSAL, REFUSAL, REFUSAL, REFUSAL]
SERVICE_URN = "urn:pulumi:acceptance-test::ecs-bluegreen::ecs-bluegreen:EcsBlueGreenService$aws:ecs/service:Service::svc"
HISTORY = {"service": "svc", "cluster": "cluster",
           "deployments": [{"id": "third", "status": "ROLLBACK_SUCCESSFUL"}, {"id": "second", "status": "SUCCESSFUL"}]}

FAKE_CLI = """\
import json, pathlib, sys, time
home, tool, argv = pathlib.Path({home!r}), {tool!r}, sys.argv[1:]
with (home / "calls.jsonl").open("a") as calls:
    calls.write(json.dumps([tool, *argv]) + "\\n")
counts_file = home / "counts.json"
counts = json.loads(counts_file.read_text()) if counts_file.exists() else {{}}
answer = {{}}
for index, rule in enumerate(json.loads((home / "scenario.json").read_text())[tool]):
    if all(word in argv for word in rule["when"]):
        seen = counts.get(f"{{tool}}{{index}}", 0)
        counts[f"{{tool}}{{index}}"] = seen + 1
        counts_file.write_text(json.dumps(counts))
        answer = rule["answers"][min(seen, len(rule["answers"]) - 1)]
        break
if "touch" in answer:
    pathlib.Path(answer["touch"]).touch()
time.sleep(answer.get("sleep", 0))
sys.stdout.write(answer.get("stdout", ""))
sys.stderr.write(answer.get("stderr", ""))
sys.exit(answer.get("exit", 0))
"""


@dataclass
class Fakes:
    """The fake CLIs' script (rules: every word in `when` is in argv -> the next of `answers`, the last
    repeating; no rule: exit 0) and what they were called with."""

    home: Path
    site: str
    outage: Path
    """While this file exists the site answers 503."""
    scenario: dict[str, list[dict[str, Any]]]

    def answer(self, tool: str, when: list[str], *answers: dict[str, Any]) -> None:
        self.scenario[tool].insert(0, {"when": when, "answers": list(answers)})

    def run(self, *flags: str) -> int:
        (self.home / "scenario.json").write_text(json.dumps(self.scenario))
        return main(["--stack", STACK, "--probe-interval", "0.05", "--probe-timeout", "2", *flags],
                    ops_command=self.ops_command())

    def context(self, options: Options) -> Run:
        (self.home / "scenario.json").write_text(json.dumps(self.scenario))
        runner = CommandRunner(self.home, io.StringIO())
        return Run(Pulumi(runner, STACK), Ops(runner, STACK, self.ops_command()), options)

    def ops_command(self) -> list[str]:
        return [sys.executable, "-IS", str(self.home / "ops")]

    def calls(self, tool: str = "pulumi") -> list[list[str]]:
        lines = (self.home / "calls.jsonl").read_text().splitlines()
        return [call[1:] for call in map(json.loads, lines) if call[0] == tool]

    def called(self, *words: str, tool: str = "pulumi") -> bool:
        return any(list(words) == call[:len(words)] for call in self.calls(tool))


@pytest.fixture
def fakes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fakes]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool, path in (("pulumi", bin_dir / "pulumi"), ("ops", tmp_path / "ops")):
        path.write_text(f"#!{sys.executable} -IS\n" + FAKE_CLI.format(home=str(tmp_path), tool=tool))
        path.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    outage = tmp_path / "outage"

    def respond(_: BaseHTTPRequestHandler) -> Answer:
        if outage.exists():
            return Answer(503, b"Service Unavailable")
        return Answer(200, b"Hello from ECS Fargate! Version: v3")

    with serve(respond) as site:
        outputs = {"url": site, "albDnsName": site.removeprefix("http://")}
        scenario: dict[str, list[dict[str, Any]]] = {
            "pulumi": [{"when": ["stack", "output"], "answers": [{"stdout": json.dumps(outputs)}]},
                       {"when": ["preview", "--json"], "answers": [{"stdout": json.dumps(
                           {"steps": [{"op": "same", "urn": "urn:pulumi:x::y::aws:ecs/cluster:Cluster::c"},
                                      {"op": "update", "urn": SERVICE_URN}]})}]},
                       {"when": ["up"], "answers": UPS}],
            "ops": [{"when": ["history"], "answers": [{"stdout": json.dumps(HISTORY)}]}]}
        yield Fakes(tmp_path, site, outage, scenario)


def report_lines(capsys: pytest.CaptureFixture[str]) -> list[str]:
    return [line for line in capsys.readouterr().out.splitlines() if line.split(" ")[0] in ("PASS", "FAIL", "SKIP")]


def items(lines: list[str], result: str) -> list[str]:
    return [line.removeprefix(f"{result} ").split(":")[0] for line in lines if line.startswith(f"{result} ")]


def line_of(lines: list[str], item: str) -> str:
    [line] = [line for line in lines if line.split(" ", 1)[1].startswith(f"{item}:")]
    return line


ALL_ITEMS = [step.item for step in STEPS]
HTTPS_ITEMS = ["turn HTTPS on", "turn HTTPS off"]
TEARDOWN = ["destroy the stack", "remove the stack"]


def test_the_happy_path_passes_every_item_skips_https_and_destroys_the_stack(
        fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    code = fakes.run()

    lines = report_lines(capsys)
    assert code == 0, lines
    assert items(lines, "PASS") == [item for item in ALL_ITEMS if item not in HTTPS_ITEMS] + TEARDOWN
    assert items(lines, "SKIP") == HTTPS_ITEMS
    assert "needs --certificate-arn, --domain and --hosted-zone-id" in line_of(lines, "turn HTTPS on")
    assert not fakes.called("config", "set", "--path", "https.certificateArn")
    assert fakes.called("stack", "init", STACK, "--no-select")
    assert fakes.called("config", "set", "aws:region", "ap-northeast-1")
    assert fakes.called("up", "--yes", "--skip-preview")
    assert fakes.called("config", "set", "--path", "smokeTest.versionPath", "/health")
    assert fakes.called("rewire", "--stack", STACK, "--", "--yes", tool="ops")
    assert fakes.calls()[-2:] == [["destroy", "--yes", "--stack", STACK, "--non-interactive"],
                                  ["stack", "rm", "--yes", "--stack", STACK, "--non-interactive"]]


def test_https_items_run_with_the_certificate_flags(fakes: Fakes) -> None:
    # The two steps alone: the whole run is covered above, and each fake call costs a process start.
    fakes.answer("pulumi", ["up"], REFUSAL)
    options = Options(certificate_arn="arn:aws:acm:ap-northeast-1:123456789012:certificate/abc",
                      domain="app.example.com", hosted_zone_id="Z123", probe_interval=0.05)
    https_steps = [step for step in STEPS if step.item in HTTPS_ITEMS]

    outcomes = [attempt(step, fakes.context(options)) for step in https_steps]

    assert [outcome.result for outcome in outcomes] == ["PASS", "PASS"], outcomes
    assert fakes.called("config", "set", "--path", "https.domainName", "app.example.com")
    assert fakes.called("config", "rm", "--path", "https.certificateArn")
    assert fakes.calls("ops").count(["rewire", "--stack", STACK, "--", "--yes"]) == 2


def test_a_non_2xx_answer_during_a_step_fails_that_step(fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    # The v2 rollout's `pulumi up` takes the site down for a moment, as a bad traffic shift would.
    fakes.answer("pulumi", ["up"], UP_OK, {**UP_OK, "touch": str(fakes.outage), "sleep": 0.2})

    code = fakes.run()

    lines = report_lines(capsys)
    assert code == 1
    assert items(lines, "FAIL") == ["roll out v2 with no failed request"]
    assert "not 2xx (e.g. 503" in line_of(lines, "roll out v2 with no failed request")
    assert items(lines, "PASS")[-2:] == TEARDOWN


def test_a_wiring_change_a_plain_up_does_not_refuse_fails(fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    fakes.answer("pulumi", ["up"], UP_OK, UP_OK, UP_OK)

    code = fakes.run()

    lines = report_lines(capsys)
    assert code == 1
    assert items(lines, "FAIL") == ["turn the smoke test on, with its test rule"]
    assert "a plain pulumi up did not refuse it" in line_of(lines, "turn the smoke test on, with its test rule")
    assert not fakes.called("rewire", tool="ops")


@pytest.mark.parametrize("tool, when, answer, failed_item, detail", [
    ("ops", ["history"], {"stdout": json.dumps({"deployments": [{"id": "third", "status": "SUCCESSFUL"}]})},
     "v3 fails its smoke test and ECS rolls it back with no failed request",
     "the newest deployment third is SUCCESSFUL, not ROLLBACK_SUCCESSFUL"),
    ("pulumi", ["preview", "--json"], {"stdout": json.dumps({"steps": [{"op": "same", "urn": SERVICE_URN}]})},
     "confirm after the rollback a preview shows the service changing", "the refresh did not read the rollback"),
])
def test_a_rollback_ecs_did_not_make_or_pulumi_did_not_read_fails(
        fakes: Fakes, tool: str, when: list[str], answer: dict[str, Any], failed_item: str, detail: str) -> None:
    fakes.answer(tool, when, answer)
    fakes.answer("pulumi", ["up"], ROLLED_BACK)
    [step] = [step for step in STEPS if step.item == failed_item]

    outcome = attempt(step, fakes.context(Options(probe_interval=0.05)))

    assert (outcome.result, detail in outcome.detail) == ("FAIL", True), outcome


def test_a_failure_in_the_middle_still_destroys_the_stack(fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    fakes.answer("ops", ["doctor"], {"exit": 6, "stdout": "FAIL  service primary is the live group  ...\n"})

    code = fakes.run()

    lines = report_lines(capsys)
    assert code == 1
    assert items(lines, "FAIL") == ["confirm ops doctor passes after the v2 rollout"]
    assert "exit 6: FAIL service primary is the live group" in lines[3]
    assert all(line.startswith("SKIP ") for line in lines[4:-2])
    assert items(lines, "PASS")[-2:] == TEARDOWN
    assert fakes.called("destroy", "--yes", "--stack", STACK)


def test_keep_leaves_the_stack_and_says_how_to_remove_it(fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    fakes.answer("pulumi", ["up"], {"exit": 255, "stderr": "error: docker build failed\n"})

    code = fakes.run("--keep")

    lines = report_lines(capsys)
    assert code == 1
    assert lines[0] == (f"FAIL create the stack and deploy v1: `pulumi up --yes --skip-preview --stack {STACK} "
                        "--non-interactive` exit 255: error: docker build failed")
    assert lines[-1].startswith(f"SKIP destroy the stack: --keep: the stack stays (and costs money); remove it "
                                f"with: pulumi destroy --stack {STACK} --yes")
    assert not fakes.called("destroy") and not fakes.called("stack", "rm")


def test_a_stack_the_run_could_not_create_is_never_destroyed(fakes: Fakes, capsys: pytest.CaptureFixture[str]) -> None:
    fakes.answer("pulumi", ["stack", "init"], {"exit": 255, "stderr": "error: stack 'acceptance-test' already exists\n"})

    assert fakes.run() == 1

    lines = report_lines(capsys)
    assert lines[0].startswith("FAIL create the stack and deploy v1:")
    assert "already exists" in lines[0]
    assert not fakes.called("destroy") and not fakes.called("stack", "rm")


def test_the_probe_stops_by_itself_and_counts_requests_that_get_no_answer() -> None:
    with dead_endpoint() as url:
        probe = Probe(url, interval=0.001, timeout=0.05, max_requests=3)
        with probe:
            report = probe.wait_until_done(timeout=2)

    assert report.requests == 3
    assert len(report.failures) == 3 and report.failures[0].startswith("no answer")
    assert not report.clean


def test_help_says_what_it_costs_and_that_it_has_not_run_against_aws(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])

    text = " ".join(capsys.readouterr().out.split())
    assert exit_info.value.code == 0
    assert "It COSTS MONEY" in text and "takes about an hour" in text
    assert "This repository has NOT run it against AWS" in text
    assert all(step.item in text for step in STEPS)
