"""BlueGreenService: EcsBlueGreenService for every Pulumi language, with flat inputs the schema can express.

It builds the internal settings (ServiceSettings, Rollout) from its args and delegates to
EcsBlueGreenService: the service, its task definition and roles are that component's, not a copy.
"""

# No `from __future__ import annotations`: Pulumi's analyzer reads these annotations as live types
# (inspect.get_annotations without eval_str), and strings would not be understood.
import json
from collections.abc import Callable, Sequence
from enum import Enum
from typing import Any, NotRequired, Optional, TypedDict, TypeVar, cast

import pulumi

from ecs_bluegreen.ecs_blue_green_service import EcsBlueGreenService, EcsBlueGreenServiceArgs, ServiceSettings
from ecs_bluegreen.rollout import (
    AllAtOnce, Canary, LambdaTarget, LifecycleHook, Linear, PauseTarget, Rollout, Strategy, hook_details_json,
)
from ecs_bluegreen.rollout import LifecycleStage as StageName
from ecs_bluegreen.rollout import TimeoutAction as TimeoutActionName
from ecs_bluegreen_provider.known_inputs import Inputs

# The stack's own defaults (settings.py), so that a service built from here matches a default stack's.
DEFAULT_CPU = 256
DEFAULT_MEMORY = 512
DEFAULT_CONTAINER_PORT = 8080
DEFAULT_DESIRED_COUNT = 1
DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS = 30
DEFAULT_LOG_RETENTION_DAYS = 7
DEFAULT_BAKE_TIME_MINUTES = 15
DEFAULT_LINEAR_STEP_PERCENT = 10.0
DEFAULT_LINEAR_STEP_BAKE_MINUTES = 1
DEFAULT_CANARY_PERCENT = 10.0
DEFAULT_CANARY_BAKE_MINUTES = 5


class DeploymentStrategy(str, Enum):
    """How ECS moves production traffic to the new revision."""

    BLUE_GREEN = "BLUE_GREEN"
    """All at once."""
    LINEAR = "LINEAR"
    """In equal steps (`linear`)."""
    CANARY = "CANARY"
    """A share first, then the rest (`canary`)."""


class LifecycleStage(str, Enum):
    """Where in a deployment a lifecycle hook runs (ECS's stage names)."""

    RECONCILE_SERVICE = "RECONCILE_SERVICE"
    PRE_SCALE_UP = "PRE_SCALE_UP"
    POST_SCALE_UP = "POST_SCALE_UP"
    TEST_TRAFFIC_SHIFT = "TEST_TRAFFIC_SHIFT"
    POST_TEST_TRAFFIC_SHIFT = "POST_TEST_TRAFFIC_SHIFT"
    PRODUCTION_TRAFFIC_SHIFT = "PRODUCTION_TRAFFIC_SHIFT"
    POST_PRODUCTION_TRAFFIC_SHIFT = "POST_PRODUCTION_TRAFFIC_SHIFT"


class TimeoutAction(str, Enum):
    """What ECS does when a PAUSE hook's budget runs out."""

    ROLLBACK = "ROLLBACK"
    CONTINUE = "CONTINUE"


class LinearArgs(TypedDict):
    """The LINEAR strategy's steps."""

    step_percent: NotRequired[float]
    """Production traffic moved per step: a multiple of 0.1 in 3-100. Default 10."""
    step_bake_minutes: NotRequired[int]
    """Minutes between steps, 0-1440. Default 1."""


class CanaryArgs(TypedDict):
    """The CANARY strategy's first share."""

    percent: NotRequired[float]
    """Production traffic the new revision gets first: a multiple of 0.1 in 0.1-100. Default 10."""
    bake_minutes: NotRequired[int]
    """Minutes before the rest moves, 0-1440. Default 5."""


class LifecycleHookArgs(TypedDict):
    """One lifecycle hook: a Lambda function ECS invokes, or a PAUSE an operator ends; exactly one of the two."""

    stage: LifecycleStage
    """Where in the deployment it runs. A PAUSE cannot run at TEST_TRAFFIC_SHIFT or PRODUCTION_TRAFFIC_SHIFT."""
    budget_minutes: int
    """The longest it may hold the deployment, 1-20160: lengthens `pulumi up`'s wait; a PAUSE's timeout."""
    function_arn: NotRequired[pulumi.Input[str]]
    """The Lambda function ECS invokes (with `invokeRoleArn`)."""
    invoke_role_arn: NotRequired[pulumi.Input[str]]
    """The role ECS invokes the function with (lambda:InvokeFunction on it)."""
    details: NotRequired[pulumi.Input[str]]
    """hookDetails passed to the function: a JSON object, as a string."""
    pause_timeout_action: NotRequired[TimeoutAction]
    """Makes this a PAUSE hook: what ECS does when `budgetMinutes` pass without a decision."""


