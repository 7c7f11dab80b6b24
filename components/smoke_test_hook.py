"""SmokeTestHook: the Lambda that ECS calls at POST_TEST_TRAFFIC_SHIFT to check the new revision
through the test listener rule before production traffic moves (code: hooks/smoke_test/handler.py)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.iam import allow, trust_policy

HANDLER_FILE = Path(__file__).resolve().parent.parent / "hooks" / "smoke_test" / "handler.py"
# Two requests of at most this long each per invocation; the function's timeout leaves room for both.
REQUEST_TIMEOUT_SECONDS = 5
FUNCTION_TIMEOUT_SECONDS = 30


@dataclass(frozen=True)
class SmokeTestHookArgs:
    base_url: pulumi.Input[str]
    """Where the test listener rule listens, e.g. http://<alb-dns-name>."""
    header_name: str
    header_value: pulumi.Input[str]
    """The test rule's secret header value; reaches the function only as an encrypted env var."""
    expected_version: str
    health_path: str
    version_path: str
    max_attempts: int
    callback_delay_seconds: int
    log_retention_days: int


class SmokeTestHook(pulumi.ComponentResource):
    function_arn: pulumi.Output[str]
    function_name: pulumi.Output[str]
    invoke_role_arn: pulumi.Output[str]
    lifecycle_hook: aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs

    def __init__(self, name: str, args: SmokeTestHookArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:SmokeTestHook", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", name_prefix=f"/aws/lambda/{name}-", retention_in_days=args.log_retention_days,
            opts=child)
        function_role = aws.iam.Role(
            f"{name}-function-role",
            description="Lets the smoke-test hook write its logs, and nothing else",
            assume_role_policy=trust_policy("lambda.amazonaws.com"),
            opts=child,
        )
        # The log group exists before the function, so it needs no logs:CreateLogGroup.
        logs_policy = aws.iam.RolePolicy(
            f"{name}-function-logs",
            role=function_role.id,
            policy=allow(["logs:CreateLogStream", "logs:PutLogEvents"], log_group.arn.apply(lambda arn: f"{arn}:*")),
            opts=child,
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            description="ECS blue/green lifecycle hook: smoke-tests the new revision through the test rule",
            runtime="python3.12",
            architectures=["arm64"],
            handler="handler.handler",
            # Only the handler: a folder archive would also ship local __pycache__ directories.
            code=pulumi.AssetArchive({"handler.py": pulumi.FileAsset(str(HANDLER_FILE))}),
            role=function_role.arn,
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

        invoke_role = aws.iam.Role(
            f"{name}-invoke-role",
            description="Lets ECS invoke the smoke-test hook during deployments",
            assume_role_policy=trust_policy("ecs.amazonaws.com"),
            opts=child,
        )
        invoke_policy = aws.iam.RolePolicy(
            f"{name}-invoke",
            role=invoke_role.id,
            policy=allow("lambda:InvokeFunction", function.arn),
            opts=child,
        )

        self.function_arn = function.arn
        self.function_name = function.name
        # ECS checks the role when the service is updated, so hand out its ARN only once the policy exists.
        self.invoke_role_arn = pulumi.Output.all(invoke_role.arn, invoke_policy.id).apply(lambda values: values[0])
        # Exactly the fields the provider reads back for a Lambda hook, so a refreshed stack previews
        # clean. ECS reports targetType AWS_LAMBDA and timeoutConfiguration {1440, ROLLBACK} for every
        # hook (kayac/ecspresso #1082 fills them in to diff), but the provider records both only for
        # PAUSE hooks ("AWS return timeout_configuration regardless of the target type, so we need to
        # gate it": terraform-provider-aws #48128). Lifecycle hooks are a set, so setting either here
        # would change this hook's identity against the refreshed state on every preview.
        self.lifecycle_hook = aws.ecs.ServiceDeploymentConfigurationLifecycleHookArgs(
            lifecycle_stages=["POST_TEST_TRAFFIC_SHIFT"],
            hook_target_arn=function.arn,
            role_arn=self.invoke_role_arn,
            hook_details=pulumi.Output.json_dumps({
                "baseUrl": args.base_url,
                "expectedVersion": args.expected_version,
                "healthPath": args.health_path,
                "versionPath": args.version_path,
                "maxAttempts": args.max_attempts,
                "callbackDelaySeconds": args.callback_delay_seconds,
            }),
        )
        self.register_outputs({"function_arn": self.function_arn, "invoke_role_arn": self.invoke_role_arn})
