"""Network: the VPC, its subnets in two availability zones, and their routes out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import pulumi
import pulumi_aws as aws
import pulumi_awsx as awsx

# What a Fargate task needs to start without a NAT gateway: pull from ECR (API and registry) and
# ship its logs through interface endpoints, and fetch the image layers from S3 (a gateway endpoint).
INTERFACE_ENDPOINT_SERVICES = ("ecr.api", "ecr.dkr", "logs")

NatGateways = Literal["None", "Single", "OnePerAz"]  # awsx's NatGatewayStrategy values
NAT_GATEWAYS: tuple[NatGateways, ...] = get_args(NatGateways)


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


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[Sequence[str]]
    private_subnet_ids: pulumi.Output[Sequence[str]]
    task_subnet_ids: pulumi.Output[Sequence[str]]
    """Where the tasks run: the private subnets if there are any, else the public ones (the seed)."""
    tasks_need_public_ip: bool
    """True in the public subnets: there a task pulls its image over the internet gateway, which
    needs a public IPv4 address."""

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:Network", name, None, opts)

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
        self.public_subnet_ids = vpc.public_subnet_ids
        self.private_subnet_ids = vpc.private_subnet_ids
        self.task_subnet_ids = self.private_subnet_ids if args.private else self.public_subnet_ids
        self.tasks_need_public_ip = not args.private
        self.register_outputs({
            "vpc_id": self.vpc_id,
            "public_subnet_ids": self.public_subnet_ids,
            "private_subnet_ids": self.private_subnet_ids,
            "task_subnet_ids": self.task_subnet_ids,
        })

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
