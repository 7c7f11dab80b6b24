"""Changing a live stack: what its service is wired to, and the check that stops a plain `pulumi up` from
replacing anything ECS references.

ECS holds on to the listener rules, the target groups and the lifecycle hooks it was given, and the
program leaves the service's load balancers alone once it exists (ecs_bluegreen/ecs_blue_green_service.py).
A config change that replaces a rule or a target group, moves the rules to another listener, changes
the port the tasks listen on or drops the last hook therefore needs `python -m ops rewire`, which sends
the new wiring once, oriented as ECS has it now; one that replaces the network has no safe path at all.

How the program knows the stack is live, and how it is wired now: each update exports `wiring`, and the
next one reads it back from the stack's own previous outputs (a stack may read itself: pulumi/pulumi#3722)
before it registers any resource. Chosen over `protect`, which fails a replacement only when the
engine reaches that resource, after earlier steps (a security group rule's port) have already run, and
which `pulumi destroy` would then refuse as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any

import pulumi

from ecs_bluegreen.network import ExistingNetworkArgs, NetworkArgs
from settings import StackSettings
from stack_contract import REWIRE_VARIABLE

WIRING_OUTPUT = "wiring"
REWIRE_COMMAND = "python -m ops rewire"
# The engine's builtin read of a stack's outputs (pkg/resource/deploy/builtins.go), which stack
# references are read through and which the Node SDK's synchronous StackReference reads used to invoke.
# A StackReference resource gives only Outputs, which cannot hold back the registrations that follow it;
# this invoke returns before the next line runs.
_READ_STACK_OUTPUTS = "pulumi:pulumi:readStackOutputs"


class LiveStackError(pulumi.RunError):
    """The update would break the live service; a RunError so that the language host prints one line."""


@dataclass(frozen=True)
class Wiring:
    """What the live service is wired to: each field is a thing ECS holds on to between deployments."""

    network: str
    """Region, VPC CIDR, zones and public subnet CIDRs: changing any replaces the VPC or a subnet the ALB
    and the target groups live in. With an existing network, region and VPC ID: an ALB cannot move to
    another VPC (its subnets are changed in place, ELB SetSubnets; the tasks' are the service's network
    configuration, a deployment)."""
    private_subnets: str
    """The private subnets' CIDRs ("" without): replacing them moves the tasks; adding or removing them
    is an ordinary deployment."""
    rules_listener: str
    """"HTTP:80" or "HTTPS:443": the listener that holds the production and test rules."""
    container_port: int
    """The port the live tasks listen on, which the service registers in the target groups."""
    test_rule: bool
    """Whether the service names a test listener rule."""
    lifecycle_hooks: tuple[str, ...]
    """The hooks ECS runs, by name."""
    https_domain: str = ""
    """The domain HTTPS serves ("" without HTTPS): where HTTP still redirects in the update that turns it off."""

    @classmethod
    def of(cls, settings: StackSettings) -> Wiring:
        network = settings.network
        deployment = settings.deployment
        hooks = (("smoke-test",) if deployment.smoke_test else ()) + \
            (("manual-approval",) if deployment.manual_approval else ())
        return cls(
            network=" ".join([settings.region, *_network_identity(network)]),
            private_subnets=" ".join(network.private_subnet_cidrs) if isinstance(network, NetworkArgs) else "",
            rules_listener="HTTP:80" if settings.load_balancer.https is None else "HTTPS:443",
            container_port=settings.service.container_port,
            test_rule=settings.load_balancer.test_traffic_header_name is not None,
            lifecycle_hooks=hooks,
            https_domain=https.domain_name if (https := settings.load_balancer.https) else "",
        )

    def as_output(self) -> dict[str, Any]:
        return {**asdict(self), "lifecycle_hooks": list(self.lifecycle_hooks)}

    @classmethod
    def from_output(cls, value: Mapping[str, Any]) -> Wiring:
        """As exported; a field an older program did not export takes its default, one it no longer
        knows is passed over."""
        known = {field.name for field in fields(cls)}
        recorded = {key: item for key, item in value.items() if key in known}
        return cls(**{**recorded, "lifecycle_hooks": tuple(recorded["lifecycle_hooks"])})

    def refusal(self, new: Wiring) -> str | None:
        """Why no update can make this change to a live stack, or None."""
        if new.network != self.network:
            return f"it replaces the network (was: {self.network}; now: {new.network})"
        if self.private_subnets and new.private_subnets and new.private_subnets != self.private_subnets:
            return f"it replaces the private subnets ({self.private_subnets} -> {new.private_subnets})"
        return None

    def rewire_reasons(self, new: Wiring) -> list[str]:
        """What the change does that only a rewire run may do: each is a reference ECS holds."""
        reasons = []
        if new.rules_listener != self.rules_listener:
            reasons.append(f"it moves the listener rules from {self.rules_listener} to {new.rules_listener}")
        if new.container_port != self.container_port:
            reasons.append(f"it changes the container port from {self.container_port} to {new.container_port}")
        if new.test_rule != self.test_rule:
            reasons.append(f"it turns the test listener rule {'on' if new.test_rule else 'off'}")
        if self.lifecycle_hooks and not new.lifecycle_hooks:
            reasons.append(f"it turns off the last lifecycle hook ({', '.join(self.lifecycle_hooks)}), which ECS "
                           "keeps unless told otherwise")
        return reasons


def _network_identity(network: NetworkArgs | ExistingNetworkArgs) -> list[str]:
    if isinstance(network, ExistingNetworkArgs):
        return [network.vpc_id]
    return [network.vpc_cidr, *network.availability_zones, *network.public_subnet_cidrs]


def previous_wiring(outputs: Mapping[str, Any]) -> Wiring | None:
    """The wiring the last update exported, or None for a stack that has not been deployed."""
    value = outputs.get(WIRING_OUTPUT)
    if value is None:
        if "serviceName" in outputs:
            pulumi.log.warn("This stack was deployed before it recorded its wiring: this update is not checked "
                            f"for changes that need `{REWIRE_COMMAND}`; the next one is.")
        return None
    return Wiring.from_output(value)


def read_own_outputs() -> Mapping[str, Any]:
    """This stack's outputs as the last update left them ({} before its first)."""
    qualified = f"{pulumi.get_organization()}/{pulumi.get_project()}/{pulumi.get_stack()}"
    errors = []
    # Pulumi Cloud and current DIY backends take <organization>/<project>/<stack>; a DIY backend of the
    # old layout (before `pulumi state upgrade`) takes the bare stack name only.
    for name in (qualified, pulumi.get_stack()):
        try:
            result = pulumi.runtime.invoke(_READ_STACK_OUTPUTS, {"name": name})
        except Exception as error:  # noqa: BLE001 - whatever the backend says, it ends as one line below
            errors.append(str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__)
            continue
        return dict((result.value or {}).get("outputs") or {})
    raise LiveStackError(f"Cannot read this stack's previous outputs ({errors[-1]}), which this update is checked "
                         "against: on a DIY backend, `pulumi state upgrade` may be needed.")


