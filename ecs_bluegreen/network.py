"""Network: the VPC, its subnets in two availability zones, and their routes out; or, given the IDs of
an existing VPC and its subnets, nothing new at all."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import re

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

# What a Fargate task needs to start without a NAT gateway: pull from ECR (API and registry) and
# ship its logs through interface endpoints, and fetch the image layers from S3 (a gateway endpoint).
INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs")

NatGateways = Literal["None", "Single", "OnePerAz"]  # awsx's NatGatewayStrategy values
NAT_GATEWAYS: tuple[NatGateways, ...] = get_args(NatGateways)

# EC2 resource IDs: the prefix, then 8 (older resources) or 17 hex digits.
VPC_ID_PATTERN = re.compile(r"vpc-[0-9a-f]{8,17}")
SUBNET_ID_PATTERN = re.compile(r"subnet-[0-9a-f]{8,17}")


@dataclass(frozen=True)
class NetworkArgs:
    vpc_cidr: str
    region: str
    availability_zones: Sequence[str]
    public_subnet_cidrs: Sequence[str]
    """One CIDR per availability zone, in the same order."""
    private_subnet_cidrs: Sequence[str] = field(default_factory=list)
    """Empty: no private subnets (the seed's layout)."""
    nat_gateways: NatGateways = "None"
    """How private subnets reach the internet: no NAT gateway (the seed's layout, or VPC endpoints
    instead), a Single one, or OnePerAz (an AZ's outage leaves the other's egress)."""
    vpc_endpoints: bool = False
    """Interface endpoints for ECR and CloudWatch Logs and an S3 gateway endpoint, in the private subnets."""

    @property
    def private(self) -> bool:
        """Whether there are private subnets (for the tasks; else they run in the public ones)."""
        return bool(self.private_subnet_cidrs)

    def __post_init__(self) -> None:
        zones, public, private = len(self.availability_zones), len(self.public_subnet_cidrs), len(self.private_subnet_cidrs)
        if zones != 2 or public != zones or private not in (0, zones):
            raise ValueError(f"two availability zones with one public (and optionally one private) CIDR each, "
                             f"got {zones} zones, {public} public and {private} private CIDRs")
        if not self.private_subnet_cidrs and (self.nat_gateways != "None" or self.vpc_endpoints):
            raise ValueError("nat_gateways and vpc_endpoints serve private subnets; there are none")


def subnet_id_problem(subnet_ids: Sequence[str], at_least: int) -> str | None:
    """What is wrong with a list of subnet IDs (a malformed or repeated ID, too few), or None."""
    if len(subnet_ids) < at_least:
        return f"at least {at_least} subnet IDs"
    for subnet_id in subnet_ids:
        if not SUBNET_ID_PATTERN.fullmatch(subnet_id):
            return f"subnet IDs such as subnet-0123456789abcdef0, not {subnet_id!r}"
    if len(set(subnet_ids)) != len(subnet_ids):
        return "subnet IDs without repeats"
    return None


@dataclass(frozen=True)
class ExistingNetworkArgs:
    """A VPC and subnets made elsewhere: the component creates nothing and hands their IDs on."""

    vpc_id: str
    """The VPC the ALB, its target groups and the security groups are created in."""
    alb_subnet_ids: Sequence[str]
    """Public subnets of the VPC for the internet-facing ALB, in at least two availability zones."""
    task_subnet_ids: Sequence[str]
    """Subnets of the VPC the tasks run in, in at least two availability zones; they must reach the image's
    registry and CloudWatch Logs (NAT, endpoints or an internet gateway)."""
    task_subnets_public: bool = False
    """True: the task subnets route to an internet gateway, so each task gets a public IPv4 address to
    pull its image. False (the default, and prod's layout): no public IP."""

    def __post_init__(self) -> None:
        if not VPC_ID_PATTERN.fullmatch(self.vpc_id):
            raise ValueError(f"vpc_id must be a VPC ID such as vpc-0123456789abcdef0, got {self.vpc_id!r}")
        for field_name in ("alb_subnet_ids", "task_subnet_ids"):
            problem = subnet_id_problem(getattr(self, field_name), at_least=2)
            if problem is not None:
                raise ValueError(f"{field_name} must be {problem}")


@dataclass(frozen=True)
class SubnetFacts:
    """What AWS says about a subnet that the program checks before it uses it."""

    vpc_id: str
    availability_zone: str


def look_up_subnet(subnet_id: str, provider: pulumi.ProviderResource) -> SubnetFacts:
    """The subnet as `provider` sees it (its account and region); LookupError if it cannot be read. Python
    invokes return before the next line runs, so a check built on this holds back what follows it."""
    try:
        subnet = aws.ec2.get_subnet(id=subnet_id, opts=pulumi.InvokeOptions(provider=provider))
    except Exception as error:  # the SDK raises a plain Exception for a failed invoke
        raise LookupError(str(error).splitlines()[0]) from None
    return SubnetFacts(vpc_id=subnet.vpc_id, availability_zone=subnet.availability_zone)


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    alb_subnet_ids: pulumi.Output[Sequence[str]]
    """Where the ALB lives: the public subnets."""
    task_subnet_ids: pulumi.Output[Sequence[str]]
    """Where the tasks run: the private subnets if there are any, else the public ones (the seed)."""
    tasks_need_public_ip: bool
    """True in public subnets: there a task pulls its image over the internet gateway, which needs a
    public IPv4 address."""

    def __init__(self, name: str, args: NetworkArgs | ExistingNetworkArgs,
                 opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:Network", name, None, opts)
        if isinstance(args, ExistingNetworkArgs):
            self.vpc_id = pulumi.Output.from_input(args.vpc_id)
            self.alb_subnet_ids = pulumi.Output.from_input(list(args.alb_subnet_ids))
            self.task_subnet_ids = pulumi.Output.from_input(list(args.task_subnet_ids))
            self.tasks_need_public_ip = args.task_subnets_public
        else:
            self._create(name, args)
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "alb_subnet_ids": self.alb_subnet_ids,
            "task_subnet_ids": self.task_subnet_ids,
        })

    def _create(self, name: str, args: NetworkArgs) -> None:
        subnet_specs = [awsx.ec2.SubnetSpecArgs(
            type=awsx.ec2.SubnetType.PUBLIC, name="public", cidr_blocks=list(args.public_subnet_cidrs))]
        if args.private_subnet_cidrs:
            subnet_specs.append(awsx.ec2.SubnetSpecArgs(
                type=awsx.ec2.SubnetType.PRIVATE, name="private", cidr_blocks=list(args.private_subnet_cidrs)))

        # awsx creates the internet gateway and each public subnet's 0.0.0.0/0 route, maps a public
        # IPv4 address on launch in public subnets, and routes private subnets through its NAT gateways.
        # With the Auto endpoint strategy it attaches the S3 gateway endpoint to the route tables it
        # creates (which this program cannot name before they exist).
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            availability_zone_names=list(args.availability_zones),
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=subnet_specs,
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=awsx.ec2.NatGatewayStrategy(args.nat_gateways)),
            vpc_endpoint_strategy=awsx.ec2.VpcEndpointStrategy.AUTO,
            vpc_endpoint_specs=[awsx.ec2.VpcEndpointSpecArgs(
                service_name=f"com.amazonaws.{args.region}.s3", vpc_endpoint_type="Gateway",
            )] if args.vpc_endpoints else None,
            enable_dns_hostnames=True,
            enable_dns_support=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

        if args.vpc_endpoints:
            self._interface_endpoints(name, args, vpc)

        self.vpc_id = vpc.vpc_id
        self.alb_subnet_ids = vpc.public_subnet_ids
        self.task_subnet_ids = vpc.private_subnet_ids if args.private else vpc.public_subnet_ids
        self.tasks_need_public_ip = not args.private

    def _interface_endpoints(self, name: str, args: NetworkArgs, vpc: awsx.ec2.Vpc) -> None:
        # Created here rather than through awsx so that they sit in the private subnets only (an
        # interface endpoint takes one subnet per availability zone).
        child = pulumi.ResourceOptions(parent=self)
        endpoint_sg = aws.ec2.SecurityGroup(
            f"{name}-endpoints-sg", vpc_id=vpc.vpc_id, description="VPC interface endpoints: HTTPS from the VPC",
            opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-endpoints-in-https", security_group_id=endpoint_sg.id, description="HTTPS from the VPC",
            ip_protocol="tcp", from_port=443, to_port=443, cidr_ipv4=args.vpc_cidr, opts=child)
        for service in INTERFACE_ENDPOINT_SERVICES:
            aws.ec2.VpcEndpoint(
                f"{name}-{service.replace('.', '-')}",
                vpc_id=vpc.vpc_id,
                service_name=f"com.amazonaws.{args.region}.{service}",
                vpc_endpoint_type="Interface",
                subnet_ids=vpc.private_subnet_ids,
                security_group_ids=[endpoint_sg.id],
                private_dns_enabled=True,
                opts=child,
            )
