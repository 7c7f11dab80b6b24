"""Stack settings: every config key is parsed and validated here, into one frozen object.

Components never read `pulumi.Config`; `__main__.py` calls `load_settings()` once and passes typed
values down. Every rule raises `SettingsError` naming the key, the bad value and what is allowed,
before any resource is registered. Defaults are the values of the seed walkthrough (the `dev` stack).
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi

from ecs_bluegreen.container_image import (
    CONTAINER_PORTS, IMAGE_DIGEST_PATTERN, TAG_MUTABILITIES, ContainerImageArgs, PrebuiltImage,
)
from ecs_bluegreen.deployment_notifications import EMAIL_ADDRESS_PATTERN
from ecs_bluegreen.ecs_blue_green_service import FARGATE_MEMORY_BY_CPU, LOG_RETENTION_DAYS, ServiceSettings
from ecs_bluegreen.load_balancer import COLORS, HEADER_NAME_PATTERN, Color, HttpsListener, LoadBalancerSettings
from ecs_bluegreen.network import (
    NAT_GATEWAYS, VPC_ID_PATTERN, ExistingNetworkArgs, NetworkArgs, SubnetFacts, subnet_id_problem,
)
from ecs_bluegreen.rollback_alarms import EVALUATION_PERIODS, AlarmThresholds
from ecs_bluegreen.rollout import (
    CANARY_PERCENT, LINEAR_STEP_PERCENT, MAX_BAKE_MINUTES, MAX_HOOK_TIMEOUT_MINUTES, TIMEOUT_ACTIONS, AllAtOnce,
    Canary, LifecycleHook, Linear, Strategy, manual_approval,
)
from ecs_bluegreen.service_autoscaling import TARGET_PERCENT, ScalingTargets
from ecs_bluegreen.smoke_test_hook import SmokeTestChecks
from config_reader import ConfigReader, SettingsError, as_optional_text, project_values
from ecs_bluegreen.hooks.smoke_test import handler as smoke_test_hook
from stack_contract import PROJECT_NAME, REWIRE_VARIABLE

__all__ = ["APP_DIR", "DOCKERFILE", "PROJECT_DIR", "PROJECT_NAME", "REWIRE_VARIABLE", "SettingsError", "StackSettings",
           "check_existing_network", "load_settings", "parse_settings", "settings_for_stack_file"]

PROJECT_DIR = Path(__file__).resolve().parent
# The demo app the stack builds, as `pulumi up` (run in the project directory) names it.
APP_CONTEXT = "app"
APP_DIR = PROJECT_DIR / APP_CONTEXT
DOCKERFILE = APP_DIR / "Dockerfile"

# Pulumi allows '.' in stack names; ECS task definition families and CloudWatch dashboard names, which
# carry the stack name, allow only letters, digits, '-' and '_' (ECS RegisterTaskDefinition: family;
# CloudWatch PutDashboard: DashboardName).
_STACK_NAME_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,100}")
# A Docker tag: the image is tagged with appVersion.
_APP_VERSION_PATTERN = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
# Every pattern here is applied with fullmatch: `re.match` with `$` would accept a trailing newline.


STRATEGIES = ("BLUE_GREEN", "LINEAR", "CANARY")


@dataclass(frozen=True)
class DeploymentSettings:
    strategy: Strategy
    bake_time_minutes: int
    smoke_test: SmokeTestChecks | None
    """None: no smoke-test hook."""
    manual_approval: LifecycleHook | None
    """The PAUSE hook, or None."""
    rollback_alarms: AlarmThresholds | None
    """None: no rollback alarms."""

    @property
    def looks_at_test_traffic(self) -> bool:
        """Whether a hook reaches the new revision through the test listener rule."""
        return self.smoke_test is not None or self.manual_approval is not None


@dataclass(frozen=True)
class NotificationSettings:
    enabled: bool
    email: str | None


@dataclass(frozen=True)
class StackSettings:
    stack: str
    region: str
    app_version: str
    network: NetworkArgs | ExistingNetworkArgs
    """ExistingNetworkArgs: the stack creates no VPC (existingNetwork.vpcId is set)."""
    load_balancer: LoadBalancerSettings
    service: ServiceSettings
    autoscaling: ScalingTargets | None
    """None: the service keeps desiredCount tasks."""
    deployment: DeploymentSettings
    image: ContainerImageArgs | PrebuiltImage
    """PrebuiltImage: no build and no ECR repository (image.prebuilt is set)."""
    owner: str
    notifications: NotificationSettings

    @property
    def tags(self) -> dict[str, str]:
        """Tags every AWS resource of the stack carries (through the provider's default tags)."""
        return {"project": PROJECT_NAME, "stack": self.stack, "owner": self.owner}


# The keys that describe the VPC the stack creates, and those that name an existing one instead.
_CREATED_NETWORK_KEYS = ("vpcCidr", "availabilityZones", "publicSubnetCidrs", "taskSubnets", "privateSubnetCidrs",
                         "natGateways", "vpcEndpoints")
_VPC_ID_KEY = "existingNetwork.vpcId"
_ALB_SUBNETS_KEY = "existingNetwork.albSubnetIds"
_TASK_SUBNETS_KEY = "existingNetwork.taskSubnetIds"
_TASK_SUBNETS_PUBLIC_KEY = "existingNetwork.taskSubnetsPublic"


def _parse_network(raw: ConfigReader, region: str) -> NetworkArgs | ExistingNetworkArgs:
    vpc_id = raw.text(_VPC_ID_KEY)
    if vpc_id is None:
        raw.reject_if_set((_ALB_SUBNETS_KEY, _TASK_SUBNETS_KEY, _TASK_SUBNETS_PUBLIC_KEY),
                          f"allowed only with {_VPC_ID_KEY}")
        return _parse_created_network(raw, region)
    raw.reject_if_set(_CREATED_NETWORK_KEYS, f"allowed only without {_VPC_ID_KEY} (it describes the VPC the stack "
                                             "creates; with an existing one, name its subnets under existingNetwork)")
    if not VPC_ID_PATTERN.fullmatch(vpc_id):
        raise SettingsError(_VPC_ID_KEY, vpc_id, "allowed: a VPC ID, vpc- and 8 or 17 hex digits, "
                                                 "e.g. vpc-0123456789abcdef0")
    return ExistingNetworkArgs(
        vpc_id=vpc_id,
        alb_subnet_ids=_parse_subnet_ids(raw, _ALB_SUBNETS_KEY),
        task_subnet_ids=_parse_subnet_ids(raw, _TASK_SUBNETS_KEY),
        task_subnets_public=raw.boolean(_TASK_SUBNETS_PUBLIC_KEY, False),
    )


def _parse_subnet_ids(raw: ConfigReader, key: str) -> tuple[str, ...]:
    subnet_ids = raw.strings(key, ())
    # Two at least: the subnets must span two availability zones (an ALB needs two; so do the tasks, to
    # outlive a zone), which the lookups check once the provider exists.
    problem = subnet_id_problem(subnet_ids, at_least=2)
    if problem is not None:
        raise SettingsError(key, list(subnet_ids), f"allowed: {problem} (required with {_VPC_ID_KEY})")
    return subnet_ids


def check_existing_network(network: ExistingNetworkArgs, look_up: Callable[[str], SubnetFacts]) -> None:
    """What only AWS knows about the subnets named: each is in the VPC, and the ALB's and the tasks'
    each span two availability zones. `look_up` raises LookupError for a subnet it cannot find."""
    for key, subnet_ids in ((_ALB_SUBNETS_KEY, network.alb_subnet_ids), (_TASK_SUBNETS_KEY, network.task_subnet_ids)):
        zones: set[str] = set()
        for subnet_id in subnet_ids:
            try:
                facts = look_up(subnet_id)
            except LookupError as error:
                raise SettingsError(key, subnet_id, f"allowed: subnets the stack's AWS provider can look up ({error})"
                                    ) from None
            if facts.vpc_id != network.vpc_id:
                raise SettingsError(key, subnet_id, f"allowed: subnets of {_VPC_ID_KEY} {network.vpc_id} (this one "
                                                    f"is in {facts.vpc_id})")
            zones.add(facts.availability_zone)
        if len(zones) < 2:
            raise SettingsError(key, list(subnet_ids), f"allowed: subnets in at least two availability zones "
                                                       f"(these are all in {', '.join(sorted(zones))})")


def _parse_created_network(raw: ConfigReader, region: str) -> NetworkArgs:
    vpc_text = raw.text_or("vpcCidr", "10.0.0.0/16")
    try:
        vpc = ipaddress.IPv4Network(vpc_text)
    except ValueError:
        raise SettingsError("vpcCidr", vpc_text, "allowed: an IPv4 CIDR block such as 10.0.0.0/16") from None
    if not 16 <= vpc.prefixlen <= 28:
        raise SettingsError("vpcCidr", vpc_text, "allowed: a prefix length from /16 to /28 (an AWS VPC limit)")

    default_zones = (f"{region}a", f"{region}c") if region == "ap-northeast-1" else ()
    zones = raw.strings("availabilityZones", default_zones)
    if len(zones) != 2 or len(set(zones)) != 2:
        raise SettingsError("availabilityZones", list(zones),
                            "allowed: two different availability zones (an ALB needs two)")
    for zone in zones:
        if not re.fullmatch(re.escape(region) + r"[a-z]", zone):
            raise SettingsError("availabilityZones", list(zones),
                                f"allowed: zone names of region {region}, e.g. {region}a")

    public = _parse_subnet_cidrs(raw, "publicSubnetCidrs", ("10.0.1.0/24", "10.0.2.0/24"), vpc,
                                 smallest=27, why="an ALB needs /27 subnets or larger")
    task_subnets = raw.choice("taskSubnets", "public", ("public", "private"))
    if task_subnets == "public":
        raw.reject_if_set(("privateSubnetCidrs", "natGateways", "vpcEndpoints"),
                          "allowed only with taskSubnets: private")
    # Only with private tasks: the defaults of subnets that are not created must not refuse a VPC they
    # do not fit (vpcCidr 10.1.0.0/16 with public subnets of its own).
    private = _parse_subnet_cidrs(raw, "privateSubnetCidrs", ("10.0.11.0/24", "10.0.12.0/24"), vpc) \
        if task_subnets == "private" else ()
    for cidr in private:
        if any(ipaddress.IPv4Network(cidr).overlaps(ipaddress.IPv4Network(other)) for other in public):
            raise SettingsError("privateSubnetCidrs", cidr, "allowed: CIDR blocks that do not overlap publicSubnetCidrs")
    vpc_endpoints = raw.boolean("vpcEndpoints", False)
    nat_gateways = raw.choice("natGateways", "None" if task_subnets == "public" or vpc_endpoints else "OnePerAz",
                              NAT_GATEWAYS)
    if task_subnets == "private" and nat_gateways == "None" and not vpc_endpoints:
        raise SettingsError("natGateways", nat_gateways, "allowed: Single or OnePerAz, or set vpcEndpoints: true "
                                                         "(tasks in private subnets need one to pull their image)")
    return NetworkArgs(
        vpc_cidr=str(vpc),
        region=region,
        availability_zones=zones,
        public_subnet_cidrs=public,
        private_subnet_cidrs=private,
        nat_gateways=nat_gateways,
        vpc_endpoints=vpc_endpoints,
    )


# arn:aws:acm:<region>:<account>:certificate/<id>; an ALB takes certificates of its own region only.
_CERTIFICATE_ARN_PATTERN = re.compile(r"arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate/[A-Za-z0-9-]+")
_DOMAIN_PATTERN = re.compile(r"(?=.{1,253}\Z)([A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}")


def _parse_load_balancer(raw: ConfigReader, region: str, container_port: int, health_check_path: str,
                         test_traffic_needed: bool, rewire_primary: Color | None) -> LoadBalancerSettings:
    return LoadBalancerSettings(
        container_port=container_port,
        health_check_path=health_check_path,
        test_traffic_header_name=_parse_test_traffic(raw, test_traffic_needed),
        https=_parse_https(raw, region),
        deletion_protection=raw.boolean("albDeletionProtection", False),
        drop_invalid_header_fields=raw.boolean("albDropInvalidHeaderFields", False),
        serving_group=rewire_primary or "blue",
    )


def _parse_https(raw: ConfigReader, region: str) -> HttpsListener | None:
    certificate_arn = raw.text("https.certificateArn")
    domain_name = raw.text("https.domainName")
    hosted_zone_id = raw.text("https.hostedZoneId")
    if certificate_arn is None:
        raw.reject_if_set(("https.domainName", "https.hostedZoneId"), "allowed only with https.certificateArn")
        return None
    match = _CERTIFICATE_ARN_PATTERN.fullmatch(certificate_arn)
    if not match:
        raise SettingsError("https.certificateArn", certificate_arn,
                            "allowed: an ACM certificate ARN, arn:aws:acm:<region>:<account>:certificate/<id>")
    if match.group(1) != region:
        raise SettingsError("https.certificateArn", certificate_arn,
                            f"allowed: a certificate in the stack's region {region} (an ALB uses its own region's)")
    if domain_name is None or not _DOMAIN_PATTERN.fullmatch(domain_name):
        raise SettingsError("https.domainName", domain_name,
                            "allowed: the DNS name the certificate covers, e.g. app.example.com "
                            "(required with https.certificateArn)")
    if hosted_zone_id is not None and not re.fullmatch(r"Z[A-Z0-9]{1,31}", hosted_zone_id):
        raise SettingsError("https.hostedZoneId", hosted_zone_id, "allowed: a Route 53 hosted zone ID, e.g. Z0123456789ABC")
    return HttpsListener(certificate_arn=certificate_arn, domain_name=domain_name, hosted_zone_id=hosted_zone_id)


def _parse_subnet_cidrs(raw: ConfigReader, key: str, default: tuple[str, ...],
                        vpc: ipaddress.IPv4Network, smallest: int = 28, why: str = "an AWS subnet limit",
                        ) -> tuple[str, ...]:
    cidrs = raw.strings(key, default)
    if len(cidrs) != 2:
        raise SettingsError(key, list(cidrs), "allowed: two CIDR blocks, one per availability zone")
    networks: list[ipaddress.IPv4Network] = []
    for cidr in cidrs:
        try:
            network = ipaddress.IPv4Network(cidr)
        except ValueError:
            raise SettingsError(key, cidr, "allowed: IPv4 CIDR blocks such as 10.0.1.0/24") from None
        if not network.subnet_of(vpc):
            raise SettingsError(key, cidr, f"allowed: CIDR blocks inside vpcCidr {vpc}")
        if not 16 <= network.prefixlen <= smallest:
            raise SettingsError(key, cidr, f"allowed: a prefix length from /16 to /{smallest} ({why})")
        networks.append(network)
    if networks[0].overlaps(networks[1]):
        raise SettingsError(key, list(cidrs), "allowed: CIDR blocks that do not overlap")
    return tuple(str(network) for network in networks)


def _parse_service(raw: ConfigReader, app_version: str,
                   rewire_primary: Color | None) -> tuple[ServiceSettings, ScalingTargets | None]:
    """The service, and its autoscaling (which must keep desiredCount within its range)."""
    cpu = raw.choice("cpu", 256, FARGATE_MEMORY_BY_CPU)
    memory = raw.choice("memory", 512, FARGATE_MEMORY_BY_CPU[cpu])
    desired_count = raw.integer("desiredCount", 1, 1, 100)
    scaling = _parse_autoscaling(raw, desired_count)
    return ServiceSettings(
        app_version=app_version,
        cpu=cpu,
        memory=memory,
        container_port=raw.integer("containerPort", 8080, *CONTAINER_PORTS),
        desired_count=desired_count,
        health_check_grace_period_seconds=raw.integer("healthCheckGracePeriodSeconds", 30, 0, 2147483647),
        log_retention_days=raw.choice("logRetentionDays", 7, LOG_RETENTION_DAYS),
        wait_for_steady_state=raw.boolean("waitForSteadyState", True),
        circuit_breaker=raw.boolean("deploymentCircuitBreaker", True),
        container_insights=raw.boolean("containerInsights", False),
        read_only_root_filesystem=raw.boolean("readOnlyRootFilesystem", False),
        container_health_check=raw.boolean("containerHealthCheck", False),
        desired_count_managed_by_autoscaling=scaling is not None,
        rewire_with_primary=rewire_primary,
    ), scaling


def _parse_autoscaling(raw: ConfigReader, desired_count: int) -> ScalingTargets | None:
    if not raw.feature("autoscaling", ("minCapacity", "maxCapacity", "cpuTargetPercent", "memoryTargetPercent")):
        return None
    minimum = raw.integer("autoscaling.minCapacity", desired_count, 1, 100)
    # The default, three times the count, stops at the range's top: a default must not refuse a valid config.
    maximum = raw.integer("autoscaling.maxCapacity", min(max(minimum, desired_count) * 3, 100), minimum, 100)
    if not minimum <= desired_count <= maximum:
        raise SettingsError("desiredCount", desired_count,
                            f"allowed: from autoscaling.minCapacity {minimum} to autoscaling.maxCapacity {maximum}")
    return ScalingTargets(
        min_capacity=minimum,
        max_capacity=maximum,
        cpu_target_percent=raw.integer("autoscaling.cpuTargetPercent", 60, *TARGET_PERCENT),
        memory_target_percent=raw.integer("autoscaling.memoryTargetPercent", None, *TARGET_PERCENT),
    )


def _parse_deployment(raw: ConfigReader, health_check_path: str) -> DeploymentSettings:
    strategy = raw.choice("deploymentStrategy", "BLUE_GREEN", STRATEGIES)
    for owner, keys in (("LINEAR", ("linear.stepPercent", "linear.stepBakeMinutes")),
                        ("CANARY", ("canary.percent", "canary.bakeMinutes"))):
        if strategy != owner:
            raw.reject_if_set(keys, f"allowed only with deploymentStrategy {owner} (it is {strategy})")
    return DeploymentSettings(
        strategy=_parse_strategy(raw, strategy),
        bake_time_minutes=raw.integer("bakeTimeMinutes", 15, 0, MAX_BAKE_MINUTES),
        smoke_test=_parse_smoke_test(raw, health_check_path),
        manual_approval=_parse_manual_approval(raw),
        rollback_alarms=_parse_rollback_alarms(raw),
    )


def _parse_smoke_test(raw: ConfigReader, health_check_path: str) -> SmokeTestChecks | None:
    if not raw.feature("smokeTest", ("healthPath", "versionPath", "maxAttempts", "callbackDelaySeconds",
                                     "checkVersion")):
        return None
    attempts, delay = smoke_test_hook.MAX_ATTEMPTS, smoke_test_hook.CALLBACK_DELAY_SECONDS
    check_version = raw.boolean("smokeTest.checkVersion", smoke_test_hook.CHECK_VERSION.default)
    if not check_version:
        raw.reject_if_set(("smokeTest.versionPath",), "allowed only with smokeTest.checkVersion: true")
    return SmokeTestChecks(
        health_path=raw.path("smokeTest.healthPath", health_check_path),
        check_version=check_version,
        version_path=raw.path("smokeTest.versionPath", smoke_test_hook.VERSION_PATH.default),
        max_attempts=raw.integer("smokeTest.maxAttempts", attempts.default, attempts.low, attempts.high),
        callback_delay_seconds=raw.integer("smokeTest.callbackDelaySeconds", delay.default, delay.low, delay.high),
    )


def _parse_manual_approval(raw: ConfigReader) -> LifecycleHook | None:
    if not raw.feature("manualApproval", ("timeoutMinutes", "timeoutAction")):
        return None
    return manual_approval(
        timeout_minutes=raw.integer("manualApproval.timeoutMinutes", 60, 1, MAX_HOOK_TIMEOUT_MINUTES),
        timeout_action=raw.choice("manualApproval.timeoutAction", "ROLLBACK", TIMEOUT_ACTIONS))


def _parse_rollback_alarms(raw: ConfigReader) -> AlarmThresholds | None:
    if not raw.feature("rollbackAlarms", ("target5xxThreshold", "unhealthyHostsThreshold", "evaluationPeriods")):
        return None
    return AlarmThresholds(
        target_5xx=raw.integer("rollbackAlarms.target5xxThreshold", 5, 1, 1000000),
        unhealthy_hosts=raw.integer("rollbackAlarms.unhealthyHostsThreshold", 1, 1, 1000),
        evaluation_periods=raw.integer("rollbackAlarms.evaluationPeriods", 2, *EVALUATION_PERIODS),
    )


def _parse_test_traffic(raw: ConfigReader, needed: bool) -> str | None:
    """The test rule's header name, or None without a test rule. The smoke test and manual approval
    look at the new revision through it, so they turn it on unless told otherwise."""
    if needed and not raw.boolean("testTraffic.enabled", needed):
        raise SettingsError("testTraffic.enabled", False,
                            "allowed: true while smokeTest.enabled or manualApproval.enabled is true "
                            "(they reach the new revision through the test listener rule)")
    enabled = raw.feature("testTraffic", ("headerName",), default=needed)
    header_name = raw.text_or("testTraffic.headerName", "X-Bluegreen-Test")
    if not HEADER_NAME_PATTERN.fullmatch(header_name) or header_name.lower() == "host":
        raise SettingsError("testTraffic.headerName", header_name,
                            "allowed: an HTTP header name of letters, digits and '-', at most 40 characters, "
                            "other than Host")
    return header_name if enabled else None


def _parse_strategy(raw: ConfigReader, kind: str) -> Strategy:
    if kind == "LINEAR":
        return Linear(
            step_percent=raw.decimal("linear.stepPercent", 10.0, *LINEAR_STEP_PERCENT),
            step_bake_minutes=raw.integer("linear.stepBakeMinutes", 1, 0, MAX_BAKE_MINUTES))
    if kind == "CANARY":
        return Canary(
            percent=raw.decimal("canary.percent", 10.0, *CANARY_PERCENT),
            bake_minutes=raw.integer("canary.bakeMinutes", 5, 0, MAX_BAKE_MINUTES))
    return AllAtOnce()


# The keys of the image the stack builds and of the repository it pushes to.
_BUILD_KEYS = ("image.buildContext", "image.dockerfile", "imageTagMutability", "imageRepositoryForceDelete",
               "imagesToKeep")


def _parse_image(raw: ConfigReader, app_version: str) -> ContainerImageArgs | PrebuiltImage:
    prebuilt = raw.text("image.prebuilt")
    if prebuilt is not None:
        raw.reject_if_set(_BUILD_KEYS, "allowed only without image.prebuilt (it builds the image and keeps it in "
                                       "the stack's ECR repository; a pre-built image needs neither)")
        if not IMAGE_DIGEST_PATTERN.fullmatch(prebuilt):
            raise SettingsError("image.prebuilt", prebuilt, "allowed: an image by digest, "
                                                            "<registry>/<repository>@sha256:<64 hex digits>")
        return PrebuiltImage(image_ref=prebuilt)
    context = _project_path(raw, "image.buildContext", APP_CONTEXT, Path.is_dir, "a directory")
    return ContainerImageArgs(
        app_version=app_version,
        force_delete_repository=raw.boolean("imageRepositoryForceDelete", True),
        images_to_keep=raw.integer("imagesToKeep", 10, 1, 1000),
        context=context,
        dockerfile=_project_path(raw, "image.dockerfile", f"{context}/Dockerfile", Path.is_file, "a file"),
        tag_mutability=raw.choice("imageTagMutability", "MUTABLE", TAG_MUTABILITIES),
    )


def _project_path(raw: ConfigReader, key: str, default: str, exists: Callable[[Path], bool], kind: str) -> str:
    """A path relative to the project (Pulumi's working directory), which must exist: relative, so that the
    build's inputs do not change with the checkout's location (which would rebuild on another machine)."""
    value = raw.text_or(key, default)
    if not value or Path(value).is_absolute() or not exists(PROJECT_DIR / value):
        raise SettingsError(key, value, f"allowed: {kind} that exists, relative to the project directory {PROJECT_DIR}")
    return value


def _parse_owner(raw: ConfigReader) -> str:
    owner = raw.text_or("owner", "unassigned")
    # AWS tag values: up to 256 Unicode letters, digits, spaces and _ . : / = + - @
    if not re.fullmatch(r"[\w .:/=+\-@]{1,256}", owner):
        raise SettingsError("owner", owner, "allowed: a tag value (letters, digits, spaces, _ . : / = + - @)")
    return owner


def _parse_notifications(raw: ConfigReader) -> NotificationSettings:
    enabled = raw.feature("notifications", ("email",))
    email = raw.text("notifications.email")
    if enabled and email is not None and not EMAIL_ADDRESS_PATTERN.fullmatch(email):
        raise SettingsError("notifications.email", email, "allowed: one email address, e.g. oncall@example.com")
    return NotificationSettings(enabled=enabled, email=email)


def _parse_rewire(value: str | None) -> Color | None:
    for color in COLORS:
        if value == color:
            return color
    if value is None:
        return None
    raise SettingsError(REWIRE_VARIABLE, value, "allowed: blue or green, the target group the service names primary now",
                        source="environment variable")


def parse_settings(stack: str, region: str | None, values: Mapping[str, str],
                   rewire_primary: str | None = None) -> StackSettings:
    """Builds the settings from raw config values (project keys without the `ecs-bluegreen:` prefix)."""
    if not _STACK_NAME_PATTERN.fullmatch(stack):
        raise SettingsError("stack name", stack, "allowed: letters, digits, '-' and '_' (the stack name is part of "
                            "the ECS task definition family and the dashboard name, which allow no other characters); "
                            "pulumi stack rename to e.g. " + re.sub(r"[^A-Za-z0-9_-]", "-", stack), source="Pulumi")
    if not region:
        raise SettingsError("aws:region", region, "allowed: an AWS region, e.g. ap-northeast-1 "
                                                  "(pulumi config set aws:region ap-northeast-1)")
    raw = ConfigReader(values)
    rewire = _parse_rewire(rewire_primary)
    app_version = raw.text("appVersion")
    if app_version is None or not _APP_VERSION_PATTERN.fullmatch(app_version):
        raise SettingsError("appVersion", app_version,
                            "allowed: a Docker tag such as v1 (letters, digits, '_', '.', '-'; at most 128)")
    service, autoscaling = _parse_service(raw, app_version, rewire)
    network = _parse_network(raw, region)
    health_check_path = raw.path("healthCheckPath", "/health")
    deployment = _parse_deployment(raw, health_check_path)
    settings = StackSettings(
        stack=stack,
        region=region,
        app_version=app_version,
        network=network,
        load_balancer=_parse_load_balancer(raw, region, service.container_port, health_check_path,
                                           test_traffic_needed=deployment.looks_at_test_traffic,
                                           rewire_primary=rewire),
        service=service,
        autoscaling=autoscaling,
        deployment=deployment,
        image=_parse_image(raw, app_version),
        owner=_parse_owner(raw),
        notifications=_parse_notifications(raw),
    )
    if rewire is not None and not service.wait_for_steady_state:
        raise SettingsError("waitForSteadyState", False,
                            f"allowed: true in a rewire run ({REWIRE_VARIABLE} is set): the old listener rules and "
                            "ports go when `pulumi up` ends, which must be after the rollout to the new wiring")
    https = settings.load_balancer.https
    if https is not None and https.hosted_zone_id is None and deployment.smoke_test is not None:
        raise SettingsError("https.hostedZoneId", None,
                            "required while smokeTest.enabled is true with HTTPS: the smoke test calls "
                            f"https://{https.domain_name} in the very first deployment, so this stack must create "
                            "its DNS record")
    unknown = raw.unknown_keys()
    if unknown:
        raise SettingsError(unknown[0], raw.value(unknown[0]),
                            f"this key is unknown (a typo?); known keys: {', '.join(sorted(raw.read))}")
    return settings


# ---------------------------------------------------------------------------------------------
# Sources of raw values: the running Pulumi program, or a stack file (for tests and tools).


def load_settings() -> StackSettings:
    """Reads the running stack's config. Raises SettingsError before any resource is registered."""
    from pulumi.runtime import config as runtime_config

    def all_config() -> Mapping[str, Any]:
        # pulumi.Config can only look keys up; listing them (to reject typos) needs the runtime's map.
        return {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}

    config = all_config()
    # The project's name, not PROJECT_NAME: `pulumi new` lets a user name the project, and the keys it
    # sets then carry that name. The stack files it copies still say ecs-bluegreen: keys left so would
    # be read by no one, and prod would deploy with dev's defaults.
    project = pulumi.get_project()
    foreign = sorted(key for key in config if project != PROJECT_NAME and key.startswith(f"{PROJECT_NAME}:"))
    if foreign:
        raise SettingsError(foreign[0], config[foreign[0]],
                            f"this project is named '{project}', so its keys are '{project}:<key>': rename every "
                            f"'{PROJECT_NAME}:' key of the stack's config file to '{project}:'")
    return parse_settings(pulumi.get_stack(), as_optional_text(config.get("aws:region")),
                          project_values(config, project), rewire_primary=os.environ.get(REWIRE_VARIABLE))


def settings_for_stack_file(stack: str, app_version: str | None = None) -> StackSettings:
    """Reads `Pulumi.<stack>.yaml` from the project, e.g. for a test that must use the dev values."""
    import yaml

    document = yaml.safe_load((PROJECT_DIR / f"Pulumi.{stack}.yaml").read_text()) or {}
    config: dict[str, Any] = dict(document.get("config") or {})
    values = project_values(config, PROJECT_NAME)
    if app_version is not None:
        values["appVersion"] = app_version
    return parse_settings(stack, as_optional_text(config.get("aws:region")), values)
