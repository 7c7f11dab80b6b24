"""LoadBalancer: the ALB, its security groups and listeners, and on them the two target groups and the
listener rules that ECS shifts between them (BlueGreenTargets)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from ecs_bluegreen.blue_green_targets import (
    ALL_PATHS, COLORS, HEADER_NAME_PATTERN, BlueGreenTargets, BlueGreenTargetsArgs, Color, TargetGroupRefs, TestTraffic,
    check_target_settings,
)

# With HTTPS, plain HTTP is redirected by a rule ahead of any forward rule left on the HTTP listener, so
# that the moment HTTPS is turned on, HTTP clients leave the old rules (which the rewire deployment's
# clean-up drains) for the new ones. In the update that turns HTTPS off it drops behind the new HTTP
# rules instead: HTTP clients keep reaching the live version through HTTPS until those exist, and the
# smoke test's requests reach the new test rule. The next update removes it.
HTTP_REDIRECT_RULE_PRIORITY = 1
HTTP_REDIRECT_RULE_PRIORITY_WHILE_LEAVING_HTTPS = 50000

# Any modern client speaks TLS 1.2; this policy offers TLS 1.3 and 1.2 with forward secrecy only.
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"


@dataclass(frozen=True)
class HttpsListener:
    """An HTTPS:443 listener holds the rules, and HTTP:80 redirects to it."""

    certificate_arn: str
    """An ACM certificate in the stack's region."""
    domain_name: str
    """The name clients (and the smoke test) use; the certificate must cover it."""
    hosted_zone_id: str | None = None
    """When set, an alias record points domain_name at the ALB."""


@dataclass(frozen=True)
class LoadBalancerSettings:
    """The load balancer as the stack chooses it (settings.py builds this from config)."""

    container_port: int
    """The port the tasks listen on: the target groups' port and the only one the ALB may reach."""
    health_check_path: str
    """What the target groups' health check requests; 200 is healthy."""
    test_traffic_header_name: str | None
    """When set, a test listener rule forwards requests carrying this header (with a secret value
    generated per stack) to the new revision before production traffic moves."""
    https: HttpsListener | None
    """None: the rules live on the HTTP:80 listener (the seed)."""
    deletion_protection: bool
    """The ALB cannot be deleted (and so the stack not destroyed) until this is turned off."""
    drop_invalid_header_fields: bool
    """The ALB drops header fields whose names are not letters, digits and '-'."""
    deregistration_delay_seconds: int = 30
    """How long an old task drains; not a config key: 30 s instead of the ALB's 300 s keeps rollouts short."""
    serving_group: Color = "blue"
    """Where a forward rule the program creates sends all traffic: blue on a new stack; in a rewire run,
    the group ECS serves from now, so that a rule created or replaced on a live stack keeps serving the
    live version. ECS owns the weights after that."""

    def __post_init__(self) -> None:
        check_target_settings(self.container_port, self.health_check_path, self.test_traffic_header_name,
                              self.deregistration_delay_seconds)


@dataclass(frozen=True)
class LoadBalancerArgs:
    vpc_id: pulumi.Input[str]
    subnet_ids: pulumi.Input[Sequence[str]]
    """Public subnets in two availability zones (an ALB needs two)."""
    settings: LoadBalancerSettings
    leaving_https_domain: str | None = None
    """Set (to the domain HTTPS served) for the update that turns HTTPS off on a live stack, the HTTPS
    listener's last: HTTP keeps redirecting there, behind the new forward rules, until the next update."""

    def __post_init__(self) -> None:
        if self.leaving_https_domain is not None and self.settings.https is not None:
            raise ValueError("leaving_https_domain is for the update that turns HTTPS off; https is still set")