@dataclass(frozen=True)
class LiveUpdate:
    """This update as a change from the stack's previous one."""

    previous: Wiring | None
    """None: the stack has not been deployed (or not recorded its wiring yet)."""
    wiring: Wiring

    @property
    def leaving_https_domain(self) -> str | None:
        """When this update turns HTTPS off on a live stack: the domain it served."""
        if self.previous is None or self.wiring.https_domain:
            return None
        return self.previous.https_domain or None


def check_update(settings: StackSettings, outputs: Mapping[str, Any]) -> LiveUpdate:
    """This update; raises LiveStackError, before any resource is registered, for a change the live
    stack cannot take this way."""
    new = Wiring.of(settings)
    old = previous_wiring(outputs)
    if old is None:
        return LiveUpdate(None, new)
    refusal = old.refusal(new)
    if refusal is not None:
        raise LiveStackError(f"This update cannot be made to a live stack: {refusal}, and with it the target groups "
                             "and listener rules the service uses. Deploy a new stack instead.")
    reasons = old.rewire_reasons(new)
    if reasons and settings.service.rewire_with_primary is None:
        raise LiveStackError(f"This update changes what the live service is wired to ({'; '.join(reasons)}): run "
                             f"`{REWIRE_COMMAND}`, which sends it once with the target group ECS serves from "
                             f"({REWIRE_VARIABLE}). Nothing was changed.")
    return LiveUpdate(old, new)
