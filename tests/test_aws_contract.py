"""Every request the program would send to AWS, checked against AWS's own API models (botocore).

The program is run under mocks for every stack file and for each feature variant; each resource is
translated into the provider's create request(s) and validated (tests/aws_contract.py). The mutation
tests below feed altered copies of real registrations through the same check, to show it catches
what the first `pulumi up` would otherwise find out.
"""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import botocore.session
import pytest
from botocore import xform_name
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from settings import PROJECT_DIR
from tests.aws_contract import (
    DOCUMENTED_RULES,
    OPERATION_RULES,
    RENAMES,
    model_pattern,
    program_violations,
    requests_for,
    resource_violations,
    sends_aws_requests,
)
from tests.aws_types import (
    ALARM,
    AWS_PROVIDER,
    CLUSTER,
    DASHBOARD,
    DNS_RECORD,
    ECR_LIFECYCLE_POLICY,
    EGRESS,
    EVENT_RULE,
    EVENT_TARGET,
    FUNCTION,
    IMAGE,
    LOG_GROUP,
    REPOSITORY,
    ROLE,
    ROLE_POLICY,
    SCALING_POLICY,
    SERVICE,
    TARGET_GROUP,
    TASK_DEFINITION,
    TOPIC,
    TOPIC_POLICY,
    TOPIC_SUBSCRIPTION,
    VPC,
    VPC_ENDPOINT,
)
from tests.pulumi_harness import EXISTING_VPC_ID, ProgramRun, Registered, run_program

pytestmark = pytest.mark.cpu_heavy

STACKS = sorted(path.name.split(".")[1] for path in PROJECT_DIR.glob("Pulumi.*.yaml"))

# Each variant turns features on over the seed's stack (dev), so a resource only they register is checked.
VARIANT_BASE_STACK = "dev"
VARIANTS: dict[str, dict[str, Any]] = {
    "linear": {"deploymentStrategy": "LINEAR", "linear": {"stepPercent": 20, "stepBakeMinutes": 4}},
    "canary": {"deploymentStrategy": "CANARY", "canary": {"percent": 10, "bakeMinutes": 5}},
    "safety-nets": {"smokeTest": {"enabled": True}, "manualApproval": {"enabled": True},
                    "rollbackAlarms": {"enabled": True}},
    "private-nat": {"taskSubnets": "private", "natGateways": "Single"},
    "private-endpoints": {"taskSubnets": "private", "natGateways": "None", "vpcEndpoints": True},
    "https": {"https": {"certificateArn": "arn:aws:acm:ap-northeast-1:111122223333:certificate/"
                                          "00000000-0000-0000-0000-000000000000",
                        "domainName": "app.example.com", "hostedZoneId": "Z0000000000EXAMPLE"}},
    "autoscaling": {"desiredCount": 2, "autoscaling": {"enabled": True, "minCapacity": 2, "maxCapacity": 4,
                                                       "memoryTargetPercent": 75}},
    # The harness's mocked provider knows these subnets (tests/pulumi_harness.py, EXISTING_SUBNETS).
    "existing-network": {"existingNetwork": {"vpcId": EXISTING_VPC_ID,
                                             "albSubnetIds": ["subnet-0a00000000000000a", "subnet-0c00000000000000c"],
                                             "taskSubnetIds": ["subnet-1a00000000000000a", "subnet-1c00000000000000c"]}},
    "prebuilt-image": {"image": {"prebuilt": "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/app@sha256:"
                                             + "0" * 64}, "smokeTest": {"enabled": True, "checkVersion": False}},
}


@functools.cache
def _stack_run(stack: str) -> ProgramRun:
    return run_program(stack)


@functools.cache
def _variant_run(variant: str) -> ProgramRun:
    return run_program(VARIANT_BASE_STACK, **VARIANTS[variant])


def _report(violations: list[str]) -> str:
    return "the program would send requests AWS rejects:\n" + "\n".join(violations)