class LoadBalancer(pulumi.ComponentResource):
    service_security_group_id: pulumi.Output[str]
    """For the tasks: the container port from the ALB only, HTTPS out."""
    target_groups: dict[Color, TargetGroupRefs]
    alb_arn_suffix: pulumi.Output[str]
    dns_name: pulumi.Output[str]
    url: pulumi.Output[str]
    """https://<domain_name> with HTTPS (once its alias record exists, if this stack makes it), else http://<dns_name>."""
    production_listener_rule_arn: pulumi.Output[str]
    test_traffic: TestTraffic | None

    def __init__(self, name: str, args: LoadBalancerArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:LoadBalancer", name, None, opts)
        self._name = name
        self._child = pulumi.ResourceOptions(parent=self)

        settings = args.settings
        alb_sg, service_sg, public_ingress = self._security_groups(args.vpc_id, settings)
        alb = aws.lb.LoadBalancer(
            f"{name}-alb",
            load_balancer_type="application",
            internal=False,
            ip_address_type="ipv4",
            subnets=args.subnet_ids,
            security_groups=[alb_sg.id],
            enable_deletion_protection=settings.deletion_protection,
            drop_invalid_header_fields=settings.drop_invalid_header_fields,
            opts=self._child,
        )
        http_listener, rules_listener = self._listeners(settings.https, alb)
        targets = BlueGreenTargets(name, BlueGreenTargetsArgs(
            vpc_id=args.vpc_id,
            listener_arn=rules_listener.arn,
            container_port=settings.container_port,
            health_check_path=settings.health_check_path,
            test_traffic_header_name=settings.test_traffic_header_name,
            deregistration_delay_seconds=settings.deregistration_delay_seconds,
            serving_group=settings.serving_group,
            adopt_from=self,
        ), opts=self._child)
        self.test_traffic = targets.test_traffic
        self.url, record = self._url(settings.https, alb)
        if settings.https is not None:
            # Nobody is redirected before the domain resolves, port 443 is open and the rules are there.
            self._http_redirect_rule(http_listener, settings.https.domain_name, HTTP_REDIRECT_RULE_PRIORITY,
                                     after=[targets.production_rule, *public_ingress, *([record] if record else [])])
        elif args.leaving_https_domain is not None:
            self._http_redirect_rule(http_listener, args.leaving_https_domain,
                                     HTTP_REDIRECT_RULE_PRIORITY_WHILE_LEAVING_HTTPS, after=[targets.production_rule])

        self.service_security_group_id = service_sg.id
        self.target_groups = targets.target_groups
        self.alb_arn_suffix = alb.arn_suffix
        self.dns_name = alb.dns_name
        self.production_listener_rule_arn = targets.production_listener_rule_arn
        self.register_outputs({
            "url": self.url,
            "target_group_arns": {color: group.arn for color, group in self.target_groups.items()},
            "production_listener_rule_arn": self.production_listener_rule_arn,
            "test_listener_rule_arn": self.test_traffic.rule_arn if self.test_traffic else None,
        })

    def _security_groups(self, vpc_id: pulumi.Input[str], settings: LoadBalancerSettings,
                         ) -> tuple[aws.ec2.SecurityGroup, aws.ec2.SecurityGroup, list[aws.vpc.SecurityGroupIngressRule]]:
        """The ALB's and the tasks' security groups, and the ALB's rules open to the internet."""
        name, child, port = self._name, self._child, settings.container_port
        # EC2 allows only a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$* in these descriptions.
        alb_sg = aws.ec2.SecurityGroup(
            f"{name}-alb-sg", vpc_id=vpc_id, description="ALB: HTTP(S) from the internet", opts=child)
        service_sg = aws.ec2.SecurityGroup(
            f"{name}-service-sg", vpc_id=vpc_id, description="ECS tasks: container port from the ALB only",
            opts=child)
        public_ingress = [aws.vpc.SecurityGroupIngressRule(
            f"{name}-alb-in-{public_port}", security_group_id=alb_sg.id,
            description=f"TCP {public_port} from anywhere", ip_protocol="tcp", from_port=public_port,
            to_port=public_port, cidr_ipv4="0.0.0.0/0", opts=child)
            for public_port in ([80, 443] if settings.https is not None else [80])]
        # One pair of rules per port, named by it: a new port gets new rules beside the old ones, and the
        # old port's rules go when the update ends, after the service's rollout to the new port (a changed
        # port on the same rules would be modified in place, cutting the live tasks off at the start).
        # The alias adopts the rules of stacks deployed before the port was part of the name.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-out-tasks-{port}", security_group_id=alb_sg.id, description="To the container port of the tasks",
            ip_protocol="tcp", from_port=port, to_port=port, referenced_security_group_id=service_sg.id,
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"{name}-alb-out-tasks")]))
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-service-in-alb-{port}", security_group_id=service_sg.id, description="Container port from the ALB",
            ip_protocol="tcp", from_port=port, to_port=port, referenced_security_group_id=alb_sg.id,
            opts=pulumi.ResourceOptions(parent=self, aliases=[pulumi.Alias(name=f"{name}-service-in-alb")]))
        # Tasks reach ECR, S3 (image layers) and CloudWatch Logs over HTTPS; DNS to the VPC resolver
        # is not filtered by security groups.
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-service-out-https", security_group_id=service_sg.id, description="HTTPS to AWS APIs",
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0", opts=child)
        return alb_sg, service_sg, public_ingress

    def _listeners(self, https: HttpsListener | None,
                   alb: aws.lb.LoadBalancer) -> tuple[aws.lb.Listener, aws.lb.Listener]:
        """The HTTP listener, and with a certificate the HTTPS one; returns HTTP's and the one holding the rules."""
        not_found = aws.lb.ListenerDefaultActionArgs(
            type="fixed-response",
            fixed_response=aws.lb.ListenerDefaultActionFixedResponseArgs(
                content_type="text/plain", message_body="Not found", status_code="404"),
        )
        # To the certificate's domain: the default host (#{host}) would send clients that came by the ALB's
        # own DNS name to https://<alb dns name>, which the certificate does not cover.
        redirect_to_https = aws.lb.ListenerDefaultActionArgs(
            type="redirect",
            redirect=aws.lb.ListenerDefaultActionRedirectArgs(
                protocol="HTTPS", port="443", host=https.domain_name, status_code="HTTP_301"),
        ) if https is not None else None
        http_listener = aws.lb.Listener(
            f"{self._name}-http", load_balancer_arn=alb.arn, protocol="HTTP", port=80,
            default_actions=[redirect_to_https or not_found], opts=self._child)
        if https is None:
            return http_listener, http_listener
        return http_listener, aws.lb.Listener(
            f"{self._name}-https", load_balancer_arn=alb.arn, protocol="HTTPS", port=443, ssl_policy=TLS_POLICY,
            certificate_arn=https.certificate_arn, default_actions=[not_found], opts=self._child)

    def _http_redirect_rule(self, http_listener: aws.lb.Listener, domain: str, priority: int,
                            after: Sequence[pulumi.Resource]) -> None:
        aws.lb.ListenerRule(
            f"{self._name}-http-redirect",
            listener_arn=http_listener.arn,
            priority=priority,
            conditions=[ALL_PATHS],
            actions=[aws.lb.ListenerRuleActionArgs(type="redirect", redirect=aws.lb.ListenerRuleActionRedirectArgs(
                protocol="HTTPS", port="443", host=domain, status_code="HTTP_301"))],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
        )

    def _url(self, https: HttpsListener | None,
             alb: aws.lb.LoadBalancer) -> tuple[pulumi.Output[str], aws.route53.Record | None]:
        """The URL, and the alias record this stack makes for it (if it does)."""
        if https is None:
            return alb.dns_name.apply(lambda dns: f"http://{dns}"), None
        url = pulumi.Output.from_input(f"https://{https.domain_name}")
        if https.hosted_zone_id is None:
            return url, None
        record = aws.route53.Record(
            f"{self._name}-alias",
            zone_id=https.hosted_zone_id,
            name=https.domain_name,
            type="A",
            aliases=[aws.route53.RecordAliasArgs(name=alb.dns_name, zone_id=alb.zone_id, evaluate_target_health=True)],
            opts=self._child,
        )
        # Whatever uses the URL (the smoke test's hook details, hence the service) waits for the name.
        return pulumi.Output.all(url, record.fqdn).apply(lambda values: values[0]), record
