"""IAM policy documents the components share (not a component: plain helpers)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi


def trust_policy(service: str) -> str:
    """A role trust policy that lets one AWS service principal (e.g. ecs.amazonaws.com) assume the role."""
    return json.dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}],
    })


def allow(actions: str | Sequence[str], resource: pulumi.Input[str]) -> pulumi.Output[str]:
    """A policy document allowing `actions` on one resource, and nothing else."""
    return pulumi.Output.json_dumps({
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": actions if isinstance(actions, str) else list(actions),
                       "Resource": resource}],
    })