@pytest.mark.parametrize("stack", STACKS)
def test_every_stack_sends_only_requests_the_aws_models_accept(stack: str) -> None:
    violations = program_violations(_stack_run(stack))
    assert violations == [], _report(violations)


@pytest.mark.parametrize("variant", VARIANTS)
def test_every_feature_variant_sends_only_requests_the_aws_models_accept(variant: str) -> None:
    violations = program_violations(_variant_run(variant))
    assert violations == [], _report(violations)


def test_the_variants_reach_the_types_only_a_feature_registers() -> None:
    """So a type that only one feature registers (the smoke-test Lambda, the alias record) is checked."""
    checked = {resource.type for variant in VARIANTS for resource in _variant_run(variant).resources
               if sends_aws_requests(resource)}
    assert {FUNCTION, ALARM, DNS_RECORD, VPC_ENDPOINT, SCALING_POLICY} <= checked


# ---------------------------------------------------------------------------------------------
# The check catches what AWS would reject (mutated copies of real registrations)


def _mutated(resource: Registered, change: Callable[[dict[str, Any]], None]) -> Registered:
    inputs = copy.deepcopy(resource.inputs)
    change(inputs)
    return replace(resource, inputs=inputs)


def _violations_of(run: ProgramRun, type_: str, name_contains: str,
                   change: Callable[[dict[str, Any]], None]) -> list[str]:
    resource = run.one(type_, name_contains)
    assert resource_violations(resource, run) == [], "the unchanged resource is valid"
    return resource_violations(_mutated(resource, change), run)


def test_an_apostrophe_in_a_security_group_rule_description_is_caught() -> None:
    def apostrophe(inputs: dict[str, Any]) -> None:
        inputs["description"] = "To the tasks' container port"

    assert _violations_of(_stack_run(VARIANT_BASE_STACK), EGRESS, "alb-out-tasks", apostrophe) == [
        "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule app-alb-out-tasks-8080: "
        "ec2 AuthorizeSecurityGroupEgress: IpPermissions[0].UserIdGroupPairs[0].Description: "
        "\"To the tasks' container port\": allowed are a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, "
        "at most 255 characters"]


def test_a_misspelled_lifecycle_stage_is_caught() -> None:
    def misspell(inputs: dict[str, Any]) -> None:
        inputs["deploymentConfiguration"]["lifecycleHooks"][0]["lifecycleStages"] = ["POST_TEST_TRAFFIC_SHIFTT"]

    [violation] = _violations_of(_variant_run("safety-nets"), SERVICE, "", misspell)
    assert violation.startswith(
        "aws:ecs/service:Service app-service: ecs CreateService: "
        "deploymentConfiguration.lifecycleHooks[0].lifecycleStages[0]: 'POST_TEST_TRAFFIC_SHIFTT' is not one of "
        "['RECONCILE_SERVICE', 'PRE_SCALE_UP', 'POST_SCALE_UP', 'TEST_TRAFFIC_SHIFT', 'POST_TEST_TRAFFIC_SHIFT',")


def test_an_unknown_container_definition_field_is_caught() -> None:
    """The API spells it readonlyRootFilesystem; the definitions JSON is sent as written."""
    def misspell(inputs: dict[str, Any]) -> None:
        inputs["containerDefinitions"] = inputs["containerDefinitions"].replace(
            '"readonlyRootFilesystem"', '"readOnlyRootFilesystem"')

    [violation] = _violations_of(_stack_run(VARIANT_BASE_STACK), TASK_DEFINITION, "", misspell)
    assert violation.startswith("aws:ecs/taskDefinition:TaskDefinition app-task: ecs RegisterTaskDefinition: "
                                'Unknown parameter in containerDefinitions[0]: "readOnlyRootFilesystem", '
                                "must be one of: name, image,")


