"""BlueGreenTargets for every Pulumi language: the two target groups and the listener rules that
BlueGreenService needs, on a listener given by ARN.

It builds the library's BlueGreenTargetsArgs from its args and delegates to the library's
BlueGreenTargets: the target groups, rules and the test header's secret are that component's, not a copy.
The class is named BlueGreenTargets because the host serves a component under its class name
(analyzer.py: `name=component.__name__`); the library's is imported under another name.
"""

# No `from __future__ import annotations`: Pulumi's analyzer reads these annotations as live types.
from collections.abc import Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from ecs_bluegreen.blue_green_targets import (
    PRODUCTION_RULE_PRIORITY, RULE_PRIORITIES, TEST_RULE_PRIORITY,
)
from ecs_bluegreen.blue_green_targets import BlueGreenTargets as LibraryTargets
from ecs_bluegreen.blue_green_targets import BlueGreenTargetsArgs as LibraryTargetsArgs
from ecs_bluegreen_provider.blue_green_service import DEFAULT_CONTAINER_PORT
from ecs_bluegreen_provider.known_inputs import ComponentInputError, Inputs

COMPONENT = "BlueGreenTargets"
DEFAULT_HEALTH_CHECK_PATH = "/health"
DEFAULT_PATH_PATTERNS = ("/*",)
DEFAULT_DEREGISTRATION_DELAY_SECONDS = 30


class BlueGreenTargetsArgs(TypedDict):
    """Two IP target groups and the listener rules that forward to them, on a listener you already have."""

    vpc_id: pulumi.Input[str]
    """The VPC of the listener's load balancer and of the tasks."""
    listener_arn: pulumi.Input[str]
    """The ALB listener (HTTP or HTTPS) that holds the rules; its default action stays as it is."""
    container_port: NotRequired[int]
    """The port the tasks listen on: the target groups' port, 1024-65535. Default 8080."""
    health_check_path: NotRequired[str]
    """What the target groups' health check requests; 200 is healthy. Default /health."""
    test_traffic_header_name: NotRequired[str]
    """Adds a test rule: requests carrying this header, with a secret value generated per stack, reach the
    new revision before production traffic moves. Letters, digits and '-', at most 40, not Host."""
    production_rule_priority: NotRequired[int]
    """The production rule's priority on the listener, 1-50000; choose a free one. Default 100."""
    test_rule_priority: NotRequired[int]
    """The test rule's priority: lower than productionRulePriority (evaluated first). Default 10."""
    production_path_patterns: NotRequired[Sequence[str]]
    """The paths the production rule matches. Default ["/*"]."""
    host_headers: NotRequired[Sequence[str]]
    """The production rule matches only these hosts too (a listener shared by several services). Default any."""
    deregistration_delay_seconds: NotRequired[int]
    """How long an old task drains, 0-3600. Default 30."""


class BlueGreenTargets(pulumi.ComponentResource):
    """The two target groups ECS moves traffic between and the listener rules forwarding to them; ECS owns
    the rules' weights. Its outputs are BlueGreenService's traffic inputs."""

    blue_target_group_arn: pulumi.Output[str]
    """Pass as BlueGreenService's blueTargetGroupArn."""
    green_target_group_arn: pulumi.Output[str]
    """Pass as BlueGreenService's greenTargetGroupArn."""
    blue_target_group_arn_suffix: pulumi.Output[str]
    """The CloudWatch dimension (TargetGroup=...) of the blue group."""
    green_target_group_arn_suffix: pulumi.Output[str]
    """The CloudWatch dimension (TargetGroup=...) of the green group."""
    production_listener_rule_arn: pulumi.Output[str]
    """Pass as BlueGreenService's productionListenerRuleArn."""
    test_listener_rule_arn: Optional[pulumi.Output[str]]
    """Pass as BlueGreenService's testListenerRuleArn; only with testTrafficHeaderName."""
    test_traffic_header_name: Optional[pulumi.Output[str]]
    """The header test requests carry; only with testTrafficHeaderName."""
    test_traffic_header_value: Optional[pulumi.Output[str]]
    """The value test requests send in that header: a secret."""

    def __init__(self, name: str, args: BlueGreenTargetsArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__("ecs-bluegreen:index:BlueGreenTargets", name, None, opts)
        targets = LibraryTargets(name, targets_args(args), opts=pulumi.ResourceOptions(parent=self))
        groups, test = targets.target_groups, targets.test_traffic
        outputs: dict[str, pulumi.Output[str] | None] = {
            "blue_target_group_arn": groups["blue"].arn,
            "green_target_group_arn": groups["green"].arn,
            "blue_target_group_arn_suffix": groups["blue"].arn_suffix,
            "green_target_group_arn_suffix": groups["green"].arn_suffix,
            "production_listener_rule_arn": targets.production_listener_rule_arn,
            "test_listener_rule_arn": test.rule_arn if test else None,
            "test_traffic_header_name": pulumi.Output.from_input(test.header_name) if test else None,
            "test_traffic_header_value": pulumi.Output.secret(test.header_value) if test else None,
        }
        for output, value in outputs.items():
            setattr(self, output, value)
        self.register_outputs({output: value for output, value in outputs.items() if value is not None})


def targets_args(args: BlueGreenTargetsArgs) -> LibraryTargetsArgs:
    """The library's args; its own checks, refused as the input they are about."""
    read = Inputs(COMPONENT, args)
    header = read.text("test_traffic_header_name") if read.known("test_traffic_header_name") is not None else None
    values = {
        "container_port": read.whole("container_port", DEFAULT_CONTAINER_PORT),
        "health_check_path": read.text("health_check_path", DEFAULT_HEALTH_CHECK_PATH),
        "test_traffic_header_name": header,
        "deregistration_delay_seconds": read.whole("deregistration_delay_seconds",
                                                   DEFAULT_DEREGISTRATION_DELAY_SECONDS),
        "production_rule_priority": read.whole("production_rule_priority", PRODUCTION_RULE_PRIORITY),
        "test_rule_priority": read.whole("test_rule_priority", TEST_RULE_PRIORITY),
    }
    conditions = _production_conditions(read)
    vpc_id, listener_arn = read.required("vpc_id"), read.required("listener_arn")
    try:
        return LibraryTargetsArgs(vpc_id=vpc_id, listener_arn=listener_arn, production_conditions=conditions,
                                  **values)
    except ValueError as error:
        # The library's messages start with the field they refuse, but for the priorities' order.
        name = next((field for field in values if str(error).startswith(f"{field} ")), None)
        if name is None:
            low, high = RULE_PRIORITIES
            name = ("test_rule_priority" if low <= values["production_rule_priority"] <= high
                    else "production_rule_priority")
        raise read.error(name, values[name], str(error)) from None


def _production_conditions(read: Inputs) -> tuple[aws.lb.ListenerRuleConditionArgs, ...]:
    paths = _strings(read, "production_path_patterns", DEFAULT_PATH_PATTERNS)
    conditions = [aws.lb.ListenerRuleConditionArgs(
        path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=list(paths)))]
    if read.known("host_headers") is not None:
        conditions.append(aws.lb.ListenerRuleConditionArgs(host_header=aws.lb.ListenerRuleConditionHostHeaderArgs(
            values=list(_strings(read, "host_headers", ())))))
    return tuple(conditions)


def _strings(read: Inputs, name: str, default: Sequence[str]) -> Sequence[str]:
    value = read.known(name, default)
    if (isinstance(value, str) or not isinstance(value, (list, tuple)) or not value
            or not all(isinstance(item, str) and item for item in value)):
        raise read.error(name, value, "a non-empty list of non-empty strings")
    return value
