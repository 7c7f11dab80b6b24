"""Names the Pulumi program and the operator tools (python -m ops) must agree on, defined once.

Standard library only: `ops` imports it without loading Pulumi.
"""

PROJECT_NAME = "ecs-bluegreen"
"""The Pulumi project, its config namespace, and the `project` tag on every AWS resource."""

REWIRE_VARIABLE = "BLUEGREEN_REWIRE_PRIMARY"
"""For one `pulumi up`: send the service's load balancers again, naming this target group ("blue" or
"green") primary. An environment variable, not a config key: left in the stack's config it would send a
stale orientation after the next deployment swapped the groups. `python -m ops rewire` sets it from
what ECS reports."""