@pytest.mark.parametrize(("health_check", "expected"), [
    ({"interval": 301}, "HealthCheckIntervalSeconds: 301 is above the maximum 300"),
    ({"interval": 4, "timeout": 2},
     "Invalid value for parameter HealthCheckIntervalSeconds, value: 4, valid min value: 5"),
    ({"healthyThreshold": 11}, "HealthyThresholdCount: 11 is above the maximum 10"),
    ({"timeout": 10}, "HealthCheckTimeoutSeconds: 10 must be less than HealthCheckIntervalSeconds 10"),
])
def test_an_out_of_range_target_group_health_check_is_caught(health_check: dict[str, int], expected: str) -> None:
    def change(inputs: dict[str, Any]) -> None:
        inputs["healthCheck"].update(health_check)

    assert _violations_of(_stack_run(VARIANT_BASE_STACK), TARGET_GROUP, "-blue", change) == [
        f"aws:lb/targetGroup:TargetGroup app-blue: elbv2 CreateTargetGroup: {expected}"]


@pytest.mark.parametrize(("type_", "name", "change", "expected"), [
    (TARGET_GROUP, "-green", lambda inputs: inputs.update(deregistrationDelay=3601),
     "elbv2 ModifyTargetGroupAttributes: Attributes deregistration_delay.timeout_seconds: '3601' is not 0-3600"),
    (TARGET_GROUP, "-green", lambda inputs: inputs.update(name="ecs-bluegreen-production-green-tg"),
     "elbv2 CreateTargetGroup: Name: 'ecs-bluegreen-production-green-tg': at most 32 letters, digits or hyphens, "
     "no hyphen first or last, not internal-..."),
    (LOG_GROUP, "", lambda inputs: inputs.update(retentionInDays=10),
     "logs PutRetentionPolicy: retentionInDays: 10 is not one of [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, "
     "365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]"),
    (REPOSITORY, "", lambda inputs: inputs.update(name="App"),
     "ecr CreateRepository: repositoryName: 'App' does not match the pattern "
     r"[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*"),
    (TARGET_GROUP, "-green", lambda inputs: inputs.pop("vpcId"),
     "elbv2 CreateTargetGroup: VpcId: required unless the targets are Lambda functions"),
    (EGRESS, "alb-out-tasks", lambda inputs: inputs.pop("toPort"),
     "ec2 AuthorizeSecurityGroupEgress: IpPermissions[0]: a tcp rule needs FromPort and ToPort"),
    (SERVICE, "", lambda inputs: inputs.update(assignPublicIp=True),
     'ecs CreateService: Unknown parameter in input: "assignPublicIp", must be one of: cluster, serviceName,'),
])
def test_documented_and_model_constraints_are_caught(type_: str, name: str, change: Callable[[dict[str, Any]], None],
                                                      expected: str) -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    [violation] = _violations_of(run, type_, name, change)
    assert violation.startswith(f"{type_} {run.one(type_, name).name}: {expected}")


