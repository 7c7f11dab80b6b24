"""What ECS owns once the service has deployed, and how the program stays out of its way.

ECS rewrites the listener rules' weights and may swap which target group the service calls primary;
a `pulumi up` that sent either back could put traffic on an empty group, or the next revision's tasks
into the live one. A rollback leaves Pulumi's state naming the new task definition; only a refresh
shows the program that ECS serves the old one again.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from settings import PROJECT_DIR, REWIRE_VARIABLE, SettingsError
from tests.aws_types import RULE, SERVICE, TARGET_GROUP
from tests.pulumi_harness import ProgramFailed, ProgramRun, run_program


def orientation(run: ProgramRun) -> tuple[str, str]:
    """(primary, alternate) target group colors the service's load balancer names."""
    [balancer] = run.one(SERVICE)["loadBalancers"]
    colors = {run.one(TARGET_GROUP, f"-{color}").state["arn"]: color for color in ("blue", "green")}
    return colors[balancer["targetGroupArn"]], colors[balancer["advancedConfiguration"]["alternateTargetGroupArn"]]


@pytest.mark.parametrize("stack", sorted(p.name.split(".")[1] for p in Path(PROJECT_DIR).glob("Pulumi.*.yaml")))
def test_every_stack_leaves_the_orientation_and_the_weights_to_ecs(stack: str) -> None:
    run = run_program(stack)
    assert "loadBalancers" in run.one(SERVICE).ignore_changes
    assert "taskDefinition" not in run.one(SERVICE).ignore_changes, "a new revision must still deploy"
    forward_rules = [rule for rule in run.of_type(RULE) if rule["actions"][0]["type"] == "forward"]
    assert forward_rules, "the production rule forwards"
    for rule in forward_rules:
        assert rule.ignore_changes == ["actions"], rule.name
    assert orientation(run) == ("blue", "green"), "a new service starts with blue primary"


@pytest.mark.parametrize("primary", ["blue", "green"])
def test_a_rewire_sends_the_wiring_once_with_the_primary_ecs_has_now(
        monkeypatch: pytest.MonkeyPatch, primary: str) -> None:
    monkeypatch.setenv(REWIRE_VARIABLE, primary)
    run = run_program("dev", testTraffic={"enabled": True})
    service = run.one(SERVICE)
    assert "loadBalancers" not in service.ignore_changes
    assert orientation(run) == (primary, "blue" if primary == "green" else "green")
    [balancer] = service["loadBalancers"]
    assert balancer["advancedConfiguration"]["testListenerRule"] == run.one(RULE, "test-rule").state["arn"]


def test_a_rewire_keeps_the_count_with_autoscaling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(REWIRE_VARIABLE, "green")
    assert run_program("prod").one(SERVICE).ignore_changes == ["desiredCount"]


@pytest.mark.parametrize("value", ["Green", "primary", "", "green\n"])
def test_a_bad_rewire_value_stops_the_program_before_any_resource(monkeypatch: pytest.MonkeyPatch,
                                                                  value: str) -> None:
    monkeypatch.setenv(REWIRE_VARIABLE, value)
    with pytest.raises(ProgramFailed) as failure:
        run_program("dev")
    assert isinstance(failure.value.cause, SettingsError)
    assert str(failure.value.cause).startswith(f"environment variable '{REWIRE_VARIABLE}': {value!r} is not allowed; "
                                               "allowed: blue or green")
    assert failure.value.resources == []


def test_every_pulumi_up_refreshes_first() -> None:
    # Without a refresh, a `pulumi up` retried after ECS rolled v2 back compares v2 with the state's v2:
    # no change, success reported, v1 served. Refreshed, the state names v1's task definition again,
    # and the program's v2 differs from it (the service does not ignore taskDefinition).
    project = yaml.safe_load((PROJECT_DIR / "Pulumi.yaml").read_text())
    assert project["options"]["refresh"] == "always"
