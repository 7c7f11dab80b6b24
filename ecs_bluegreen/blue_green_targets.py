"""BlueGreenTargets: the two target groups ECS moves traffic between, and the listener rules that
forward to them, on a listener given by ARN (LoadBalancer's own, or one of an ALB the stack does not own)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import pulumi
import pulumi_aws as aws
import pulumi_random as random

from ecs_bluegreen.container_image import CONTAINER_PORTS

Color = Literal["blue", "green"]
COLORS: tuple[Color, Color] = ("blue", "green")

# Tight health checks and a short drain, so a rollout takes minutes rather than a quarter hour:
# a new task is healthy after 2 x 10 s, and an old one drains for 30 s instead of the default 300 s.
HEALTH_CHECK_INTERVAL_SECONDS = 10
HEALTH_CHECK_TIMEOUT_SECONDS = 5
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 2

# Lower number = evaluated first. The test rule must win over the production rule.
TEST_RULE_PRIORITY = 10
PRODUCTION_RULE_PRIORITY = 100
RULE_PRIORITIES = (1, 50000)  # what an ALB listener rule's priority may be

# Letters, digits and '-': an ALB that drops invalid header fields drops any other name (so the test
# rule would never match); ALB conditions allow at most 40 characters.
HEADER_NAME_PATTERN = re.compile(r"[A-Za-z0-9-]{1,40}")
ALL_PATHS = aws.lb.ListenerRuleConditionArgs(path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"]))


def check_target_settings(container_port: int, health_check_path: str, test_traffic_header_name: str | None,
                          deregistration_delay_seconds: int) -> None:
    """Raises ValueError for a value the target groups or the test rule cannot take (LoadBalancerSettings
    checks its own fields with this too)."""
    low, high = CONTAINER_PORTS
    if not low <= container_port <= high:
        raise ValueError(f"container_port {container_port} is not in {low}-{high} (the image runs as non-root)")
    if not health_check_path.startswith("/") or len(health_check_path) > 1024:
        raise ValueError(f"health_check_path {health_check_path!r} is not a path of at most 1024 characters")
    if not 0 <= deregistration_delay_seconds <= 3600:
        raise ValueError(f"deregistration_delay_seconds {deregistration_delay_seconds} is not in 0-3600")
    name = test_traffic_header_name
    if name is not None and (not HEADER_NAME_PATTERN.fullmatch(name) or name.lower() == "host"):
        raise ValueError(f"test_traffic_header_name {name!r} is not a header name of at most 40 letters, "
                         "digits and '-' other than Host")


@dataclass(frozen=True)
class BlueGreenTargetsArgs:
    vpc_id: pulumi.Input[str]
    """The VPC of the listener's ALB and of the tasks."""
    listener_arn: pulumi.Input[str]
    """The listener that holds the rules (HTTP or HTTPS); its default action stays as it is."""
    container_port: int
    """The port the tasks listen on; the target groups' port."""
    health_check_path: str = "/health"
    """What the target groups' health check requests; 200 is healthy."""
    test_traffic_header_name: str | None = None
    """When set, a test rule forwards requests carrying this header, with a secret value generated per
    stack, to the new revision before production traffic moves; None: no test rule."""
    production_conditions: tuple[aws.lb.ListenerRuleConditionArgs, ...] = (ALL_PATHS,)
    """What the production rule matches (every path by default); the test rule matches the header alone."""
    production_rule_priority: int = PRODUCTION_RULE_PRIORITY
    test_rule_priority: int = TEST_RULE_PRIORITY
    """Must be lower (evaluated first) than production_rule_priority."""
    deregistration_delay_seconds: int = 30
    """How long an old task drains: 30 s instead of the ALB's 300 s keeps rollouts short."""
    serving_group: Color = "blue"
    """Where the rules send all traffic when they are created; ECS owns the weights after that."""
    adopt_from: pulumi.Resource | None = None
    """The resource these target groups and rules were direct children of before this component held them
    (LoadBalancer): aliases keep their URNs, so a live stack neither replaces nor deletes them."""

    def __post_init__(self) -> None:
        check_target_settings(self.container_port, self.health_check_path, self.test_traffic_header_name,
                              self.deregistration_delay_seconds)
        low, high = RULE_PRIORITIES
        if not low <= self.test_rule_priority < self.production_rule_priority <= high:
            raise ValueError(f"rule priorities test {self.test_rule_priority} < production "
                             f"{self.production_rule_priority} must both be in {low}-{high}")
        if not self.production_conditions:
            raise ValueError("production_conditions needs at least one condition (an ALB rule needs one)")


@dataclass(frozen=True)
class TargetGroupRefs:
    """What other components need of one target group."""

    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    arn_suffix: pulumi.Output[str]
    """The CloudWatch dimension (TargetGroup=...)."""