def _hooks(inputs: dict[str, Any]) -> list[dict[str, Any]]:
    return inputs["deploymentConfiguration"]["lifecycleHooks"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda inputs: inputs["deploymentConfiguration"].update(linearConfiguration={"stepPercent": 10}),
     "deploymentConfiguration.linearConfiguration: only valid with strategy LINEAR, not BLUE_GREEN"),
    (lambda inputs: inputs["deploymentConfiguration"].pop("bakeTimeInMinutes"),
     "deploymentConfiguration.bakeTimeInMinutes: required with strategy BLUE_GREEN"),
    (lambda inputs: _hooks(inputs)[0].pop("roleArn"),
     "deploymentConfiguration.lifecycleHooks[0]: an AWS_LAMBDA hook needs roleArn"),
    (lambda inputs: _hooks(inputs)[1].update(hookDetails="{}"),
     "deploymentConfiguration.lifecycleHooks[1]: a PAUSE hook takes no hookDetails"),
    (lambda inputs: inputs.pop("propagateTags"), "enableECSManagedTags: ECS managed tags need propagateTags"),
])
def test_service_members_that_only_work_together_are_caught(change: Callable[[dict[str, Any]], None],
                                                             expected: str) -> None:
    """The safety-net variant's service: a Lambda smoke-test hook, then a manual-approval PAUSE hook."""
    assert _violations_of(_variant_run("safety-nets"), SERVICE, "", change) == [
        f"aws:ecs/service:Service app-service: ecs CreateService: {expected}"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda inputs: inputs.update(period=90), "Period: 90: allowed are 10, 20, 30 or a multiple of 60"),
    (lambda inputs: inputs.update(treatMissingData="notbreaching"),
     "TreatMissingData: 'notbreaching' is not one of ['breaching', 'notBreaching', 'ignore', 'missing']"),
    (lambda inputs: inputs.update(datapointsToAlarm=3), "DatapointsToAlarm: 3 must not exceed EvaluationPeriods 2"),
])
def test_an_alarm_aws_would_reject_is_caught(change: Callable[[dict[str, Any]], None], expected: str) -> None:
    assert _violations_of(_variant_run("safety-nets"), ALARM, "blue-target-5xx", change) == [
        f"{ALARM} rollback-blue-target-5xx: cloudwatch PutMetricAlarm: {expected}"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda inputs: inputs.update(networkMode="bridge"), "networkMode: 'bridge': Fargate requires awsvpc"),
    (lambda inputs: inputs.pop("memory"), "memory: required for Fargate"),
])
def test_a_fargate_task_definition_aws_would_reject_is_caught(change: Callable[[dict[str, Any]], None],
                                                              expected: str) -> None:
    assert _violations_of(_stack_run(VARIANT_BASE_STACK), TASK_DEFINITION, "", change) == [
        f"{TASK_DEFINITION} app-task: ecs RegisterTaskDefinition: {expected}"]


@pytest.mark.parametrize("type_", ["aws:ec2/eip:Eip", "aws-native:ecs:Service"])
def test_a_resource_type_without_a_translation_fails_rather_than_being_skipped(type_: str) -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    unknown = replace(run.one(EGRESS, "alb-out-tasks"), type=type_, name="new")
    assert sends_aws_requests(unknown)
    assert resource_violations(unknown, run) == [f"{type_} new: no translation into AWS API requests"]


def test_components_providers_and_other_packages_send_no_aws_requests() -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    skipped = {resource.type for resource in run.resources if not sends_aws_requests(resource)}
    assert skipped == {AWS_PROVIDER, VPC, IMAGE,
                       *(resource.type for resource in run.resources if resource.type.startswith("ecs-bluegreen:"))}


def test_the_provider_default_tags_are_part_of_the_create_request() -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    [create] = requests_for(run.one(CLUSTER), run)
    assert {"key": "stack", "value": VARIANT_BASE_STACK} in create.params["tags"]


@pytest.mark.parametrize(("change", "expected"), [
    (lambda task: task["containerDefinitions"][0]["healthCheck"].update(interval=301),
     "containerDefinitions[0].healthCheck.interval: 301: allowed are 5 to 300"),
    (lambda task: task["containerDefinitions"][0].update(stopTimeout=121),
     "containerDefinitions[0].stopTimeout: 121: allowed are 0 to 120"),
    (lambda task: task["containerDefinitions"][0]["portMappings"][0].update(name="Flask-8080"),
     "containerDefinitions[0].portMappings[0].name: 'Flask-8080': at most 64 lowercase letters, digits, _ and -"),
    (lambda task: task.update(tags={"team": "blue!green"}),
     r"tags[3].value: 'blue!green' does not match the pattern ([\p{L}\p{Z}\p{N}_.:/=+\-@]*)"),
])
def test_documented_container_and_tag_constraints_are_caught(change: Callable[[dict[str, Any]], None],
                                                             expected: str) -> None:
    """The prod stack's container has a health check. Each case also tags the task `café`: a letter outside
    ASCII is a valid tag character (the pattern's \\p{L}), so each case reports one violation only."""
    run = _stack_run("prod")

    def mutate(inputs: dict[str, Any]) -> None:
        task = {**inputs, "containerDefinitions": json.loads(inputs["containerDefinitions"]), "tags": {"team": "café"}}
        change(task)
        inputs.update(task, containerDefinitions=json.dumps(task["containerDefinitions"]))

    [violation] = _violations_of(run, TASK_DEFINITION, "", mutate)
    assert violation.startswith(f"{TASK_DEFINITION} app-task: ecs RegisterTaskDefinition: {expected}")


