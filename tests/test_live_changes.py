"""What each config key does to a live stack, held to the config table in docs/configuration.md and to the program's own check.

For each key the whole program runs twice under mocks, before and after the change, and the difference
is classified from the registrations alone, with a short table of the inputs that make the provider
replace a resource. The class must be the table's; and the program itself, given the first run's
outputs as its previous outputs, must stop a plain `pulumi up` exactly where the table says
`rewire` or `refused`, and let a rewire run through only for `rewire`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import pytest

from live_stack import LiveStackError
from settings import PROJECT_DIR, REWIRE_VARIABLE
from tests.aws_types import AWS_PROVIDER, EGRESS, INGRESS, LISTENER, RULE, SERVICE, TARGET_GROUP, VPC
from tests.pulumi_harness import EXISTING_VPC_ID, OTHER_VPC_ID, ProgramFailed, ProgramRun, Registered, run_program
from tests.test_rollout_invariant import comparable

pytestmark = pytest.mark.cpu_heavy

CONFIGURATION_DOC = PROJECT_DIR / "docs" / "configuration.md"

# Inputs whose change makes the provider replace the resource (ForceNew in terraform-provider-aws, which
# pulumi-aws runs): internal/service/elbv2/target_group.go, listener_rule.go and listener.go;
# internal/service/ec2/vpc_security_group_ingress_rule.go (ports change in place: ModifySecurityGroupRules).
# A provider's region is where every one of its resources lives. For the awsx VPC component, the VPC's
# cidr_block (aws_vpc) and each subnet's cidr_block and availability_zone (aws_subnet) are ForceNew.
REPLACED_BY: dict[str, frozenset[str]] = {
    TARGET_GROUP: frozenset({"name", "namePrefix", "port", "protocol", "protocolVersion", "targetType", "vpcId",
                             "ipAddressType"}),
    RULE: frozenset({"listenerArn"}),
    LISTENER: frozenset({"loadBalancerArn"}),
    INGRESS: frozenset({"securityGroupId"}),
    EGRESS: frozenset({"securityGroupId"}),
    AWS_PROVIDER: frozenset({"region"}),
    VPC: frozenset({"cidrBlock", "availabilityZoneNames"}),
}


def ecs_references(resource: Registered) -> bool:
    """What ECS holds on to: a target group or forward rule added, removed or replaced needs the service
    told (rewire); the HTTP-to-HTTPS redirect rule is the program's alone."""
    return resource.type == TARGET_GROUP or (resource.type == RULE and resource["actions"][0]["type"] == "forward")


# Service inputs that start a new deployment when UpdateService changes them (the ECS developer guide,
# "Service deployment lifecycle": "updates one or more service properties that require a deployment").
DEPLOYMENT_INPUTS = frozenset({"taskDefinition", "networkConfiguration", "loadBalancers", "platformVersion",
                               "capacityProviderStrategies"})
CLASSES = ("in place", "deployment", "rewire", "refused")

HTTPS = {"certificateArn": "arn:aws:acm:ap-northeast-1:111122223333:certificate/abc-123",
         "domainName": "app.example.com", "hostedZoneId": "Z0000000000EXAMPLE"}
PRIVATE = {"taskSubnets": "private"}
SMOKE = {"smokeTest": {"enabled": True}}
EXISTING = {"vpcId": EXISTING_VPC_ID, "albSubnetIds": ["subnet-0a00000000000000a", "subnet-0c00000000000000c"],
            "taskSubnetIds": ["subnet-1a00000000000000a", "subnet-1c00000000000000c"]}
IN_EXISTING = {"existingNetwork": EXISTING}
OTHER_VPC = {"vpcId": OTHER_VPC_ID, "albSubnetIds": ["subnet-9a00000000000000a", "subnet-9c00000000000000c"],
             "taskSubnetIds": ["subnet-9a00000000000000a", "subnet-9c00000000000000c"]}
