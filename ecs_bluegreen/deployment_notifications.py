"""DeploymentNotifications: this service's ECS deployment state changes, one readable line each, to an
SNS topic of the stack (and from there to an optional email address).

ECS sends "ECS Deployment State Change" events named SERVICE_DEPLOYMENT_IN_PROGRESS (a deployment, or
a rollback, started), SERVICE_DEPLOYMENT_COMPLETED and SERVICE_DEPLOYMENT_FAILED, with the service's
ARN in `resources`. There is no rolled-back event: a rollback is an IN_PROGRESS event whose reason
names it ("... rolling back to ..."), so all three are sent.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

DEPLOYMENT_EVENTS = ("SERVICE_DEPLOYMENT_IN_PROGRESS", "SERVICE_DEPLOYMENT_COMPLETED", "SERVICE_DEPLOYMENT_FAILED")
# Fields every deployment state change carries (ECS developer guide, "service deployment state change events").
MESSAGE_FIELDS = {"event": "$.detail.eventName", "deployment": "$.detail.deploymentId",
                  "reason": "$.detail.reason", "time": "$.time"}
# A practical address check: one '@', no spaces, a domain of dot-separated labels; at most 254 characters.
EMAIL_ADDRESS_PATTERN = re.compile(
    r"(?=.{3,254}\Z)[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


@dataclass(frozen=True)
class DeploymentNotificationsArgs:
    service_arn: pulumi.Input[str]
    """The events' `resources` carry it: the rule matches this service only."""
    service_name: pulumi.Input[str]
    email: str | None = None
    """When set, the address is subscribed to the topic (it must confirm the subscription)."""

    def __post_init__(self) -> None:
        if self.email is not None and not EMAIL_ADDRESS_PATTERN.fullmatch(self.email):
            raise ValueError(f"email: {self.email!r} is not an email address such as oncall@example.com")


def message_template(stack_label: str, service_name: str) -> str:
    """One line per event; EventBridge fills in the <placeholders> from MESSAGE_FIELDS."""
    # A JSON string: EventBridge hands the target its text. It inserts the values unescaped, which the
    # documented reasons allow (no double quotes); a JSON object template would escape them but read worse.
    return json.dumps(f"{stack_label}: service {service_name}: <event> at <time> (deployment <deployment>): <reason>")


class DeploymentNotifications(pulumi.ComponentResource):
    topic_arn: pulumi.Output[str]
    rule_arn: pulumi.Output[str]

    def __init__(self, name: str, args: DeploymentNotificationsArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:DeploymentNotifications", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Not encrypted: EventBridge cannot use the AWS managed SNS key, and the messages hold no secrets
        # (service name, deployment id, ECS's reason).
        topic = aws.sns.Topic(f"{name}-topic", display_name="ECS deployments", opts=child)
        rule = aws.cloudwatch.EventRule(
            f"{name}-rule",
            description="This service's ECS deployment state changes (started, rolling back, completed, failed)",
            event_pattern=pulumi.Output.json_dumps({
                "source": ["aws.ecs"],
                "detail-type": ["ECS Deployment State Change"],
                "resources": [args.service_arn],
                "detail": {"eventName": list(DEPLOYMENT_EVENTS)},
            }),
            opts=child,
        )
        policy = aws.sns.TopicPolicy(
            f"{name}-topic-policy",
            arn=topic.arn,
            policy=pulumi.Output.json_dumps({
                "Version": "2012-10-17",
                "Statement": [{
                    "Sid": "OnlyTheDeploymentRulePublishes",
                    "Effect": "Allow",
                    "Principal": {"Service": "events.amazonaws.com"},
                    "Action": "sns:Publish",
                    "Resource": topic.arn,
                    "Condition": {"ArnEquals": {"aws:SourceArn": rule.arn}},
                }],
            }),
            opts=child,
        )
        aws.cloudwatch.EventTarget(
            f"{name}-target",
            rule=rule.name,
            arn=topic.arn,
            input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
                input_paths=MESSAGE_FIELDS,
                input_template=pulumi.Output.from_input(args.service_name).apply(
                    lambda service: message_template(f"{pulumi.get_project()}/{pulumi.get_stack()}", service)),
            ),
            # Without the policy EventBridge's first deliveries would be refused.
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
        if args.email is not None:
            aws.sns.TopicSubscription(f"{name}-email", topic=topic.arn, protocol="email", endpoint=args.email,
                                      opts=child)

        self.topic_arn = topic.arn
        self.rule_arn = rule.arn
        self.register_outputs({"topic_arn": self.topic_arn, "rule_arn": self.rule_arn})
