"""LoadBalancer: the ALB, its two target groups, and the listener rules that ECS shifts between them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws
import pulumi_random as random

# Tight health checks and a short drain, so a rollout takes minutes rather than a quarter hour:
# a new task is healthy after 2 x 10 s, and an old one drains for 30 s instead of the default 300 s.
HEALTH_CHECK_INTERVAL_SECONDS = 10
HEALTH_CHECK_TIMEOUT_SECONDS = 5
HEALTHY_THRESHOLD = 2
UNHEALTHY_THRESHOLD = 2

# Lower number = evaluated first. The test rule must win over the catch-all production rule.
TEST_RULE_PRIORITY = 10
PRODUCTION_RULE_PRIORITY = 100

# Any modern client speaks TLS 1.2; this policy offers TLS 1.3 and 1.2 with forward secrecy only.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class LoadBalancerArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    container_port: int
    health_check_path: str
    deregistration_delay_seconds: int = 30
    test_traffic_header_name: str | None = None
    """When set, a test listener rule forwards requests carrying this header (with a secret value
    generated per stack) to the new revision before production traffic moves."""
    certificate_arn: str | None = None
    """When set, the rules live on an HTTPS:443 listener and HTTP:80 redirects to it."""
    domain_name: str | None = None
    """The name clients (and the smoke test) use with HTTPS; the certificate must cover it."""
    hosted_zone_id: str | None = None
    """When set, an alias record points domain_name at the ALB."""
    deletion_protection: bool = False
    drop_invalid_header_fields: bool = False


class LoadBalancer(pulumi.ComponentResource):
    alb_security_group_id: pulumi.Output[str]
    service_security_group_id: pulumi.Output[str]
    blue_target_group_arn: pulumi.Output[str]
    blue_target_group_name: pulumi.Output[str]
    blue_target_group_arn_suffix: pulumi.Output[str]
    green_target_group_arn: pulumi.Output[str]
    green_target_group_name: pulumi.Output[str]
    green_target_group_arn_suffix: pulumi.Output[str]
    alb_arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    production_listener_rule_arn: pulumi.Output[str]
    test_listener_rule_arn: pulumi.Output[str] | None
    test_traffic_header_value: pulumi.Output[str] | None

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:LoadBalancer", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        https = args.certificate_arn is not None

        alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg", vpc_id=args.vpc_id, description="ALB: HTTP(S) from the internet", opts=child)
        service_sg = aws.ec2.SecurityGroup(
            f"{name}-service-sg", vpc_id=args.vpc_id, description="ECS tasks: container port from the ALB only",
            opts=child)

        public_ports = [80, 443] if https else [80]
        for port in public_ports:
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-alb-in-{port}", security_group_id=alb_sg.id, description=f"TCP {port} from anywhere",
                ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4="0.0.0.0/0", opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-out-tasks", security_group_id=alb_sg.id, description="To the container port of the tasks",
            ip_protocol="tcp", from_port=args.container_port, to_port=args.container_port,
            referenced_security_group_id=service_sg.id, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-service-in-alb", security_group_id=service_sg.id, description="Container port from the ALB",
            ip_protocol="tcp", from_port=args.container_port, to_port=args.container_port,
            referenced_security_group_id=alb_sg.id, opts=child)
        # Tasks reach ECR, S3 (image layers) and CloudWatch Logs over HTTPS; DNS to the VPC resolver
        # is not filtered by security groups.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-service-out-https", security_group_id=service_sg.id, description="HTTPS to AWS APIs",
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0", opts=child)

        def target_group(color: str) -> aws.lb.TargetGroup:
            return aws.lb.TargetGroup(
                f"{name}-{color}",
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
                opts=child,
            )

        blue = target_group("blue")
        green = target_group("green")

        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=args.subnet_ids,
            security_groups=[alb_sg.id],
            enable_deletion_protection=args.deletion_protection,
            drop_invalid_header_fields=args.drop_invalid_header_fields,
            opts=child,
        )

        not_found = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not found", status_code="404"),
        )
        http_listener = aws.lb.Listener(
            f"{name}-http",
            load_balancer_arn=alb.arn,
            protocol="HTTP",
            port=80,
            default_actions=[
                aws.lb.ListenerDefaultActionArgs(
                    type="redirect",
                    redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                        protocol="HTTPS", port="443", status_code="HTTP_301"),
                ) if https else not_found,
            ],
            opts=child,
        )
        rules_listener = http_listener
        if https:
            rules_listener = aws.lb.Listener(
                f"{name}-https",
                load_balancer_arn=alb.arn,
                protocol="HTTPS",
                port=443,
                ssl_policy=TLS_POLICY,
                certificate_arn=args.certificate_arn,
                default_actions=[not_found],
                opts=child,
            )

        def forward_rule(rule_name: str, priority: int,
                         condition: aws.lb.ListenerRuleConditionArgs) -> aws.lb.ListenerRule:
            return aws.lb.ListenerRule(
                f"{name}-{rule_name}",
                listener_arn=rules_listener.arn,
                priority=priority,
                conditions=[condition],
                actions=[
                    aws.lb.ListenerRuleActionArgs(
                        type="forward",
                        forward=aws.lb.ListenerRuleActionForwardArgs(
                            target_groups=[
                                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=blue.arn, weight=100),
                                aws.lb.ListenerRuleActionForwardTargetGroupArgs(arn=green.arn, weight=0),
                            ],
                        ),
                    ),
                ],
                # ECS rewrites these weights on every deployment; without ignore_changes the next
                # `pulumi up` would reset them and could send traffic to an empty target group.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["actions"]),
            )

        production_rule = forward_rule(
            "production-rule", PRODUCTION_RULE_PRIORITY,
            aws.lb.ListenerRuleConditionArgs(
                path_pattern=aws.lb.ListenerRuleConditionPathPatternArgs(values=["/*"])),
        )

        self.test_listener_rule_arn = None
        self.test_traffic_header_value = None
        if args.test_traffic_header_name is not None:
            # Letters and digits only: ALB header conditions treat * and ? as wildcards.
            header_value = random.RandomPassword(f"{name}-test-header-value", length=32, special=False, opts=child)
            test_rule = forward_rule(
                "test-rule", TEST_RULE_PRIORITY,
                aws.lb.ListenerRuleConditionArgs(
                    http_header=aws.lb.ListenerRuleConditionHttpHeaderArgs(
                        http_header_name=args.test_traffic_header_name,
                        values=[pulumi.Output.secret(header_value.result)])),
            )
            self.test_listener_rule_arn = test_rule.arn
            self.test_traffic_header_value = pulumi.Output.secret(header_value.result)

        self.alb_security_group_id = alb_sg.id
        self.service_security_group_id = service_sg.id
        self.blue_target_group_arn = blue.arn
        self.blue_target_group_name = blue.name
        self.blue_target_group_arn_suffix = blue.arn_suffix
        self.green_target_group_arn = green.arn
        self.green_target_group_name = green.name
        self.green_target_group_arn_suffix = green.arn_suffix
        self.alb_arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.url = alb.dns_name.apply(lambda dns: f"http://{dns}")
        if https and args.domain_name is not None:
            self.url = pulumi.Output.from_input(f"https://{args.domain_name}")
        if args.domain_name is not None and args.hosted_zone_id is not None:
            record = aws.route53.Record(
                f"{name}-alias",
                zone_id=args.hosted_zone_id,
                name=args.domain_name,
                type="A",
                aliases=[aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id,
                                                     evaluate_target_health=True)],
                opts=child,
            )
            # Whatever uses the URL (the smoke test's hook details, hence the service) waits for the name.
            self.url = pulumi.Output.all(self.url, record.fqdn).apply(lambda values: values[0])
        self.production_listener_rule_arn = production_rule.arn
        self.register_outputs({
            "url": self.url,
            "blue_target_group_arn": self.blue_target_group_arn,
            "green_target_group_arn": self.green_target_group_arn,
            "production_listener_rule_arn": self.production_listener_rule_arn,
            "test_listener_rule_arn": self.test_listener_rule_arn,
        })