class BlueGreenServiceArgs(TypedDict):
    """A Fargate service that ECS rolls out blue/green between two target groups behind listener rules."""

    image: pulumi.Input[str]
    """The container image; by digest (repo@sha256:...) so that each new image is a new task definition revision."""
    app_version: str
    """The version the rollout deploys: the container's APP_VERSION, read back by `python -m ops`."""
    subnet_ids: pulumi.Input[Sequence[pulumi.Input[str]]]
    """The tasks' subnets."""
    security_group_id: pulumi.Input[str]
    """The tasks' security group: it must let the load balancer reach `containerPort`."""
    blue_target_group_arn: pulumi.Input[str]
    """One of the two IP target groups; primary when the service is created."""
    green_target_group_arn: pulumi.Input[str]
    """The other target group; ECS starts each new revision in whichever of the two is idle."""
    production_listener_rule_arn: pulumi.Input[str]
    """The listener rule that forwards production traffic to both groups; ECS owns its weights."""
    test_listener_rule_arn: NotRequired[pulumi.Input[str]]
    """A rule that sends test traffic to the new revision before production traffic moves."""
    assign_public_ip: NotRequired[bool]
    """True only in public subnets (tasks then pull their image over the internet gateway). Default false."""
    container_port: NotRequired[int]
    """The port the app listens on (its PORT) and the target groups send to, 1024-65535. Default 8080."""
    cpu: NotRequired[int]
    """Fargate CPU units (256, 512, 1024, ...). Default 256."""
    memory: NotRequired[int]
    """MiB; a size Fargate allows with `cpu`. Default 512."""
    desired_count: NotRequired[int]
    """Tasks of the live revision. Default 1."""
    desired_count_managed_by_autoscaling: NotRequired[bool]
    """Application Auto Scaling sets the task count: `desiredCount` is sent at creation only. Default false."""
    health_check_grace_period_seconds: NotRequired[int]
    """How long ECS ignores failing target health checks of a new task. Default 30."""
    log_retention_days: NotRequired[int]
    """Of the container log group; a CloudWatch Logs retention (1, 3, 5, 7, 14, 30, ...). Default 7."""
    strategy: NotRequired[DeploymentStrategy]
    """BLUE_GREEN (default), LINEAR or CANARY."""
    linear: NotRequired[LinearArgs]
    """The steps of LINEAR; only with it."""
    canary: NotRequired[CanaryArgs]
    """The first share of CANARY; only with it."""
    bake_time_minutes: NotRequired[int]
    """How long the old revision keeps running after all traffic moved (instant rollback), 0-1440. Default 15."""
    lifecycle_hooks: NotRequired[Sequence[LifecycleHookArgs]]
    """Hooks that can stop the deployment (smoke tests, approvals). Default none."""
    rollback_alarm_names: NotRequired[pulumi.Input[Sequence[pulumi.Input[str]]]]
    """CloudWatch alarms that roll a deployment back when they fire. Default none."""
    circuit_breaker: NotRequired[bool]
    """Tasks that keep failing to start end the deployment with a rollback. Default true."""
    wait_for_steady_state: NotRequired[bool]
    """`pulumi up` waits until the rollout has finished (through hooks and bake). Default true."""
    container_insights: NotRequired[bool]
    """CloudWatch Container Insights on the cluster. Default false."""
    read_only_root_filesystem: NotRequired[bool]
    """The container's root filesystem is read-only; /tmp stays writable. Default false."""
    container_health_check: NotRequired[bool]
    """A container health check running `python /app/healthcheck.py` (this project's image only). Default false."""
    region: NotRequired[str]
    """For the container's log driver. Default: the stack's aws:region."""