# Resources of the notifications and dashboard components (arriving with another branch), as they register them.
_TOPIC_ARN = "arn:aws:sns:ap-northeast-1:123456789012:topic/notifications-topic"
_EVENT_PATTERN = json.dumps({"source": ["aws.ecs"], "detail-type": ["ECS Deployment State Change"]})
_POLICY = json.dumps({"Version": "2012-10-17", "Statement": [{
    "Effect": "Allow", "Principal": {"Service": "events.amazonaws.com"}, "Action": "sns:Publish",
    "Resource": _TOPIC_ARN}]})
OBSERVABILITY_RESOURCES: list[tuple[str, dict[str, Any], str, dict[str, Any]]] = [
    (TOPIC, {"displayName": "ECS deployments"},
     "sns CreateTopic", {"Name": "notifications-a1b2c3d", "Attributes": {"DisplayName": "ECS deployments"}}),
    (TOPIC_POLICY, {"arn": _TOPIC_ARN, "policy": _POLICY},
     "sns SetTopicAttributes", {"TopicArn": _TOPIC_ARN, "AttributeName": "Policy", "AttributeValue": _POLICY}),
    (TOPIC_SUBSCRIPTION,
     {"topic": _TOPIC_ARN, "protocol": "email", "endpoint": "ops@example.com"},
     "sns Subscribe", {"TopicArn": _TOPIC_ARN, "Protocol": "email", "Endpoint": "ops@example.com",
                       "ReturnSubscriptionArn": True}),
    (EVENT_RULE,
     {"description": "This service's ECS deployment state changes", "eventPattern": _EVENT_PATTERN},
     "events PutRule", {"Name": "notifications-a1b2c3d", "Description": "This service's ECS deployment state changes",
                        "EventPattern": _EVENT_PATTERN}),
    (EVENT_TARGET,
     {"rule": "notifications-rule", "arn": _TOPIC_ARN,
      "inputTransformer": {"inputPaths": {"event": "$.detail.eventName"}, "inputTemplate": '"<event>"'}},
     "events PutTargets", {"Rule": "notifications-rule", "Targets": [{
         "Id": "notifications-a1b2c3d", "Arn": _TOPIC_ARN,
         "InputTransformer": {"InputPathsMap": {"event": "$.detail.eventName"}, "InputTemplate": '"<event>"'}}]}),
    (DASHBOARD,
     {"dashboardName": "ecs-bluegreen-dev-rollout", "dashboardBody": json.dumps({"widgets": []})},
     "cloudwatch PutDashboard", {"DashboardName": "ecs-bluegreen-dev-rollout",
                                 "DashboardBody": json.dumps({"widgets": []})}),
]


@pytest.mark.parametrize(("type_", "inputs", "operation", "expected"), OBSERVABILITY_RESOURCES,
                         ids=[type_ for type_, *_ in OBSERVABILITY_RESOURCES])
def test_notification_and_dashboard_resources_translate_into_valid_requests(
        type_: str, inputs: dict[str, Any], operation: str, expected: dict[str, Any]) -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    resource = replace(run.one(CLUSTER), type=type_, name="notifications", inputs=inputs)
    [call] = requests_for(resource, run)
    assert str(call) == operation
    assert {key: value for key, value in call.params.items() if key != "Tags"} == expected
    assert resource_violations(resource, run) == []


def test_a_misspelled_event_rule_state_is_caught() -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    rule = replace(run.one(CLUSTER), type=EVENT_RULE, name="rule",
                   inputs={"eventPattern": _EVENT_PATTERN, "state": "ENABLE"})
    [violation] = resource_violations(rule, run)
    assert violation.startswith(
        "aws:cloudwatch/eventRule:EventRule rule: events PutRule: State: 'ENABLE' is not one of")


