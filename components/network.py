"""Network: the VPC, its subnets in two availability zones, and their route to the internet."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
import pulumi_awsx as awsx


@dataclass(frozen=True)
class NetworkArgs:
    vpc_cidr: str
    availability_zones: Sequence[str]
    public_subnet_cidrs: Sequence[str]
    """One CIDR per availability zone, in the same order."""


class Network(pulumi.ComponentResource):
    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[Sequence[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("ecs-bluegreen:index:Network", name, None, opts)

        # awsx creates the internet gateway and each public subnet's 0.0.0.0/0 route, and public
        # subnets map a public IPv4 address on launch.
        vpc = awsx.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            availability_zone_names=list(args.availability_zones),
            subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
            subnet_specs=[
                awsx.ec2.SubnetSpecArgs(
                    type=awsx.ec2.SubnetType.PUBLIC,
                    name="public",
                    cidr_blocks=list(args.public_subnet_cidrs),
                ),
            ],
            nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=awsx.ec2.NatGatewayStrategy.NONE),
            enable_dns_hostnames=True,
            enable_dns_support=True,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.vpc_id = vpc.vpc_id
        self.public_subnet_ids = vpc.public_subnet_ids
        self.register_outputs({"vpc_id": self.vpc_id, "public_subnet_ids": self.public_subnet_ids})
