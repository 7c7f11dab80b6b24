"""`pulumi config set appVersion v2 && pulumi up` must change the image, the task definition and the
service's reference to it, and nothing else: no replacement of the network, ALB, target groups,
listener, rules or security groups in the middle of a blue/green rollout."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pytest

from tests.aws_types import SERVICE, TASK_DEFINITION
from tests.pulumi_harness import ProgramRun, run_program


def comparable(value: Any) -> Any:
    """Assets compare by what they point at (the SDK's asset objects compare by identity)."""
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {name: comparable(asset) for name, asset in value.assets.items()}}
    if isinstance(value, pulumi.FileAsset):
        return {"file": value.path}
    if isinstance(value, dict):
        return {key: comparable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [comparable(item) for item in value]
    return value


def changed_inputs(before: ProgramRun, after: ProgramRun) -> dict[str, set[str]]:
    """URN -> names of the inputs whose values differ between the two runs."""
    old = {r.urn: comparable(r.inputs) for r in before.resources}
    new = {r.urn: comparable(r.inputs) for r in after.resources}
    assert old.keys() == new.keys(), "a rollout must not add or remove resources"
    changes: dict[str, set[str]] = {}
    for urn, inputs in new.items():
        keys = {k for k in old[urn].keys() | inputs.keys() if old[urn].get(k) != inputs.get(k)}
        if keys:
            changes[urn] = keys
    return changes


def short(urn: str) -> str:
    return urn.rsplit("::", 1)[-1]


@pytest.mark.parametrize("stack_overrides", [{}, {"bakeTimeMinutes": 0}], ids=["seed", "no-bake"])
def test_v2_changes_only_the_image_the_task_definition_and_the_services_reference(
        stack_overrides: dict[str, Any]) -> None:
    v1 = run_program("dev", appVersion="v1", **stack_overrides)
    v2 = run_program("dev", appVersion="v2", **stack_overrides)
    changes = {short(urn): keys for urn, keys in changed_inputs(v1, v2).items()}
    assert changes == {
        "app-image": {"imageName", "build"},
        "app-task": {"containerDefinitions"},
        "app-service": {"taskDefinition"},
    }
    assert v2.one(SERVICE)["taskDefinition"] == v2.one(TASK_DEFINITION).state["arn"]
    assert v2.one(TASK_DEFINITION).state["arn"] != \
        v1.one(TASK_DEFINITION).state["arn"]
    assert v2.outputs["appVersion"] == "v2"
    assert v2.outputs["imageRef"] != v1.outputs["imageRef"]


def test_with_every_safety_net_on_v2_also_changes_only_the_hooks_expected_version() -> None:
    safe: dict[str, Any] = {"smokeTest": {"enabled": True}, "manualApproval": {"enabled": True},
                            "rollbackAlarms": {"enabled": True}}
    v1 = run_program("dev", appVersion="v1", **safe)
    v2 = run_program("dev", appVersion="v2", **safe)
    changes = {short(urn): keys for urn, keys in changed_inputs(v1, v2).items()}
    assert changes == {
        "app-image": {"imageName", "build"},
        "app-task": {"containerDefinitions"},
        "app-service": {"taskDefinition", "deploymentConfiguration"},
    }
    hooks = [v.one(SERVICE)["deploymentConfiguration"]["lifecycleHooks"][0] for v in (v1, v2)]
    assert [json.loads(hook.pop("hookDetails"))["expectedVersion"] for hook in hooks] == ["v1", "v2"]
    assert hooks[0] == hooks[1], "only the expected version in the hook's details moves"


def test_a_new_prebuilt_digest_is_a_new_task_definition_revision_and_nothing_else() -> None:
    image = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app@sha256:"
    old = run_program("dev", image={"prebuilt": image + "1" * 64})
    new = run_program("dev", image={"prebuilt": image + "2" * 64})
    changes = {short(urn): keys for urn, keys in changed_inputs(old, new).items()}
    assert changes == {"app-task": {"containerDefinitions"}, "app-service": {"taskDefinition"}}
    assert new.one(TASK_DEFINITION).state["arn"] != old.one(TASK_DEFINITION).state["arn"]
    assert new.one(SERVICE)["taskDefinition"] == new.one(TASK_DEFINITION).state["arn"]