@dataclass(frozen=True)
class TestTraffic:
    """The test listener rule and the secret header value that matches it."""

    __test__ = False  # not a pytest test class
    rule_arn: pulumi.Output[str]
    header_name: str
    header_value: pulumi.Output[str]
    """A Pulumi secret."""


class BlueGreenTargets(pulumi.ComponentResource):
    target_groups: dict[Color, TargetGroupRefs]
    production_listener_rule_arn: pulumi.Output[str]
    production_rule: aws.lb.ListenerRule
    """For depends_on: what must exist before traffic may be sent to the listener."""
    test_traffic: TestTraffic | None

    def __init__(self, name: str, args: BlueGreenTargetsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:BlueGreenTargets", name, None, opts)
        self._name = name
        aliases = [pulumi.Alias(parent=args.adopt_from)] if args.adopt_from is not None else None
        self._child = pulumi.ResourceOptions(parent=self, aliases=aliases)

        groups: dict[Color, aws.lb.TargetGroup] = {color: self._target_group(args, color) for color in COLORS}
        self.production_rule = self._forward_rule(
            "production-rule", args.production_rule_priority, args, groups, list(args.production_conditions))
        self.test_traffic = self._test_rule(args, groups)
        self.target_groups = {
            color: TargetGroupRefs(group.arn, group.name, group.arn_suffix) for color, group in groups.items()}
        self.production_listener_rule_arn = self.production_rule.arn
        self.register_outputs({
            "target_group_arns": {color: group.arn for color, group in self.target_groups.items()},
            "production_listener_rule_arn": self.production_listener_rule_arn,
            "test_listener_rule_arn": self.test_traffic.rule_arn if self.test_traffic else None,
        })

    def _target_group(self, args: BlueGreenTargetsArgs, color: Color) -> aws.lb.TargetGroup:
        return aws.lb.TargetGroup(
            f"{self._name}-{color}",
            vpc_id=args.vpc_id,
            target_type="ip",
            protocol="HTTP",
            protocol_version="HTTP1",
            port=args.container_port,
            deregistration_delay=args.deregistration_delay_seconds,
            health_check=aws.lb.TargetGroupHealthCheckArgs(
                enabled=True,
                protocol="HTTP",
                path=args.health_check_path,
                matcher="200",
                interval=HEALTH_CHECK_INTERVAL_SECONDS,
                timeout=HEALTH_CHECK_TIMEOUT_SECONDS,
                healthy_threshold=HEALTHY_THRESHOLD,
                unhealthy_threshold=UNHEALTHY_THRESHOLD,
            ),
            tags={"Color": color},
            # With IP targets ECS registers each task with the container port the service names, and the
            # health check goes to the port a target is registered with (traffic-port), so the group's
            # own port is only a default. It keeps the one it was created with: `port` forces a
            # replacement, which would leave the listener rules and the service pointing at deleted groups.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(ignore_changes=["port"])),
        )

    def _forward_rule(self, rule_name: str, priority: int, args: BlueGreenTargetsArgs,
                      groups: dict[Color, aws.lb.TargetGroup],
                      conditions: list[aws.lb.ListenerRuleConditionArgs]) -> aws.lb.ListenerRule:
        return aws.lb.ListenerRule(
            f"{self._name}-{rule_name}",
            listener_arn=args.listener_arn,
            priority=priority,
            conditions=conditions,
            actions=[aws.lb.ListenerRuleActionArgs(
                type="forward",
                forward=aws.lb.ListenerRuleActionForwardArgs(target_groups=[
                    aws.lb.ListenerRuleActionForwardTargetGroupArgs(
                        arn=groups[color].arn, weight=100 if color == args.serving_group else 0)
                    for color in COLORS]),
            )],
            # ECS rewrites these weights on every deployment; without ignore_changes the next
            # `pulumi up` would reset them and could send traffic to an empty target group.
            opts=pulumi.ResourceOptions.merge(self._child, pulumi.ResourceOptions(ignore_changes=["actions"])),
        )

    def _test_rule(self, args: BlueGreenTargetsArgs, groups: dict[Color, aws.lb.TargetGroup]) -> TestTraffic | None:
        header_name = args.test_traffic_header_name
        if header_name is None:
            return None
        # Letters and digits only: ALB header conditions treat * and ? as wildcards.
        value = random.RandomPassword(f"{self._name}-test-header-value", length=32, special=False, opts=self._child)
        secret = pulumi.Output.secret(value.result)
        rule = self._forward_rule(
            "test-rule", args.test_rule_priority, args, groups,
            [aws.lb.ListenerRuleConditionArgs(http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                http_header_name=header_name, values=[secret]))])
        return TestTraffic(rule_arn=rule.arn, header_name=header_name, header_value=secret)
