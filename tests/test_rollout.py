"""The rollout as a value: strategies and hooks that validate themselves, and the wait they add up to."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from ecs_bluegreen.rollout import (
    ROLLOUT_OVERHEAD_MINUTES,
    AllAtOnce,
    Canary,
    LambdaTarget,
    LifecycleHook,
    Linear,
    PauseTarget,
    Rollout,
    manual_approval,
)
from ecs_bluegreen.smoke_test_hook import SmokeTestChecks, SmokeTestHookArgs
from ecs_bluegreen.hooks.smoke_test import handler as hook
from settings import SettingsError
from tests.test_settings import parse


def test_rollout_timeout_grows_with_the_bake_time() -> None:
    short = Rollout(AllAtOnce(), bake_time_minutes=0).timeout_minutes
    long = Rollout(AllAtOnce(), bake_time_minutes=120).timeout_minutes
    assert long - short == 120
    assert short == ROLLOUT_OVERHEAD_MINUTES >= 20, "scale-up, health checks and draining alone take minutes"


def test_a_new_hook_cannot_forget_its_budget() -> None:
    without = Rollout(Canary(percent=10, bake_minutes=5), bake_time_minutes=15)
    audit = LifecycleHook("PRE_SCALE_UP", LambdaTarget("arn:aws:lambda:::function:audit", "arn:role"),
                          budget_minutes=12)
    with_audit = Rollout(without.strategy, without.bake_time_minutes, [audit])
    assert with_audit.timeout_minutes == without.timeout_minutes + 12
    both = Rollout(without.strategy, without.bake_time_minutes, [audit, manual_approval(60, "ROLLBACK")])
    assert both.timeout_minutes == ROLLOUT_OVERHEAD_MINUTES + 12 + 60 + 5 + 15


def test_linear_waits_for_every_step() -> None:
    assert Linear(step_percent=20, step_bake_minutes=4).traffic_shift_minutes == 5 * 4
    assert Linear(step_percent=30, step_bake_minutes=2).traffic_shift_minutes == 4 * 2, "30+30+30+10"


@pytest.mark.parametrize("build, complaint", [
    (lambda: Linear(step_percent=2, step_bake_minutes=1), "Linear.step_percent 2 is not a multiple of 0.1 in 3-100"),
    (lambda: Linear(step_percent=33.33, step_bake_minutes=1), "Linear.step_percent 33.33 is not a multiple of 0.1"),
    (lambda: Canary(percent=10.55, bake_minutes=5), "Canary.percent 10.55 is not a multiple of 0.1"),
    (lambda: Linear(step_percent=10, step_bake_minutes=1441), "Linear.step_bake_minutes 1441"),
    (lambda: Canary(percent=0.05, bake_minutes=5), "Canary.percent 0.05"),
    (lambda: Rollout(AllAtOnce(), bake_time_minutes=-1), "Rollout.bake_time_minutes -1"),
    (lambda: LifecycleHook("POST_SCALE_UP", PauseTarget("ROLLBACK"), budget_minutes=0), "budget_minutes 0"),
    (lambda: LifecycleHook("TEST_TRAFFIC_SHIFT", PauseTarget("CONTINUE"), budget_minutes=5),
     "a PAUSE hook cannot run at TEST_TRAFFIC_SHIFT"),
])
def test_rollout_values_refuse_what_ecs_would(build: Callable[[], object], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        build()


# The smoke test's contract: one name, default and range per hookDetails key, in the handler.

def smoke_test_args(**checks: Any) -> SmokeTestHookArgs:
    return SmokeTestHookArgs(base_url="http://alb", header_name="X-Test", header_value="secret",
                             expected_version="v2", log_retention_days=7, checks=SmokeTestChecks(**checks))


def test_hook_details_are_the_handlers_own_configuration() -> None:
    args = smoke_test_args(max_attempts=4, callback_delay_seconds=30, health_path="/ready")
    details = json.loads(json.dumps(args.config("https://app.example.com").hook_details()))
    assert hook.parse_config(details) == hook.SmokeTestConfig(
        base_url="https://app.example.com", expected_version="v2", health_path="/ready", version_path="/",
        max_attempts=4, callback_delay_seconds=30)
    assert args.checks.budget_minutes == 2


def test_component_defaults_are_the_handlers_defaults() -> None:
    checks = SmokeTestChecks()
    assert (checks.max_attempts, checks.callback_delay_seconds, checks.health_path, checks.version_path) == (
        hook.MAX_ATTEMPTS.default, hook.CALLBACK_DELAY_SECONDS.default, hook.HEALTH_PATH.default,
        hook.VERSION_PATH.default)


@pytest.mark.parametrize("key, field", [("maxAttempts", hook.MAX_ATTEMPTS),
                                        ("callbackDelaySeconds", hook.CALLBACK_DELAY_SECONDS)])
def test_config_component_and_handler_share_one_range(key: str, field: hook.WholeNumberKey) -> None:
    allowed = f"from {field.low} to {field.high}"
    with pytest.raises(SettingsError, match=allowed):
        parse(smokeTest={"enabled": True, key: field.high + 1})
    parse(smokeTest={"enabled": True, key: field.high})
    with pytest.raises(ValueError, match=f"hookDetails.{key} must be a whole number {allowed}"):
        smoke_test_args(**{"max_attempts" if key == "maxAttempts" else "callback_delay_seconds": field.high + 1})
    with pytest.raises(hook.ConfigError, match=allowed):
        hook.parse_config({"baseUrl": "http://alb", "expectedVersion": "v2", key: field.low - 1})