def test_a_map_key_the_model_does_not_allow_is_caught() -> None:
    """Lambda environment variable names: a letter, then letters, digits and underscores."""
    def hyphen(inputs: dict[str, Any]) -> None:
        inputs["environment"]["variables"]["REQUEST-TIMEOUT"] = "5"

    [violation] = _violations_of(_variant_run("safety-nets"), FUNCTION, "", hyphen)
    assert violation == ("aws:lambda/function:Function smoke-test-function: lambda CreateFunction: "
                         "Environment.Variables (key 'REQUEST-TIMEOUT'): 'REQUEST-TIMEOUT' does not match the "
                         "pattern [a-zA-Z]([a-zA-Z0-9_])+")


def _statement(policy_input: str, change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    """Changes the first statement of the JSON policy in input `policy_input`."""
    def mutate(inputs: dict[str, Any]) -> None:
        document = json.loads(inputs[policy_input])
        change(document["Statement"][0])
        inputs[policy_input] = json.dumps(document)
    return mutate


@pytest.mark.parametrize(("type_", "name", "change", "expected"), [
    (ROLE_POLICY, "function-logs",
     _statement("policy", lambda statement: statement.update(Principal={"Service": "lambda.amazonaws.com"})),
     "iam PutRolePolicy: PolicyDocument: an identity policy statement names a Resource and no Principal"),
    (ROLE_POLICY, "function-logs",
     _statement("policy", lambda statement: statement.update(Action=["logs.PutLogEvents"])),
     "iam PutRolePolicy: PolicyDocument: action 'logs.PutLogEvents' is not service:Action"),
    (ROLE, "invoke-role",
     _statement("assumeRolePolicy", lambda statement: statement.update(Resource="*")),
     "iam CreateRole: AssumeRolePolicyDocument: a trust policy statement names a Principal and no Resource"),
    (ROLE, "invoke-role", _statement("assumeRolePolicy", lambda statement: statement.update(
        Effect="allow")), "iam CreateRole: AssumeRolePolicyDocument: Effect 'allow' is not Allow or Deny"),
])
def test_a_policy_iam_would_call_malformed_is_caught(type_: str, name: str, change: Callable[[dict[str, Any]], None],
                                                    expected: str) -> None:
    run = _variant_run("safety-nets")
    assert _violations_of(run, type_, name, change) == [f"{type_} {run.one(type_, name).name}: {expected}"]


def test_a_topic_policy_without_a_principal_is_caught() -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    statement = {"Effect": "Allow", "Action": "sns:Publish", "Resource": _TOPIC_ARN}
    document = json.dumps({"Version": "2012-10-17", "Statement": [statement]})
    policy = replace(run.one(CLUSTER), type=TOPIC_POLICY, name="policy",
                     inputs={"arn": _TOPIC_ARN, "policy": document})
    assert resource_violations(policy, run) == [
        "aws:sns/topicPolicy:TopicPolicy policy: sns SetTopicAttributes: "
        "AttributeValue: a resource policy statement names a Principal"]


def _lifecycle_rule(change: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Any]], None]:
    def mutate(inputs: dict[str, Any]) -> None:
        policy = json.loads(inputs["policy"])
        change(policy["rules"][0])
        inputs["policy"] = json.dumps(policy)
    return mutate


@pytest.mark.parametrize(("change", "expected"), [
    (lambda rule: rule["selection"].update(countType="imageCountGreaterThan"),
     "countType 'imageCountGreaterThan' is not one of ['imageCountMoreThan', 'sinceImagePushed']"),
    (lambda rule: rule["selection"].update(countType="sinceImagePushed"),
     "countUnit goes with sinceImagePushed, and only with it"),
    (lambda rule: rule["selection"].update(tagStatus="tagged"), "a tagged rule needs tagPrefixList or tagPatternList"),
    (lambda rule: rule.update(action={"type": "delete"}), "the action type must be expire"),
])
def test_an_ecr_lifecycle_policy_ecr_would_reject_is_caught(change: Callable[[dict[str, Any]], None],
                                                            expected: str) -> None:
    lifecycle = ECR_LIFECYCLE_POLICY
    assert _violations_of(_stack_run(VARIANT_BASE_STACK), lifecycle, "", _lifecycle_rule(change)) == [
        f"{lifecycle} app-keep-recent: ecr PutLifecyclePolicy: lifecyclePolicyText: {expected}"]