class BlueGreenService(pulumi.ComponentResource):
    """A Fargate service rolled out by ECS's native blue/green deployments (strategy, hooks, bake, rollback)."""

    cluster_name: pulumi.Output[str]
    service_name: pulumi.Output[str]
    service_arn: pulumi.Output[str]
    task_definition_arn: pulumi.Output[str]
    """The revision this update deploys."""
    log_group_name: pulumi.Output[str]
    rollout_timeout_minutes: pulumi.Output[int]
    """How long `pulumi up` waits for a rollout: overhead, hooks' budgets, traffic steps and bake."""

    def __init__(self, name: str, args: BlueGreenServiceArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("ecs-bluegreen:index:BlueGreenService", name, None, opts)
        service = EcsBlueGreenService(name, service_args(args), opts=pulumi.ResourceOptions(parent=self))
        # The outputs are the internal component's, under the names annotated above (the schema's).
        outputs = {output: pulumi.Output.from_input(getattr(service, output))
                   for output in BlueGreenService.__annotations__}
        for output, value in outputs.items():
            setattr(self, output, value)
        self.register_outputs(outputs)


def service_args(args: BlueGreenServiceArgs) -> EcsBlueGreenServiceArgs:
    """The internal component's args; every refusal names the input (ComponentInputError)."""
    read = Inputs("BlueGreenService", args)
    return _internal(read, lambda: EcsBlueGreenServiceArgs(
        settings=_settings(read),
        region=_region(read),
        image_ref=read.required("image"),
        subnet_ids=read.required("subnet_ids"),
        assign_public_ip=read.flag("assign_public_ip", False),
        security_group_id=read.required("security_group_id"),
        target_group_arns={"blue": read.required("blue_target_group_arn"),
                           "green": read.required("green_target_group_arn")},
        production_listener_rule_arn=read.required("production_listener_rule_arn"),
        test_listener_rule_arn=read.input("test_listener_rule_arn"),
        rollout=Rollout(_strategy(read), read.whole("bake_time_minutes", DEFAULT_BAKE_TIME_MINUTES), _hooks(read)),
        rollback_alarm_names=read.input("rollback_alarm_names"),
    ))


T = TypeVar("T")


def _internal(read: Inputs, build: Callable[[], T]) -> T:
    """The internal types' own checks name their fields (container_port ...); say whose they are."""
    try:
        return build()
    except ValueError as error:
        if type(error) is not ValueError:
            raise
        raise ValueError(f"{read.component}: {error}") from None


def _region(read: Inputs) -> str:
    region = read.known("region") or pulumi.Config("aws").get("region")
    if not region:
        raise read.error("region", region, "a region name; it defaults to the stack's aws:region, which is not set")
    return read.text("region", region)


def _settings(read: Inputs) -> ServiceSettings:
    return ServiceSettings(
        app_version=read.text("app_version"),
        cpu=read.whole("cpu", DEFAULT_CPU),
        memory=read.whole("memory", DEFAULT_MEMORY),
        container_port=read.whole("container_port", DEFAULT_CONTAINER_PORT),
        desired_count=read.whole("desired_count", DEFAULT_DESIRED_COUNT),
        health_check_grace_period_seconds=read.whole(
            "health_check_grace_period_seconds", DEFAULT_HEALTH_CHECK_GRACE_PERIOD_SECONDS),
        log_retention_days=read.whole("log_retention_days", DEFAULT_LOG_RETENTION_DAYS),
        wait_for_steady_state=read.flag("wait_for_steady_state", True),
        circuit_breaker=read.flag("circuit_breaker", True),
        container_insights=read.flag("container_insights", False),
        read_only_root_filesystem=read.flag("read_only_root_filesystem", False),
        container_health_check=read.flag("container_health_check", False),
        desired_count_managed_by_autoscaling=read.flag("desired_count_managed_by_autoscaling", False),
    )


def _strategy(read: Inputs) -> Strategy:
    kind = read.choice("strategy", DeploymentStrategy, DeploymentStrategy.BLUE_GREEN)
    linear, canary = read.nested("linear"), read.nested("canary")
    for name, owner, given in (("linear", DeploymentStrategy.LINEAR, linear),
                               ("canary", DeploymentStrategy.CANARY, canary)):
        if given is not None and kind != owner:
            raise read.error(name, read.known(name), f"allowed only with strategy {owner.value} (it is {kind.value})")
    if linear is not None or kind == DeploymentStrategy.LINEAR:
        steps = linear or Inputs("BlueGreenService linear", {})
        return Linear(steps.number("step_percent", DEFAULT_LINEAR_STEP_PERCENT),
                      steps.whole("step_bake_minutes", DEFAULT_LINEAR_STEP_BAKE_MINUTES))
    if canary is not None or kind == DeploymentStrategy.CANARY:
        share = canary or Inputs("BlueGreenService canary", {})
        return Canary(share.number("percent", DEFAULT_CANARY_PERCENT),
                      share.whole("bake_minutes", DEFAULT_CANARY_BAKE_MINUTES))
    return AllAtOnce()


def _hooks(read: Inputs) -> list[LifecycleHook]:
    return [_hook(hook) for hook in read.items("lifecycle_hooks")]


def _hook(read: Inputs) -> LifecycleHook:
    stage = cast(StageName, read.choice("stage", LifecycleStage).value)
    return LifecycleHook(stage, _target(read), read.whole("budget_minutes", 0))


def _target(read: Inputs) -> LambdaTarget | PauseTarget:
    pause = read.known("pause_timeout_action")
    function_arn, role_arn = read.input("function_arn"), read.input("invoke_role_arn")
    if pause is not None and function_arn is None and role_arn is None:
        return PauseTarget(cast(TimeoutActionName, read.choice("pause_timeout_action", TimeoutAction).value))
    if pause is None and function_arn is not None and role_arn is not None:
        return LambdaTarget(function_arn, role_arn, _details(read))
    raise read.error("pause_timeout_action", pause,
                     "set either pauseTimeoutAction (a PAUSE hook) or both functionArn and invokeRoleArn")


def _details(read: Inputs) -> pulumi.Input[str] | None:
    """hookDetails in the one spelling the provider reads back (see hook_details_json)."""
    details = read.input("details")
    if details is None:
        return None
    if isinstance(details, str):
        return hook_details_json(_json_object(read, details))
    return pulumi.Output.from_input(details).apply(lambda text: hook_details_json(_json_object(read, text)))


def _json_object(read: Inputs, text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise read.error("details", text, "a JSON object, as a string")
    return value