PREBUILT = {"image": {"prebuilt": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app@sha256:" + "1" * 64}}

# key -> [(config before, config after)], on top of the dev stack; a key with two directions has both.
CHANGES: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = {
    "aws:region": [({}, {"aws:region": "eu-west-1", "availabilityZones": ["eu-west-1a", "eu-west-1b"]})],
    "appVersion": [({}, {"appVersion": "v2"})],
    "vpcCidr": [({}, {"vpcCidr": "10.0.0.0/17"})],
    "availabilityZones": [({}, {"availabilityZones": ["ap-northeast-1a", "ap-northeast-1d"]})],
    "publicSubnetCidrs": [({}, {"publicSubnetCidrs": ["10.0.3.0/24", "10.0.4.0/24"]})],
    "taskSubnets": [({}, PRIVATE), (PRIVATE, {})],
    "privateSubnetCidrs": [(PRIVATE, {**PRIVATE, "privateSubnetCidrs": ["10.0.21.0/24", "10.0.22.0/24"]})],
    "natGateways": [(PRIVATE, {**PRIVATE, "natGateways": "Single"})],
    "vpcEndpoints": [(PRIVATE, {**PRIVATE, "natGateways": "None", "vpcEndpoints": True})],
    "https.certificateArn": [({}, {"https": HTTPS}), ({"https": HTTPS}, {})],
    "https.domainName": [({"https": HTTPS}, {"https": {**HTTPS, "domainName": "www.example.com"}})],
    "https.hostedZoneId": [({"https": HTTPS}, {"https": {**HTTPS, "hostedZoneId": "Z1111111111EXAMPLE"}})],
    "albDeletionProtection": [({}, {"albDeletionProtection": True})],
    "albDropInvalidHeaderFields": [({}, {"albDropInvalidHeaderFields": True})],
    "desiredCount": [({}, {"desiredCount": 2})],
    "cpu": [({}, {"cpu": 512, "memory": 1024})],
    "memory": [({}, {"memory": 1024})],
    "containerPort": [({}, {"containerPort": 9000})],
    "healthCheckPath": [({}, {"healthCheckPath": "/ready"})],
    "healthCheckGracePeriodSeconds": [({}, {"healthCheckGracePeriodSeconds": 60})],
    "logRetentionDays": [({}, {"logRetentionDays": 30})],
    "readOnlyRootFilesystem": [({}, {"readOnlyRootFilesystem": True})],
    "containerHealthCheck": [({}, {"containerHealthCheck": True})],
    "containerInsights": [({}, {"containerInsights": True})],
    "autoscaling.enabled": [({}, {"autoscaling": {"enabled": True}}), ({"autoscaling": {"enabled": True}}, {})],
    "autoscaling.minCapacity": [({"autoscaling": {"enabled": True}},
                                 {"autoscaling": {"enabled": True, "minCapacity": 1, "maxCapacity": 5}})],
    "autoscaling.maxCapacity": [({"autoscaling": {"enabled": True}}, {"autoscaling": {"enabled": True, "maxCapacity": 5}})],
    "autoscaling.cpuTargetPercent": [({"autoscaling": {"enabled": True}},
                                      {"autoscaling": {"enabled": True, "cpuTargetPercent": 70}})],
    "autoscaling.memoryTargetPercent": [({"autoscaling": {"enabled": True}},
                                         {"autoscaling": {"enabled": True, "memoryTargetPercent": 70}})],
    "deploymentStrategy": [({}, {"deploymentStrategy": "CANARY"})],
    "bakeTimeMinutes": [({}, {"bakeTimeMinutes": 5})],
    "linear.stepPercent": [({"deploymentStrategy": "LINEAR"}, {"deploymentStrategy": "LINEAR", "linear": {"stepPercent": 20}})],
    "linear.stepBakeMinutes": [({"deploymentStrategy": "LINEAR"},
                                {"deploymentStrategy": "LINEAR", "linear": {"stepBakeMinutes": 2}})],
    "canary.percent": [({"deploymentStrategy": "CANARY"}, {"deploymentStrategy": "CANARY", "canary": {"percent": 20}})],
    "canary.bakeMinutes": [({"deploymentStrategy": "CANARY"}, {"deploymentStrategy": "CANARY", "canary": {"bakeMinutes": 9}})],
    "deploymentCircuitBreaker": [({}, {"deploymentCircuitBreaker": False})],
    "waitForSteadyState": [({}, {"waitForSteadyState": False})],
    "testTraffic.enabled": [({}, {"testTraffic": {"enabled": True}}), ({"testTraffic": {"enabled": True}}, {})],
    "testTraffic.headerName": [({"testTraffic": {"enabled": True}},
                                {"testTraffic": {"enabled": True, "headerName": "X-Canary"}})],
    "smokeTest.enabled": [({}, SMOKE), (SMOKE, {})],
    "smokeTest.healthPath": [(SMOKE, {"smokeTest": {"enabled": True, "healthPath": "/ready"}})],
    "smokeTest.versionPath": [(SMOKE, {"smokeTest": {"enabled": True, "versionPath": "/version"}})],
    "smokeTest.maxAttempts": [(SMOKE, {"smokeTest": {"enabled": True, "maxAttempts": 3}})],
    "smokeTest.callbackDelaySeconds": [(SMOKE, {"smokeTest": {"enabled": True, "callbackDelaySeconds": 5}})],
    "manualApproval.enabled": [({}, {"manualApproval": {"enabled": True}}), ({"manualApproval": {"enabled": True}}, {})],
    "manualApproval.timeoutMinutes": [({"manualApproval": {"enabled": True}},
                                       {"manualApproval": {"enabled": True, "timeoutMinutes": 30}})],
    "manualApproval.timeoutAction": [({"manualApproval": {"enabled": True}},
                                      {"manualApproval": {"enabled": True, "timeoutAction": "CONTINUE"}})],
    "rollbackAlarms.enabled": [({}, {"rollbackAlarms": {"enabled": True}}), ({"rollbackAlarms": {"enabled": True}}, {})],
    "rollbackAlarms.target5xxThreshold": [({"rollbackAlarms": {"enabled": True}},
                                           {"rollbackAlarms": {"enabled": True, "target5xxThreshold": 10}})],
    "rollbackAlarms.unhealthyHostsThreshold": [({"rollbackAlarms": {"enabled": True}},
                                                {"rollbackAlarms": {"enabled": True, "unhealthyHostsThreshold": 2}})],
    "rollbackAlarms.evaluationPeriods": [({"rollbackAlarms": {"enabled": True}},
                                          {"rollbackAlarms": {"enabled": True, "evaluationPeriods": 3}})],
    "imageTagMutability": [({}, {"imageTagMutability": "IMMUTABLE"})],
    "imageRepositoryForceDelete": [({}, {"imageRepositoryForceDelete": False})],
    "imagesToKeep": [({}, {"imagesToKeep": 20})],
    "owner": [({}, {"owner": "team-a"})],
    "notifications.enabled": [({}, {"notifications": {"enabled": True}})],
    "notifications.email": [({"notifications": {"enabled": True}},
                             {"notifications": {"enabled": True, "email": "oncall@example.com"}})],
    "existingNetwork.vpcId": [({}, IN_EXISTING), (IN_EXISTING, {"existingNetwork": OTHER_VPC})],
    "existingNetwork.albSubnetIds": [(IN_EXISTING, {"existingNetwork": {
        **EXISTING, "albSubnetIds": ["subnet-0a00000000000000a", "subnet-0d00000000000000d"]}})],
    "existingNetwork.taskSubnetIds": [(IN_EXISTING, {"existingNetwork": {
        **EXISTING, "taskSubnetIds": ["subnet-1a00000000000000a", "subnet-1d00000000000000d"]}})],
    "existingNetwork.taskSubnetsPublic": [(IN_EXISTING, {"existingNetwork": {
        **EXISTING, "taskSubnetIds": EXISTING["albSubnetIds"], "taskSubnetsPublic": True}})],
    "image.buildContext": [({}, {"image": {"buildContext": ".", "dockerfile": "app/Dockerfile"}})],
    "image.dockerfile": [({}, {"image": {"dockerfile": "./app/Dockerfile"}})],
    "image.prebuilt": [({}, PREBUILT), (PREBUILT, {"image": {"prebuilt": PREBUILT["image"]["prebuilt"][:-1] + "2"}}),
                       (PREBUILT, {})],
    "smokeTest.checkVersion": [(SMOKE, {"smokeTest": {"enabled": True, "checkVersion": False}})],
}


def documented_classes() -> dict[str, str]:
    """The config table's last column (docs/configuration.md), key -> class."""
    doc = CONFIGURATION_DOC.read_text()
    table = doc[doc.index("## Configuration\n"):doc.index("Outputs:")]
    rows = re.findall(r"^\| `([A-Za-z0-9.:]+)` \|.*\| ([a-z ]+) \|$", table, flags=re.MULTILINE)
    return dict(rows)


def _by_urn(run: ProgramRun) -> dict[str, Registered]:
    return {r.urn: r for r in run.resources}


def _changed_inputs(old: Registered, new: Registered) -> set[str]:
    """Inputs the update sends: a changed input the resource ignores is not sent (that is the point of a
    rewire, for the service's load balancers)."""
    before, after = comparable(old.inputs), comparable(new.inputs)
    return {key for key in before.keys() | after.keys()
            if before.get(key) != after.get(key) and key not in new.ignore_changes}


def _unsent_wiring(old: Registered, new: Registered) -> bool:
    """The service's load balancers changed, but it ignores them: ECS would not hear of it."""
    return "loadBalancers" in new.ignore_changes and old["loadBalancers"] != new["loadBalancers"]


def _subnets_replaced(old: Registered, new: Registered) -> bool:
    """A subnet spec (public, private) that exists before and after with other CIDRs: awsx replaces it."""
    def cidrs(vpc: Registered) -> dict[str, Any]:
        return {spec["type"]: spec.get("cidrBlocks") for spec in vpc.get("subnetSpecs", [])}
    before, after = cidrs(old), cidrs(new)
    return any(before[kind] != after[kind] for kind in before.keys() & after.keys())


def moves_vpc(changed: Mapping[str, set[str]]) -> bool:
    """A security group or target group sent to another VPC: the ALB cannot follow (all its subnets must be
    in its own VPC: ELB SetSubnets), so nothing the live service uses would be reachable."""
    return any("vpcId" in keys for keys in changed.values())


def _hooks(run: ProgramRun) -> list[Any]:
    return run.one(SERVICE)["deploymentConfiguration"].get("lifecycleHooks") or []


def classify(before: ProgramRun, after: ProgramRun) -> str:
    """How a live stack takes the change from `before` to `after`, from the registrations alone."""
    old, new = _by_urn(before), _by_urn(after)
    changed = {urn: _changed_inputs(old[urn], new[urn]) for urn in old.keys() & new.keys()}
    replaced = {urn for urn, keys in changed.items() if keys & REPLACED_BY.get(new[urn].type, frozenset())}
    replaced |= {urn for urn in changed if new[urn].type == VPC and _subnets_replaced(old[urn], new[urn])}
    if any(new[urn].type in (VPC, AWS_PROVIDER) for urn in replaced) or moves_vpc(changed):
        return "refused"
    touched = [old[urn] for urn in old.keys() - new.keys()] + [new[urn] for urn in new.keys() - old.keys()] + \
        [new[urn] for urn in replaced]
    service = after.one(SERVICE)
    service_changes = changed[service.urn]
    if any(ecs_references(r) for r in touched) or _unsent_wiring(old[service.urn], service) \
            or (_hooks(before) and not _hooks(after)):
        return "rewire"
    return "deployment" if service_changes & DEPLOYMENT_INPUTS else "in place"


_RUNS: dict[str, ProgramRun] = {}


def _run(config: Mapping[str, Any], **options: Any) -> ProgramRun:
    return run_program("dev", **options, **config)


def _first_run(config: Mapping[str, Any]) -> ProgramRun:
    """The stack as first deployed with `config` (runs are shared: most changes start from the dev stack)."""
    key = json.dumps(config, sort_keys=True)
    if key not in _RUNS:
        _RUNS[key] = _run(config)
    return _RUNS[key]


def _stopped(config: Mapping[str, Any], previous: Mapping[str, Any], **options: Any) -> LiveStackError:
    with pytest.raises(ProgramFailed) as failure:
        _run(config, **{"previous_outputs": previous, **options})
    assert isinstance(failure.value.cause, LiveStackError), failure.value.cause
    assert failure.value.resources == [], "stopped before any resource was registered"
    assert "\n" not in str(failure.value.cause)
    return failure.value.cause


def _cases() -> Iterable[Any]:
    for key, changes in CHANGES.items():
        for index, (before, after) in enumerate(changes):
            yield pytest.param(key, before, after, id=f"{key}-{index}")


def test_every_key_has_a_documented_class_and_a_change_that_shows_it() -> None:
    documented = documented_classes()
    assert set(documented) == set(CHANGES), "config table rows vs the changes this test makes"
    assert set(documented.values()) <= set(CLASSES)


@pytest.mark.parametrize(("key", "before", "after"), list(_cases()))
def test_a_change_to_a_live_stack_is_what_the_config_reference_says(key: str, before: dict[str, Any], after: dict[str, Any],
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    expected = documented_classes()[key]
    old = _first_run(before)
    previous = dict(old.outputs)  # what the stack's outputs are after its first update
    if expected in ("in place", "deployment"):
        # The program, reading those outputs as its own, lets the update through.
        assert classify(old, _run(after, previous_outputs=previous)) == expected
        return
    assert classify(old, _run(after)) == expected
    stopped = _stopped(after, previous)
    assert ("python -m ops rewire" in str(stopped)) == (expected == "rewire"), stopped
    monkeypatch.setenv(REWIRE_VARIABLE, "green")
    if expected == "rewire":
        _run(after, previous_outputs=previous)  # a rewire run goes through
    else:
        _stopped(after, previous)  # nothing makes a refused change


def _forwards(rule: Registered, run: ProgramRun) -> dict[str, int]:
    colors = {run.one(TARGET_GROUP, f"-{color}").state["arn"]: color for color in ("blue", "green")}
    [action] = rule["actions"]
    return {colors[group["arn"]]: group["weight"] for group in action["forward"]["targetGroups"]}


def test_the_program_reads_its_own_stack() -> None:
    assert _run({}).stacks_read == ["organization/ecs-bluegreen/dev"]


def test_a_diy_backend_of_the_old_layout_is_read_by_the_bare_stack_name() -> None:
    previous = dict(_first_run({}).outputs)
    legacy = {"readable_stack_names": lambda name: "/" not in name, "previous_outputs": previous}
    assert _run({}, **legacy).stacks_read == ["organization/ecs-bluegreen/dev", "dev"]
    # The outputs read that way are the ones checked against.
    assert isinstance(_stopped({"containerPort": 9000}, previous, **legacy), LiveStackError)


def test_a_stack_whose_outputs_cannot_be_read_stops_before_any_resource() -> None:
    with pytest.raises(ProgramFailed) as failure:
        _run({}, readable_stack_names=lambda name: False)
    assert isinstance(failure.value.cause, LiveStackError)
    assert str(failure.value.cause).startswith("Cannot read this stack's previous outputs (")
    assert "`pulumi state upgrade`" in str(failure.value.cause) and "\n" not in str(failure.value.cause)
    assert failure.value.resources == []


@pytest.mark.parametrize("primary", ["blue", "green"])
def test_in_a_rewire_run_every_rule_created_forwards_all_traffic_to_the_group_ecs_serves(
        monkeypatch: pytest.MonkeyPatch, primary: str) -> None:
    # HTTPS on: both rules are replaced on the new listener; created weighted to blue while ECS serves
    # from green, everyone would be sent to an empty group (or to the new tasks, untested).
    previous = dict(_first_run(SMOKE).outputs)
    monkeypatch.setenv(REWIRE_VARIABLE, primary)
    run = _run({**SMOKE, "https": HTTPS}, previous_outputs=previous)
    https = run.one(LISTENER, "-https")
    for rule in filter(ecs_references, run.of_type(RULE)):
        assert rule["listenerArn"] == https.state["arn"], rule.name
        assert _forwards(rule, run) == {primary: 100, "blue" if primary == "green" else "green": 0}, rule.name
    [balancer] = run.one(SERVICE)["loadBalancers"]
    assert balancer["advancedConfiguration"]["productionListenerRule"] == run.one(RULE, "production").state["arn"]


def test_a_new_stack_starts_with_blue_serving() -> None:
    run = _run(SMOKE)
    assert [_forwards(rule, run) for rule in run.of_type(RULE)] == [{"blue": 100, "green": 0}] * 2


def test_turning_https_off_keeps_redirecting_http_behind_the_new_rules_until_the_next_update(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Until the rules on HTTP exist, HTTP clients still reach the live version through HTTPS; once they
    # exist they win, and the smoke test's requests reach the new test rule instead of a redirect.
    with_https = _first_run({**SMOKE, "https": HTTPS})
    monkeypatch.setenv(REWIRE_VARIABLE, "blue")
    leaving = _run(SMOKE, previous_outputs=dict(with_https.outputs))
    http = leaving.one(LISTENER, "-http")
    redirect = leaving.one(RULE, "http-redirect")
    forward_rules = list(filter(ecs_references, leaving.of_type(RULE)))
    assert {rule["listenerArn"] for rule in forward_rules} == {redirect["listenerArn"]} == {http.state["arn"]}
    assert redirect["priority"] > max(rule["priority"] for rule in forward_rules)
    assert redirect["actions"][0]["redirect"]["host"] == HTTPS["domainName"], "where HTTPS served until now"
    assert redirect.urn == with_https.one(RULE, "http-redirect").urn, "updated in place, not replaced"

    monkeypatch.delenv(REWIRE_VARIABLE)
    after = _run(SMOKE, previous_outputs=dict(leaving.outputs))
    assert [rule.name for rule in after.of_type(RULE) if not ecs_references(rule)] == []
    assert classify(leaving, after) == "in place", "the next plain update removes it"


def test_a_port_change_keeps_the_target_groups_and_the_old_port_open_until_the_update_ends(
        monkeypatch: pytest.MonkeyPatch) -> None:
    old = _first_run({})
    monkeypatch.setenv(REWIRE_VARIABLE, "blue")
    new = _run({"containerPort": 9000}, previous_outputs=dict(old.outputs))
    for color in ("blue", "green"):
        group = new.one(TARGET_GROUP, f"-{color}")
        assert group.urn == old.one(TARGET_GROUP, f"-{color}").urn
        assert group.ignore_changes == ["port"], "a new port must not replace the groups ECS and the rules use"
    # New rules for the new port beside the old ones: a removed resource is deleted when the update ends,
    # after the service's rollout to the new port; changed ports on the same rules would cut off the
    # live tasks first.
    for rule_type, name in ((INGRESS, "service-in-alb"), (EGRESS, "alb-out-tasks")):
        [before], [after] = ([rule for rule in run.of_type(rule_type) if name in rule.name] for run in (old, new))
        assert (before["fromPort"], after["fromPort"]) == (8080, 9000)
        assert before.urn != after.urn


def test_adding_a_hook_beside_a_test_rule_is_in_place_and_starts_no_deployment() -> None:
    # A new hook runs from the next deployment on (a new appVersion, a rewire); sending it starts none.
    with_rule = {"testTraffic": {"enabled": True}}
    old = _first_run(with_rule)
    new = _run({**with_rule, "manualApproval": {"enabled": True}}, previous_outputs=dict(old.outputs))
    assert classify(old, new) == "in place"
    assert [hook["targetType"] for hook in _hooks(new)] == ["PAUSE"]


def test_a_rewire_run_needs_the_update_to_wait_for_the_rollout(monkeypatch: pytest.MonkeyPatch) -> None:
    # Without the wait, pulumi up ends, and removes the old rules and ports, while the old tasks still serve.
    monkeypatch.setenv(REWIRE_VARIABLE, "blue")
    with pytest.raises(ProgramFailed) as failure:
        _run({"containerPort": 9000, "waitForSteadyState": False}, previous_outputs=dict(_first_run({}).outputs))
    assert str(failure.value.cause).startswith("config 'waitForSteadyState': False is not allowed; allowed: true in a "
                                               "rewire run")
    assert failure.value.resources == []


def test_wiring_recorded_by_an_older_or_newer_program_is_still_read() -> None:
    recorded = dict(_first_run({}).outputs["wiring"])
    del recorded["https_domain"]
    recorded["something_new"] = 1
    run = _run({}, previous_outputs={**_first_run({}).outputs, "wiring": recorded})
    assert run.outputs["wiring"]["https_domain"] == ""


def test_a_stack_deployed_before_it_recorded_its_wiring_is_updated_unchecked_once() -> None:
    old = dict(_first_run({}).outputs)
    del old["wiring"]
    run = _run({"containerPort": 9000}, previous_outputs=old)
    assert run.outputs["wiring"]["container_port"] == 9000, "the update records the wiring for the next"


def test_the_aws_facts_a_port_change_rests_on_are_in_the_pinned_api_models() -> None:
    # The target groups keep the port they were created with because a target's own port wins, and
    # health checks follow it; ECS registers each task with the service's container port; and sending
    # the service new load balancers (a rewire) starts a deployment.
    import botocore.session

    session = botocore.session.get_session()
    elbv2, ecs = session.get_service_model("elbv2"), session.get_service_model("ecs")
    create_target_group = elbv2.shape_for("CreateTargetGroupInput").members
    assert "This port is used unless you specify a port override when registering the target" in \
        create_target_group["Port"].documentation
    assert "the default is <code>traffic-port</code>, which is the port on which each target receives traffic" in \
        create_target_group["HealthCheckPort"].documentation
    load_balancer = ecs.shape_for("LoadBalancer")
    assert "This port must correspond to a <code>containerPort</code> in the task definition" in \
        load_balancer.members["containerPort"].documentation
    assert "When you add, update, or remove a load balancer configuration, Amazon ECS starts a new deployment" in \
        load_balancer.documentation


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_ctrl_c_is_left_to_ecs_not_to_sigint_rollback(stack: str) -> None:
    # docs/configuration.md, "Ctrl-C during pulumi up": the bridge ignores the engine's cancel, so the provider's
    # rollback-on-cancel could only fire in a race, and it was reported rolling back healthy deployments.
    assert "sigintRollback" not in run_program(stack).one(SERVICE).inputs