@pytest.mark.parametrize(("type_", "inputs", "expected"), [
    (DASHBOARD,
     {"dashboardName": "rollout", "dashboardBody": json.dumps({"start": "-PT3H"})},
     "cloudwatch PutDashboard: DashboardBody: '{\"start\": \"-PT3H\"}': a JSON object with widgets is required"),
    (EVENT_RULE, {"eventPattern": "[]"},
     "events PutRule: EventPattern: '[]': a JSON object is required"),
])
def test_a_json_document_the_api_would_reject_is_caught(type_: str, inputs: dict[str, Any], expected: str) -> None:
    run = _stack_run(VARIANT_BASE_STACK)
    resource = replace(run.one(CLUSTER), type=type_, name="observed", inputs=inputs)
    assert resource_violations(resource, run) == [f"{type_} observed: {expected}"]


@pytest.mark.parametrize(("java_pattern", "accepted", "rejected"), [
    (r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*", "café 42", "a!b"),  # Unicode classes (ECS tags)
    (r"\p{Print}+", "Any printable ASCII", "tab\there"),  # a POSIX class, ASCII only in Java
    (r"[\u0020-\uD7FF\uE000-\uFFFD\uD800\uDC00-\uDBFF\uDFFF]*", "emoji \U0001F600", "bell \x07"),  # surrogate pairs
    (r"[\w-_]*", "a-b_c", "a.b"),  # Java reads the - after \w as a literal
])
def test_the_models_java_patterns_mean_the_same_in_python(java_pattern: str, accepted: str, rejected: str) -> None:
    assert model_pattern(java_pattern).fullmatch(accepted)
    assert not model_pattern(java_pattern).fullmatch(rejected)


def test_every_request_of_every_stack_and_variant_is_accepted_by_a_real_botocore_client() -> None:
    """Through botocore's own client (Stubber: validated and serialized, then answered without a network),
    so the requests are what boto3 itself would send, not only what this module's validator accepts."""
    session = botocore.session.get_session()
    clients: dict[str, Any] = {}
    for run in [*map(_stack_run, STACKS), *map(_variant_run, VARIANTS)]:
        for call in (call for resource in run.resources if sends_aws_requests(resource)
                     for call in requests_for(resource, run)):
            if call.service not in clients:
                clients[call.service] = session.create_client(
                    call.service, region_name=run.region, aws_access_key_id="testing", aws_secret_access_key="testing")
            client = clients[call.service]
            method = xform_name(call.operation)
            with Stubber(client) as stubber, pytest.raises(ClientError, match="StubbedAnswer"):
                # An error answer needs no output shape; the request was validated and built before it.
                stubber.add_client_error(method, "StubbedAnswer", expected_params=call.params)
                getattr(client, method)(**call.params)
    assert set(clients) >= {"ecs", "elbv2", "ec2", "iam", "logs", "ecr", "lambda", "cloudwatch", "route53",
                            "application-autoscaling"}, "every service the program calls was called"


def test_every_rule_and_rename_names_a_member_the_models_have() -> None:
    """A misspelled shape or member in a table would never match, and its check would pass unseen."""
    session = botocore.session.get_session()
    for service, shape, member in DOCUMENTED_RULES:
        assert member in session.get_service_model(service).shape_for(shape).members, (service, shape, member)
    for (service, shape), renames in RENAMES.items():
        members = session.get_service_model(service).shape_for(shape).members
        assert set(renames.values()) <= set(members), (service, shape)
    for service, operation in OPERATION_RULES:
        session.get_service_model(service).operation_model(operation)  # raises OperationNotFoundError
