"""SmokeTestHook: the Lambda that ECS calls at POST_TEST_TRAFFIC_SHIFT to check the new revision
through the test listener rule before production traffic moves (code: ecs_bluegreen/hooks/smoke_test/handler.py)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from ecs_bluegreen.iam import allow, trust_policy
from ecs_bluegreen.rollout import LambdaTarget, LifecycleHook, hook_details_json
from ecs_bluegreen.hooks.smoke_test import handler

HANDLER_FILE = Path(handler.__file__).resolve()
# Two requests of at most this long each per invocation; the function's timeout leaves room for both.
REQUEST_TIMEOUT_SECONDS = 5
FUNCTION_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmokeTestChecks:
    """What the hook checks and how long it keeps trying (the settings build this). Defaults and ranges
    are the handler's own (its hookDetails contract), so the config, this and the handler agree."""

    health_path: str = handler.HEALTH_PATH.default
    """Must answer 200 through the test listener rule."""
    check_version: bool = handler.CHECK_VERSION.default
    """False: the health check alone passes the hook (an app that does not print its version)."""
    version_path: str = handler.VERSION_PATH.default
    """Must report `Version: <appVersion>` (with check_version)."""
    max_attempts: int = handler.MAX_ATTEMPTS.default
    callback_delay_seconds: int = handler.CALLBACK_DELAY_SECONDS.default
    """Seconds ECS waits before the next attempt."""

    def __post_init__(self) -> None:
        _check(self.config("https://placeholder.invalid", "v0"))

    def config(self, base_url: str, expected_version: str) -> handler.SmokeTestConfig:
        return handler.SmokeTestConfig(
            base_url=base_url, expected_version=expected_version, health_path=self.health_path,
            check_version=self.check_version, version_path=self.version_path, max_attempts=self.max_attempts,
            callback_delay_seconds=self.callback_delay_seconds)

    @property
    def budget_minutes(self) -> int:
        """The longest the hook keeps a deployment waiting before it answers FAILED."""
        return math.ceil(self.max_attempts * self.callback_delay_seconds / 60)


def _check(config: handler.SmokeTestConfig) -> None:
    """The handler's own rules, so a value it would refuse at deploy time fails here instead."""
    try:
        handler.parse_config(config.hook_details())
    except handler.ConfigError as error:
        raise ValueError(str(error)) from None


@dataclass(frozen=True)
class SmokeTestHookArgs:
    base_url: pulumi.Input[str]
    """Where the test listener rule listens, e.g. http://<alb-dns-name>."""
    header_name: str
    header_value: pulumi.Input[str]
    """The test rule's secret header value; reaches the function only as an encrypted env var."""
    expected_version: str
    log_retention_days: int
    checks: SmokeTestChecks = SmokeTestChecks()

    def __post_init__(self) -> None:
        _check(self.config("https://placeholder.invalid"))

    def config(self, base_url: str) -> handler.SmokeTestConfig:
        return self.checks.config(base_url, self.expected_version)


class SmokeTestHook(pulumi.ComponentResource):
    function_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    invoke_role_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    lifecycle_hook: LifecycleHook

    def __init__(self, name: str, args: SmokeTestHookArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:SmokeTestHook", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name_prefix=f"/aws/lambda/{name}-", retention_in_days=args.log_retention_days,
            opts=self._child)
        function = self._function(args, log_group)
        invoke_role_arn = self._invoke_role(function)

        self.function_arn = function.arn
        self.function_name = function.name
        self.log_group_name = log_group.name
        self.invoke_role_arn = invoke_role_arn
        self.lifecycle_hook = LifecycleHook(
            stage="POST_TEST_TRAFFIC_SHIFT",
            target=LambdaTarget(
                function_arn=function.arn,
                invoke_role_arn=invoke_role_arn,
                details=pulumi.Output.from_input(args.base_url).apply(
                    lambda url: hook_details_json(args.config(url).hook_details())),
            ),
            budget_minutes=args.checks.budget_minutes,
        )
        self.register_outputs({"function_arn": self.function_arn, "invoke_role_arn": self.invoke_role_arn,
                               "log_group_name": self.log_group_name})

    def _function(self, args: SmokeTestHookArgs, log_group: aws.cloudwatch.LogGroup) -> aws.lambda_.Function:
        """The function, with a role that may only write to its own log group."""
        role = aws.iam.Role(
            f"{self._name}-function-role",
            description="Lets the smoke-test hook write its logs, and nothing else",
            assume_role_policy=trust_policy("lambda.amazonaws.com"),
            opts=self._child,
        )
        # The log group exists before the function, so it needs no logs:CreateLogGroup.
        logs_policy = aws.iam.RolePolicy(
            f"{self._name}-function-logs",
            role=role.id,
            policy=allow(["logs:CreateLogStream", "logs:PutLogEvents"], log_group.arn.apply(lambda arn: f"{arn}:*")),
            opts=self._child,
        )
        return aws.lambda_.Function(
            f"{self._name}-function",
            description="ECS blue/green lifecycle hook: smoke-tests the new revision through the test rule",
            runtime="python3.12",
            architectures=["arm64"],
            handler="handler.handler",
            # Only the handler: a folder archive would also ship local __pycache__ directories.
            code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(str(HANDLER_FILE))}),
            role=role.arn,
            timeout=FUNCTION_TIMEOUT_SECONDS,
            memory_size=128,
            environment=aws.lambda_.FunctionEnvironmentArgs(variables={
                "TEST_HEADER_NAME": args.header_name,
                "TEST_HEADER_VALUE": pulumi.Output.secret(args.header_value),
                "REQUEST_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT_SECONDS),
            }),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="Text", log_group=log_group.name),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[logs_policy]),
        )

    def _invoke_role(self, function: aws.lambda_.Function) -> pulumi.Output[str]:
        """The role ECS invokes the function with: lambda:InvokeFunction on this function alone."""
        role = aws.iam.Role(
            f"{self._name}-invoke-role",
            description="Lets ECS invoke the smoke-test hook during deployments",
            assume_role_policy=trust_policy("ecs.amazonaws.com"),
            opts=self._child,
        )
        policy = aws.iam.RolePolicy(
            f"{self._name}-invoke",
            role=role.id,
            policy=allow("lambda:InvokeFunction", function.arn),
            opts=self._child,
        )
        # ECS checks the role when the service is updated, so hand out its ARN only once the policy exists.
        return pulumi.Output.all(role.arn, policy.id).apply(lambda values: values[0])
