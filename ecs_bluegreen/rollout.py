"""How ECS rolls a new revision out: the traffic strategy, the lifecycle hooks, and how long it may take.

Plain, self-validating values (not resources), shared by the service, the hooks that plug into it and
the settings that build them. Ranges are the ECS API's (DeploymentConfiguration in the ECS API reference).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

import pulumi
import pulumi_aws as aws

LifecycleStage = Literal[
    "RECONCILE_SERVICE", "PRE_SCALE_UP", "POST_SCALE_UP", "TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT", "POST_PRODUCTION_TRAFFIC_SHIFT"]
TimeoutAction = Literal["ROLLBACK", "CONTINUE"]
TIMEOUT_ACTIONS: tuple[TimeoutAction, ...] = get_args(TimeoutAction)
# ECS rejects a PAUSE hook at the two stages in which it moves traffic itself.
_STAGES_WITHOUT_PAUSE = ("TEST_TRAFFIC_SHIFT", "PRODUCTION_TRAFFIC_SHIFT")

MAX_BAKE_MINUTES = 1440
MAX_HOOK_TIMEOUT_MINUTES = 20160
# Starting tasks, two passing health checks, the traffic shift and draining the old tasks: a few
# minutes each; the margin covers a slow image pull or capacity retries.
ROLLOUT_OVERHEAD_MINUTES = 30
# ECS's ranges for the traffic percentages (both in multiples of 0.1).
LINEAR_STEP_PERCENT = (3.0, 100.0)
CANARY_PERCENT = (0.1, 100.0)


def _require(condition: bool, what: str) -> None:
    if not condition:
        raise ValueError(what)


def _tenths(percent: float) -> bool:
    """ECS takes traffic percentages in multiples of 0.1."""
    return math.isclose(percent * 10, round(percent * 10), abs_tol=1e-9)


def _require_percent(field: str, percent: float, bounds: tuple[float, float]) -> None:
    low, high = bounds
    _require(low <= percent <= high and _tenths(percent),
             f"{field} {percent} is not a multiple of 0.1 in {low:g}-{high:g}")


def _require_bake_minutes(field: str, minutes: int) -> None:
    _require(0 <= minutes <= MAX_BAKE_MINUTES, f"{field} {minutes} is not in 0-{MAX_BAKE_MINUTES}")


@dataclass(frozen=True)
class AllAtOnce:
    """BLUE_GREEN: all production traffic moves to the new revision in one step."""

    kind = "BLUE_GREEN"

    @property
    def traffic_shift_minutes(self) -> int:
        return 0


@dataclass(frozen=True)
class Linear:
    """LINEAR: production traffic moves in equal steps of `step_percent`, `step_bake_minutes` apart."""

    step_percent: float
    step_bake_minutes: int
    kind = "LINEAR"

    def __post_init__(self) -> None:
        _require_percent("Linear.step_percent", self.step_percent, LINEAR_STEP_PERCENT)
        _require_bake_minutes("Linear.step_bake_minutes", self.step_bake_minutes)

    @property
    def traffic_shift_minutes(self) -> int:
        return math.ceil(100 / self.step_percent) * self.step_bake_minutes


@dataclass(frozen=True)
class Canary:
    """CANARY: `percent` of production traffic for `bake_minutes`, then the rest."""

    percent: float
    bake_minutes: int
    kind = "CANARY"

    def __post_init__(self) -> None:
        _require_percent("Canary.percent", self.percent, CANARY_PERCENT)
        _require_bake_minutes("Canary.bake_minutes", self.bake_minutes)

    @property
    def traffic_shift_minutes(self) -> int:
        return self.bake_minutes


Strategy = AllAtOnce | Linear | Canary


def hook_details_json(details: Mapping[str, Any]) -> str:
    """hookDetails as the provider reads them back from ECS: compact, keys sorted (Go's JSON encoding).

    Lifecycle hooks are a set in the provider's schema, so the details string is part of each hook's
    identity; any other spacing or key order would show as a change on every preview of the stack.
    """
    return json.dumps(details, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class LambdaTarget:
    """ECS invokes `function_arn` through `invoke_role_arn` and passes it `details` (see hook_details_json)."""

    function_arn: pulumi.Input[str]
    invoke_role_arn: pulumi.Input[str]
    details: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class PauseTarget:
    """ECS waits for ContinueServiceDeployment (`python -m ops approve | reject`); at the hook's budget it
    takes `timeout_action`."""

    timeout_action: TimeoutAction


@dataclass(frozen=True)
class LifecycleHook:
    """One hook: where in the rollout it runs, what runs, and the longest it can hold the rollout.

    `budget_minutes` is what the rollout timeout (`pulumi up`'s wait) adds for this hook, so a hook cannot
    be added without saying how long it may take; for a pause it is also ECS's timeout.
    """

    stage: LifecycleStage
    target: LambdaTarget | PauseTarget
    budget_minutes: int

    def __post_init__(self) -> None:
        _require(1 <= self.budget_minutes <= MAX_HOOK_TIMEOUT_MINUTES,
                 f"LifecycleHook.budget_minutes {self.budget_minutes} is not in 1-{MAX_HOOK_TIMEOUT_MINUTES}")
        _require(not (isinstance(self.target, PauseTarget) and self.stage in _STAGES_WITHOUT_PAUSE),
                 f"a PAUSE hook cannot run at {self.stage}")

    def to_args(self) -> aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs:
        target = self.target
        if isinstance(target, PauseTarget):
            return aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
                target_type="PAUSE",
                lifecycle_stages=[self.stage],
                timeout_configuration=aws.ecs.ServiceDeploymentConfigurationLifecycleHookTimeoutConfigurationArgs(
                    timeout_in_minutes=str(self.budget_minutes), action=target.timeout_action),
            )
        # Exactly the fields the provider reads back for a Lambda hook, so a refreshed stack previews
        # clean. ECS reports targetType AWS_LAMBDA and timeoutConfiguration {1440, ROLLBACK} for every
        # hook (kayac/ecspresso #1082 fills them in to diff), but the provider records both only for
        # PAUSE hooks ("AWS return timeout_configuration regardless of the target type, so we need to
        # gate it": terraform-provider-aws #48128). Lifecycle hooks are a set, so setting either here
        # would change this hook's identity against the refreshed state on every preview.
        return aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
            lifecycle_stages=[self.stage],
            hook_target_arn=target.function_arn,
            role_arn=target.invoke_role_arn,
            hook_details=target.details,
        )


def manual_approval(timeout_minutes: int, timeout_action: TimeoutAction) -> LifecycleHook:
    """A pause after test traffic reaches the new revision: an operator continues or rolls back."""
    return LifecycleHook("POST_TEST_TRAFFIC_SHIFT", PauseTarget(timeout_action), timeout_minutes)


@dataclass(frozen=True)
class Rollout:
    """Everything about how a new revision reaches production traffic."""

    strategy: Strategy
    bake_time_minutes: int
    """How long the old revision keeps running after all traffic moved (instant rollback meanwhile)."""
    hooks: Sequence[LifecycleHook] = ()

    def __post_init__(self) -> None:
        _require_bake_minutes("Rollout.bake_time_minutes", self.bake_time_minutes)

    @property
    def timeout_minutes(self) -> int:
        """How long `pulumi up` (and `ops watch`) may wait for a rollout before calling it stuck."""
        hooks = sum(hook.budget_minutes for hook in self.hooks)
        return ROLLOUT_OVERHEAD_MINUTES + hooks + self.strategy.traffic_shift_minutes + self.bake_time_minutes

    def to_args(self) -> aws.ecs.ServiceDeploymentConfigurationArgs:
        strategy = self.strategy
        return aws.ecs.ServiceDeploymentConfigurationArgs(
            strategy=strategy.kind,
            bake_time_in_minutes=str(self.bake_time_minutes),
            linear_configuration=aws.ecs.ServiceDeploymentConfigurationLinearConfigurationArgs(
                step_percent=strategy.step_percent,
                step_bake_time_in_minutes=str(strategy.step_bake_minutes),
            ) if isinstance(strategy, Linear) else None,
            canary_configuration=aws.ecs.ServiceDeploymentConfigurationCanaryConfigurationArgs(
                canary_percent=strategy.percent,
                canary_bake_time_in_minutes=str(strategy.bake_minutes),
            ) if isinstance(strategy, Canary) else None,
            lifecycle_hooks=[hook.to_args() for hook in self.hooks] or None,
        )
