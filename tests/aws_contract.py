"""The AWS API requests a program's resources turn into, checked against AWS's own service models.

Nobody can run `pulumi up` against AWS here, so every custom `aws:` resource the program registers
under mocks is translated into the request(s) the provider sends on create (ECS CreateService, EC2
AuthorizeSecurityGroupEgress, ...) and validated against the botocore models pinned in the venv:
botocore's ParamValidator (required members, unknown members, types, minimums) plus what it leaves
out (maximums, enums, patterns) plus constraints the models state only in their documentation.

Translation is generic: Pulumi's camelCase input names are matched to the request shape's members
case-insensitively (and a Pulumi plural list to a singular member); values are coerced to the
member's type the way the provider does (8080.0 -> 8080, "15" -> 15, a JSON string -> a document).
What the provider moves or renames is a short table per resource type. An input that matches no
member stays where it is, so the validator reports it: nothing is dropped silently.
"""

from __future__ import annotations

import copy
import functools
import json
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import Any, cast

import botocore.session
from botocore.model import ListShape, MapShape, Shape, StructureShape
from botocore.validate import ParamValidator

from tests.pulumi_harness import ProgramRun, Registered

# The physical names the provider would generate: Pulumi's auto-name appends "-" and 7 random
# characters; a Terraform name_prefix gets a 26-character unique suffix.
_AUTONAME_SUFFIX = "-a1b2c3d"
_PREFIX_SUFFIX = "20261127000000000000000001"


@dataclass(frozen=True)
class ApiCall:
    service: str
    """botocore's service name, e.g. `ecs`, `elbv2`."""
    operation: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return f"{self.service} {self.operation}"


@functools.cache
def _input_shape(service: str, operation: str) -> StructureShape:
    model = botocore.session.get_session().get_service_model(service)
    return cast(StructureShape, model.operation_model(operation).input_shape)


# botocore's shapes are untyped (cached properties): typed views of the parts used here.
def _members(shape: Shape) -> dict[str, Shape]:
    return cast("dict[str, Shape]", getattr(shape, "members"))


def _metadata(shape: Shape) -> dict[str, Any]:
    return cast("dict[str, Any]", shape.metadata)


def _item(shape: ListShape) -> Shape:
    return cast(Shape, shape.member)


def _map_value(shape: MapShape) -> Shape:
    return cast(Shape, shape.value)


# ---------------------------------------------------------------------------------------------
# From Pulumi inputs to request parameters


def _singular(name: str) -> str:
    if name.endswith("ies"):
        return name[:-3] + "y"
    return name[:-1] if name.endswith("s") else name


# Member names the provider's field names do not match even case-insensitively: (service, shape) -> {input: member}.
RENAMES: dict[tuple[str, str], dict[str, str]] = {
    ("elbv2", "Action"): {"fixedResponse": "FixedResponseConfig", "forward": "ForwardConfig",
                          "redirect": "RedirectConfig"},
    ("elbv2", "TargetGroupTuple"): {"arn": "TargetGroupArn"},
    ("elbv2", "RuleCondition"): {"pathPattern": "PathPatternConfig", "httpHeader": "HttpHeaderConfig",
                                 "hostHeader": "HostHeaderConfig", "httpRequestMethod": "HttpRequestMethodConfig",
                                 "queryString": "QueryStringConfig", "sourceIp": "SourceIpConfig"},
    ("route53", "AliasTarget"): {"name": "DNSName", "zoneId": "HostedZoneId"},
    ("events", "InputTransformer"): {"inputPaths": "InputPathsMap"},
    ("events", "Target"): {"ecsTarget": "EcsParameters", "sqsTarget": "SqsParameters",
                           "httpTarget": "HttpParameters", "kinesisTarget": "KinesisParameters",
                           "batchTarget": "BatchParameters", "runCommandTargets": "RunCommandParameters",
                           "redshiftTarget": "RedshiftDataParameters", "appsyncTarget": "AppSyncParameters",
                           "sagemakerPipelineTarget": "SageMakerPipelineParameters"},
    ("ecs", "CreateServiceRequest"): {"orderedPlacementStrategies": "placementStrategy", "iamRole": "role"},
}


def _member_for(service: str, key: str, shape: StructureShape) -> str:
    renamed = RENAMES.get((service, shape.name), {}).get(key)
    if renamed:
        return renamed
    by_lower = {member.lower(): member for member in _members(shape)}
    for candidate in (key, _singular(key)):
        if candidate.lower() in by_lower:
            return by_lower[candidate.lower()]
    return key


def _pairs(mapping: dict[str, Any], shape: ListShape) -> Any:
    """A Pulumi map (tags, alarm dimensions) as the API's list of {Key|Name, Value} structures."""
    item = _item(shape)
    if not isinstance(item, StructureShape):
        return mapping
    key_member = next((m for m in _members(item) if m.lower() in ("key", "name")), None)
    value_member = next((m for m in _members(item) if m.lower() == "value"), None)
    if key_member is None or value_member is None:
        return mapping
    return [{key_member: key, value_member: value} for key, value in mapping.items()]


def _shaped(service: str, value: Any, shape: Shape) -> Any:
    """`value` (Pulumi's names and types) as the member of type `shape` the provider sends."""
    if _metadata(shape).get("document") or shape.type_name == "document":
        return json.loads(value) if isinstance(value, str) else value
    if isinstance(shape, StructureShape):
        if isinstance(value, list) and len(value) == 1:  # a Terraform block of at most one item
            value = value[0]
        if not isinstance(value, dict):
            return value
        shaped = {}
        for key, item in value.items():
            member = _member_for(service, key, shape)
            shaped[member] = _shaped(service, item, _members(shape)[member]) if member in _members(shape) else item
        return shaped
    if isinstance(shape, ListShape):
        if isinstance(value, dict):
            value = _pairs(value, shape)
        return [_shaped(service, item, _item(shape)) for item in value] if isinstance(value, list) else value
    if isinstance(shape, MapShape) and isinstance(value, dict):
        return {key: _shaped(service, item, _map_value(shape)) for key, item in value.items()}
    if shape.type_name in ("integer", "long"):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):  # the provider parses string fields
            return int(value)
    if shape.type_name == "blob" and not isinstance(value, (bytes, str)):
        return b"PK\x05\x06" + bytes(18)  # an asset archive: the provider uploads a zip file
    return value


def _move(fields: dict[str, Any], source: str, target: str) -> None:
    """Moves the value at dotted path `source` (if present) to dotted path `target`; a parent the
    move leaves empty (healthCheck, once all of its fields moved out) goes too."""
    *parents, key = source.split(".")
    chain = [fields]
    for part in parents:
        child = chain[-1].get(part)
        if not isinstance(child, dict):
            return
        chain.append(child)
    if key not in chain[-1]:
        return
    value = chain[-1].pop(key)
    for part, holder in zip(reversed(parents), reversed(chain[:-1])):
        if holder[part]:
            break
        del holder[part]
    *target_parents, target_key = target.split(".")
    holder = fields
    for part in target_parents:
        holder = holder.setdefault(part, {})
    holder[target_key] = value


@dataclass
class _Resource:
    """One registration with what the provider adds: its physical name and the default tags."""

    registered: Registered
    inputs: dict[str, Any]
    default_tags: dict[str, str]

    @property
    def physical_name(self) -> str:
        if "name" in self.inputs:
            return str(self.inputs["name"])
        if "namePrefix" in self.inputs:
            return str(self.inputs["namePrefix"]) + _PREFIX_SUFFIX
        return self.registered.name + _AUTONAME_SUFFIX

    def with_inputs(self, inputs: dict[str, Any]) -> _Resource:
        return replace(self, inputs=inputs)

    def call(self, service: str, operation: str, fields: dict[str, Any]) -> ApiCall:
        return ApiCall(service, operation, _shaped(service, fields, _input_shape(service, operation)))

    def create(self, service: str, operation: str, *, name: str | None = None,
               moves: dict[str, str] | None = None, drop: tuple[str, ...] = (),
               ec2_tag_type: str | None = None) -> ApiCall:
        """The resource's create request: its inputs, named, moved, tagged and shaped."""
        fields = {key: value for key, value in self.inputs.items() if key not in drop}
        if name is not None:
            physical_name = self.physical_name
            fields.pop("namePrefix", None)
            fields.pop("name", None)
            fields[name] = physical_name
        for source, target in (moves or {}).items():
            _move(fields, source, target)
        tags = {**self.default_tags, **fields.pop("tags", {})}
        shape = _input_shape(service, operation)
        if ec2_tag_type is not None:
            fields["TagSpecifications"] = [{"ResourceType": ec2_tag_type, "Tags": tags}]
        elif tags and any(member.lower() == "tags" for member in _members(shape)):
            fields["tags"] = tags
        return self.call(service, operation, fields)


def _text(value: Any) -> str:
    """A value as the string an attributes map takes: true/false, 30 rather than 30.0."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# ---------------------------------------------------------------------------------------------
# What each resource type sends on create (terraform-provider-aws, internal/service/<service>/)

Translation = Callable[[_Resource], list[ApiCall]]


def _security_group_rule(operation: str) -> Translation:
    """vpc_security_group_{ingress,egress}_rule: one IpPermission whose peer carries the description."""
    def translate(resource: _Resource) -> list[ApiCall]:
        fields = dict(resource.inputs)
        description = fields.pop("description", None)
        peers = {"cidrIpv4": ("IpRanges", "CidrIp"), "cidrIpv6": ("Ipv6Ranges", "CidrIpv6"),
                 "prefixListId": ("PrefixListIds", "PrefixListId"),
                 "referencedSecurityGroupId": ("UserIdGroupPairs", "GroupId")}
        permission: dict[str, Any] = {key: fields.pop(key) for key in ("ipProtocol", "fromPort", "toPort")
                                      if key in fields}
        for key, (peer_list, peer_member) in peers.items():
            if key in fields:
                peer = {peer_member: fields.pop(key)} | ({"Description": description} if description else {})
                permission[peer_list] = [peer]
        fields["IpPermissions"] = [permission]
        return [resource.with_inputs(fields).create(
            "ec2", operation, moves={"securityGroupId": "GroupId"}, ec2_tag_type="security-group-rule")]
    return translate


_TARGET_GROUP_HEALTH_CHECK = {
    "enabled": "HealthCheckEnabled", "interval": "HealthCheckIntervalSeconds", "path": "HealthCheckPath",
    "port": "HealthCheckPort", "protocol": "HealthCheckProtocol", "timeout": "HealthCheckTimeoutSeconds",
    "healthyThreshold": "HealthyThresholdCount", "unhealthyThreshold": "UnhealthyThresholdCount",
    "matcher": "Matcher.HttpCode"}
_TARGET_GROUP_ATTRIBUTES = {
    "deregistrationDelay": "deregistration_delay.timeout_seconds", "slowStart": "slow_start.duration_seconds",
    "loadBalancingAlgorithmType": "load_balancing.algorithm.type", "proxyProtocolV2": "proxy_protocol_v2.enabled",
    "lambdaMultiValueHeadersEnabled": "lambda.multi_value_headers.enabled"}
_LOAD_BALANCER_ATTRIBUTES = {
    "enableDeletionProtection": "deletion_protection.enabled",
    "dropInvalidHeaderFields": "routing.http.drop_invalid_header_fields.enabled",
    "idleTimeout": "idle_timeout.timeout_seconds", "enableHttp2": "routing.http2.enabled",
    "desyncMitigationMode": "routing.http.desync_mitigation_mode",
    "preserveHostHeader": "routing.http.preserve_host_header.enabled",
    "xffHeaderProcessingMode": "routing.http.xff_header_processing.mode"}


def _with_attributes(resource: _Resource, table: dict[str, str], create: Callable[[_Resource], ApiCall],
                     modify: str, arn_member: str) -> list[ApiCall]:
    """elbv2 creates with some inputs, then sets the rest as string attributes in a second call."""
    inputs = {key: value for key, value in resource.inputs.items() if key not in table}
    attributes = [{"Key": table[key], "Value": _text(value)} for key, value in resource.inputs.items()
                  if key in table]
    calls = [create(resource.with_inputs(inputs))]
    if attributes:
        calls.append(resource.call("elbv2", modify, {arn_member: resource.registered.state.get("arn", ""),
                                                     "Attributes": attributes}))
    return calls


def _target_group(resource: _Resource) -> list[ApiCall]:
    moves = {f"healthCheck.{key}": member for key, member in _TARGET_GROUP_HEALTH_CHECK.items()}
    return _with_attributes(resource, _TARGET_GROUP_ATTRIBUTES,
                            lambda r: r.create("elbv2", "CreateTargetGroup", name="Name", moves=moves),
                            "ModifyTargetGroupAttributes", "TargetGroupArn")


def _load_balancer(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    if "internal" in inputs:
        inputs["scheme"] = "internal" if inputs.pop("internal") else "internet-facing"
    return _with_attributes(resource.with_inputs(inputs), _LOAD_BALANCER_ATTRIBUTES,
                            lambda r: r.create("elbv2", "CreateLoadBalancer", name="Name",
                                               moves={"loadBalancerType": "Type"}),
                            "ModifyLoadBalancerAttributes", "LoadBalancerArn")


def _listener(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    if "certificateArn" in inputs:
        inputs["certificates"] = [{"certificateArn": inputs.pop("certificateArn")}]
    return [resource.with_inputs(inputs).create("elbv2", "CreateListener")]


def _listener_rule(resource: _Resource) -> list[ApiCall]:
    """Each condition block names its field; the provider sends that as the condition's Field."""
    fields = {"pathPattern": "path-pattern", "httpHeader": "http-header", "hostHeader": "host-header",
              "httpRequestMethod": "http-request-method", "queryString": "query-string", "sourceIp": "source-ip"}
    inputs = copy.deepcopy(resource.inputs)
    for condition in inputs.get("conditions", []):
        condition["field"] = next((fields[key] for key in condition if key in fields), None)
    return [resource.with_inputs(inputs).create("elbv2", "CreateRule")]


def _task_definition(resource: _Resource) -> list[ApiCall]:
    """The container definitions are JSON the provider sends as is: checked member by member."""
    inputs = dict(resource.inputs)
    containers = json.loads(inputs.pop("containerDefinitions"))
    call = resource.with_inputs(inputs).create(
        "ecs", "RegisterTaskDefinition", drop=("skipDestroy", "trackLatest"))
    call.params["containerDefinitions"] = containers
    return [call]


def _service(resource: _Resource) -> list[ApiCall]:
    """resourceServiceCreate: circuit breaker, alarms and percents live in deploymentConfiguration, and a
    REPLICA service always sends its percents (the provider's defaults 200 and 100 when unset)."""
    inputs = copy.deepcopy(resource.inputs)
    if inputs.get("schedulingStrategy", "REPLICA") == "REPLICA":
        inputs.setdefault("deploymentMaximumPercent", 200)
        inputs.setdefault("deploymentMinimumHealthyPercent", 100)
    network = inputs.get("networkConfiguration", {})
    if "assignPublicIp" in network:
        network["assignPublicIp"] = "ENABLED" if network["assignPublicIp"] else "DISABLED"
    return [resource.with_inputs(inputs).create(
        "ecs", "CreateService", name="serviceName",
        moves={"deploymentCircuitBreaker": "deploymentConfiguration.deploymentCircuitBreaker",
               "alarms": "deploymentConfiguration.alarms",
               "deploymentMaximumPercent": "deploymentConfiguration.maximumPercent",
               "deploymentMinimumHealthyPercent": "deploymentConfiguration.minimumHealthyPercent",
               "networkConfiguration": "networkConfiguration.awsvpcConfiguration"},
        drop=("waitForSteadyState", "forceNewDeployment", "forceDelete", "triggers"))]


def _log_group(resource: _Resource) -> list[ApiCall]:
    inputs = {key: value for key, value in resource.inputs.items() if key != "retentionInDays"}
    create = resource.with_inputs(inputs).create(
        "logs", "CreateLogGroup", name="logGroupName", drop=("skipDestroy",))
    calls = [create]
    if "retentionInDays" in resource.inputs:
        calls.append(resource.call("logs", "PutRetentionPolicy", {
            "logGroupName": create.params["logGroupName"], "retentionInDays": resource.inputs["retentionInDays"]}))
    return calls


def _record(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    zone_id = inputs.pop("zoneId", None)
    action = "UPSERT" if inputs.pop("allowOverwrite", False) else "CREATE"
    if "records" in inputs:
        inputs["resourceRecords"] = [{"value": record} for record in inputs.pop("records")]
    inputs["aliasTarget"] = inputs.pop("aliases", None)
    record_set = {key: value for key, value in inputs.items() if value is not None}
    return [resource.call("route53", "ChangeResourceRecordSets", {
        "HostedZoneId": zone_id,
        "ChangeBatch": {"Changes": [{"Action": action, "ResourceRecordSet": record_set}]}})]


def _event_target(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    rule = {key: inputs.pop(key) for key in ("rule", "eventBusName") if key in inputs}
    inputs["id"] = inputs.pop("targetId", resource.registered.name + _AUTONAME_SUFFIX)
    return [resource.call("events", "PutTargets", {**rule, "targets": [inputs]})]


_SNS_TOPIC_ATTRIBUTES = ("displayName", "policy", "deliveryPolicy", "kmsMasterKeyId", "fifoTopic",
                         "contentBasedDeduplication", "signatureVersion", "tracingConfig", "archivePolicy",
                         "fifoThroughputScope")
_SNS_SUBSCRIPTION_ATTRIBUTES = ("rawMessageDelivery", "filterPolicy", "filterPolicyScope", "redrivePolicy",
                                "deliveryPolicy", "subscriptionRoleArn", "replayPolicy")


def _as_attributes(inputs: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    """SNS takes these inputs as an Attributes map: PascalCase names, string values."""
    attributes = {name[0].upper() + name[1:]: _text(inputs.pop(name)) for name in names if name in inputs}
    return {**inputs, "attributes": attributes} if attributes else inputs


def _topic(resource: _Resource) -> list[ApiCall]:
    inputs = _as_attributes(dict(resource.inputs), _SNS_TOPIC_ATTRIBUTES)
    return [resource.with_inputs(inputs).create("sns", "CreateTopic", name="Name")]


def _topic_subscription(resource: _Resource) -> list[ApiCall]:
    inputs = _as_attributes(dict(resource.inputs), _SNS_SUBSCRIPTION_ATTRIBUTES)
    inputs = {("TopicArn" if key == "topic" else key): value for key, value in inputs.items()
              if key not in ("endpointAutoConfirms", "confirmationTimeoutInMinutes")}
    return [resource.call("sns", "Subscribe", {**inputs, "ReturnSubscriptionArn": True})]


def _topic_policy(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    return [resource.call("sns", "SetTopicAttributes", {
        "TopicArn": inputs.pop("arn", None), "AttributeName": "Policy", "AttributeValue": inputs.pop("policy", None),
        **inputs})]


def _event_rule(resource: _Resource) -> list[ApiCall]:
    inputs = dict(resource.inputs)
    if "isEnabled" in inputs:
        inputs["state"] = "ENABLED" if inputs.pop("isEnabled") else "DISABLED"
    return [resource.with_inputs(inputs).create(
        "events", "PutRule", name="Name", drop=("forceDestroy",))]


def _one(service: str, operation: str, **options: Any) -> Translation:
    return lambda resource: [resource.create(service, operation, **options)]


TRANSLATIONS: dict[str, Translation] = {
    "aws:ecr/repository:Repository": _one("ecr", "CreateRepository", name="repositoryName", drop=("forceDelete",)),
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _one(
        "ecr", "PutLifecyclePolicy", moves={"repository": "repositoryName", "policy": "lifecyclePolicyText"}),
    "aws:ecs/cluster:Cluster": _one("ecs", "CreateCluster", name="clusterName"),
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": _one(
        "ecs", "PutClusterCapacityProviders", moves={"clusterName": "cluster"}),
    "aws:ecs/taskDefinition:TaskDefinition": _task_definition,
    "aws:ecs/service:Service": _service,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:iam/role:Role": _one("iam", "CreateRole", name="RoleName",
                              moves={"assumeRolePolicy": "AssumeRolePolicyDocument"}, drop=("forceDetachPolicies",)),
    "aws:iam/rolePolicy:RolePolicy": _one("iam", "PutRolePolicy", name="PolicyName",
                                          moves={"role": "RoleName", "policy": "PolicyDocument"}),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": _one("iam", "AttachRolePolicy", moves={"role": "RoleName"}),
    "aws:ec2/securityGroup:SecurityGroup": _one("ec2", "CreateSecurityGroup", name="GroupName",
                                                drop=("revokeRulesOnDelete",), ec2_tag_type="security-group"),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _security_group_rule("AuthorizeSecurityGroupIngress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _security_group_rule("AuthorizeSecurityGroupEgress"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": _one("ec2", "CreateVpcEndpoint", moves={"policy": "PolicyDocument"},
                                            ec2_tag_type="vpc-endpoint"),
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/loadBalancer:LoadBalancer": _load_balancer,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:lambda/function:Function": _one("lambda", "CreateFunction", name="FunctionName",
                                         moves={"code": "Code.ZipFile"}, drop=("sourceCodeHash", "skipDestroy")),
    "aws:cloudwatch/metricAlarm:MetricAlarm": _one("cloudwatch", "PutMetricAlarm", name="AlarmName"),
    "aws:cloudwatch/dashboard:Dashboard": _one("cloudwatch", "PutDashboard"),
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _event_target,
    "aws:route53/record:Record": _record,
    "aws:appautoscaling/target:Target": _one("application-autoscaling", "RegisterScalableTarget"),
    "aws:appautoscaling/policy:Policy": _one("application-autoscaling", "PutScalingPolicy", name="PolicyName"),
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _topic_policy,
    "aws:sns/topicSubscription:TopicSubscription": _topic_subscription,
}


# ---------------------------------------------------------------------------------------------
# Validation


@functools.cache
def _unicode_class(category: str) -> str:
    """The characters of a Unicode general category (Basic Multilingual Plane), as a regex class body."""
    if not re.fullmatch(r"[LMNPSZC][a-z]?", category):
        raise ValueError(f"no translation for the pattern class \\p{{{category}}}")
    return _class_body(chr(c) for c in range(0x10000) if unicodedata.category(chr(c)).startswith(category))


def _class_body(characters: Iterator[str]) -> str:
    ranges: list[list[int]] = []
    for code in map(ord, characters):
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "".join(re.escape(chr(low)) if low == high else f"{re.escape(chr(low))}-{re.escape(chr(high))}"
                   for low, high in ranges)


# Java's POSIX classes (ASCII only) as Python class bodies.
_POSIX_CLASSES = {"ASCII": r"\x00-\x7F", "Print": r"\x20-\x7E", "Graph": r"\x21-\x7E", "Alnum": "a-zA-Z0-9",
                  "Alpha": "a-zA-Z", "Digit": "0-9", "Upper": "A-Z", "Lower": "a-z", "Space": r" \t\n\x0B\f\r",
                  "Punct": re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")}


def _surrogate_pair(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + (high - 0xD800) * 0x400 + (low - 0xDC00):08X}"


@functools.cache
def model_pattern(java_pattern: str) -> re.Pattern[str]:
    """A model's (Java) pattern in Python: `\\p{...}` classes spelled out, UTF-16 surrogate pairs as code
    points, and a `-` after a class escape inside [...] (Java reads it as a literal) escaped."""
    java_pattern = re.sub(r"\\u(D[89AB][0-9A-F]{2})\\u(D[C-F][0-9A-F]{2})", _surrogate_pair, java_pattern)
    python, in_class, i = "", False, 0
    while i < len(java_pattern):
        match = re.match(r"\\p\{(\w+)\}", java_pattern[i:])
        if match:
            body = _POSIX_CLASSES.get(match.group(1)) or _unicode_class(match.group(1))
            python += body if in_class else f"[{body}]"
            i += match.end()
            continue
        token = java_pattern[i:i + 2] if java_pattern[i] == "\\" else java_pattern[i]
        i += len(token)
        if in_class and token in ("\\w", "\\d", "\\s") and java_pattern[i:i + 1] == "-":
            token += "\\"
        in_class = (in_class or token == "[") and not (in_class and token == "]")
        python += token
    return re.compile(python, re.DOTALL)


Owner = tuple[str, str]
"""(structure shape, member): where a value sits in a request, the key of a documented rule."""


def _walk(value: Any, shape: Shape, path: str = "",
          owner: Owner | None = None) -> Iterator[tuple[str, Any, Shape, Owner | None]]:
    """Every member of a request, and every map key: (path, value, shape, owner)."""
    yield path, value, shape, owner
    if _metadata(shape).get("document"):
        return
    if isinstance(shape, StructureShape) and isinstance(value, dict):
        for key, item in value.items():
            if key in _members(shape):
                yield from _walk(item, _members(shape)[key], f"{path}.{key}" if path else key, (shape.name, key))
    elif isinstance(shape, ListShape) and isinstance(value, list):
        for index, item in enumerate(value):
            yield from _walk(item, _item(shape), f"{path}[{index}]", owner)
    elif isinstance(shape, MapShape) and isinstance(value, dict):
        for key, item in value.items():
            yield f"{path} (key {key!r})", key, cast(Shape, shape.key), None
            yield from _walk(item, _map_value(shape), f"{path}.{key}", owner)


def _model_constraints(value: Any, shape: Shape) -> str | None:
    """What botocore's validator leaves out: enums, patterns and maximums."""
    enum = getattr(shape, "enum", None) or []
    if enum and isinstance(value, str) and value not in enum:
        return f"{value!r} is not one of {enum}"
    pattern = _metadata(shape).get("pattern")
    # The services match the whole value (a pattern anchored or not: "Foo" fails [a-z]+).
    if pattern and isinstance(value, str) and not model_pattern(pattern).fullmatch(value):
        return f"{value!r} does not match the pattern {pattern}"
    maximum = _metadata(shape).get("max")
    size = len(value) if isinstance(value, (str, list, dict)) else value
    if maximum is not None and isinstance(size, (int, float)) and not isinstance(size, bool) and size > maximum:
        return f"{value!r} is above the maximum {maximum}" + (" (length)" if size is not value else "")
    return None


def _characters(allowed: str, description: str, maximum: int) -> Callable[[Any], str | None]:
    pattern = re.compile(f"[{allowed}]{{1,{maximum}}}")
    return lambda value: None if pattern.fullmatch(str(value)) else \
        f"{value!r}: allowed are {description}, at most {maximum} characters"


def _one_of(allowed: tuple[object, ...]) -> Callable[[Any], str | None]:
    return lambda value: None if value in allowed else f"{value!r} is not one of {list(allowed)}"


def _elb_name(value: Any) -> str | None:
    if re.fullmatch(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,30}[A-Za-z0-9])?", str(value)) and \
            not str(value).startswith("internal-"):
        return None
    return f"{value!r}: at most 32 letters, digits or hyphens, no hyphen first or last, not internal-..."


def _alarm_period(value: Any) -> str | None:
    if value in (10, 20, 30) or value % 60 == 0:
        return None
    return f"{value!r}: allowed are 10, 20, 30 or a multiple of 60"


def _between(low: float, high: float, step: float | None = None) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        on_step = step is None or abs(round(value / step) * step - value) < 1e-9
        if low <= value <= high and on_step:
            return None
        return f"{value!r}: allowed are {low} to {high}" + (f" in steps of {step}" if step else "")
    return check


def _at_most(maximum: int) -> Callable[[Any], str | None]:
    return lambda value: None if len(str(value)) <= maximum else f"{value!r}: at most {maximum} characters"


def _alb_matcher(value: Any) -> str | None:
    """ALB success codes: "200", "200,202" or "200-299", each from 200 to 499."""
    codes = re.split(r"[,-]", str(value))
    if all(code.isdigit() and 200 <= int(code) <= 499 for code in codes):
        return None
    return f"{value!r}: allowed are HTTP codes from 200 to 499, as 200, 200,202 or 200-299"


def _tag_key(value: Any) -> str | None:
    return f"{value!r}: may not begin with aws:" if str(value).startswith("aws:") else \
        (None if len(str(value)) <= 127 else f"{value!r}: at most 127 characters")


def _ascii_dimension(value: Any) -> str | None:
    text = str(value)
    if text.isascii() and text.isprintable() and text.strip() and not text.startswith(":"):
        return None
    return f"{value!r}: printable ASCII with a non-space character, not starting with ':'"


def _json_object(text: Any) -> dict[str, Any] | None:
    try:
        document = json.loads(text)
    except (TypeError, json.JSONDecodeError):
        return None
    return document if isinstance(document, dict) else None


def _json_document(required: str | None = None) -> Callable[[Any], str | None]:
    """A member the API takes as a JSON object (with `required` in it)."""
    def check(text: Any) -> str | None:
        document = _json_object(text)
        if document and (required is None or required in document):
            return None
        return f"{str(text)[:60]!r}: a JSON object" + (f" with {required}" if required else "") + " is required"
    return check


_STATEMENT_KEYS = {"Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource", "NotResource",
                   "Condition"}
_ACTION = re.compile(r"\*|[a-z0-9-]+:[A-Za-z0-9*?]+")


def _statement_problems(statement: Any, kind: str) -> list[str]:
    """One statement against the IAM JSON policy grammar (IAM User Guide) for an identity, trust or
    resource policy; IAM answers MalformedPolicyDocument to any of these."""
    if not isinstance(statement, dict):
        return [f"a statement is not an object: {statement!r}"]
    problems = [f"unknown statement element {key}" for key in statement if key not in _STATEMENT_KEYS]
    if statement.get("Effect") not in ("Allow", "Deny"):
        problems.append(f"Effect {statement.get('Effect')!r} is not Allow or Deny")
    if ("Action" in statement) == ("NotAction" in statement):
        problems.append("a statement takes exactly one of Action and NotAction")
    actions = statement.get("Action", statement.get("NotAction", []))
    problems += [f"action {action!r} is not service:Action" for action in
                 ([actions] if isinstance(actions, str) else actions) if not _ACTION.fullmatch(str(action))]
    has_principal = "Principal" in statement or "NotPrincipal" in statement
    has_resource = "Resource" in statement or "NotResource" in statement
    if kind == "identity" and (has_principal or not has_resource):
        problems.append("an identity policy statement names a Resource and no Principal")
    if kind == "trust" and (not has_principal or has_resource):
        problems.append("a trust policy statement names a Principal and no Resource")
    if kind == "resource" and not has_principal:
        problems.append("a resource policy statement names a Principal")
    return problems


def _policy(kind: str) -> Callable[[Any], str | None]:
    def check(text: Any) -> str | None:
        document = _json_object(text)
        if document is None:
            return f"{text!r} is not a JSON policy document"
        if document.get("Version") not in ("2012-10-17", "2008-10-17"):
            return "the policy's Version must be 2012-10-17"
        statements = document.get("Statement")
        statements = [statements] if isinstance(statements, dict) else statements
        if not isinstance(statements, list) or not statements:
            return "the policy has no Statement"
        problems = [problem for statement in statements for problem in _statement_problems(statement, kind)]
        return "; ".join(problems) or None
    return check


def _lifecycle_rule_problems(rule: dict[str, Any], last_priority: int) -> list[str]:
    """One ECR lifecycle rule (ECR User Guide, lifecycle policy properties)."""
    selection, priority = rule.get("selection", {}), rule.get("rulePriority")
    problems = [] if isinstance(priority, int) and priority >= 1 else [f"rulePriority {priority!r} is not 1 or more"]
    if selection.get("tagStatus") not in ("tagged", "untagged", "any"):
        problems.append(f"tagStatus {selection.get('tagStatus')!r} is not tagged, untagged or any")
    if selection.get("tagStatus") == "tagged" and not (selection.get("tagPrefixList")
                                                       or selection.get("tagPatternList")):
        problems.append("a tagged rule needs tagPrefixList or tagPatternList")
    if selection.get("tagStatus") == "any" and priority != last_priority:
        problems.append("a tagStatus any rule must have the highest rulePriority")
    counts = {"imageCountMoreThan": False, "sinceImagePushed": True}  # -> whether countUnit (days) is needed
    if selection.get("countType") not in counts:
        problems.append(f"countType {selection.get('countType')!r} is not one of {list(counts)}")
    elif counts[selection["countType"]] != ("countUnit" in selection):
        problems.append("countUnit goes with sinceImagePushed, and only with it")
    if not (isinstance(selection.get("countNumber"), int) and selection["countNumber"] >= 1):
        problems.append(f"countNumber {selection.get('countNumber')!r} is not 1 or more")
    if rule.get("action", {}).get("type") != "expire":
        problems.append("the action type must be expire")
    return problems


def _lifecycle_policy(text: Any) -> str | None:
    rules = (_json_object(text) or {}).get("rules")
    if not isinstance(rules, list) or not rules:
        return "a lifecycle policy is a JSON object with a list of rules"
    priorities = [rule.get("rulePriority") for rule in rules]
    last = max((p for p in priorities if isinstance(p, int)), default=0)
    problems = [] if len(set(priorities)) == len(priorities) else ["rulePriority values must be unique"]
    problems += [problem for rule in rules for problem in _lifecycle_rule_problems(rule, last)]
    return "; ".join(problems) or None


_EC2_TEXT = _characters(r"a-zA-Z0-9 ._\-:/()#,@\[\]+=&;{}!$*", "a-z, A-Z, 0-9, spaces and ._-:/()#,@[]+=&;{}!$*", 255)
_ECS_NAME = _characters("A-Za-z0-9_-", "letters, digits, underscores and hyphens", 255)

# Constraints the models state only in their documentation, by (service, structure shape, member);
# a rule for a list member applies to each item.
DOCUMENTED_RULES: dict[tuple[str, str, str], Callable[[Any], str | None]] = {
    **{("ec2", structure, "Description"): _EC2_TEXT
       for structure in ("CreateSecurityGroupRequest", "IpRange", "Ipv6Range", "PrefixListId", "UserIdGroupPair")},
    ("ec2", "CreateSecurityGroupRequest", "GroupName"): lambda value:
        "a security group name cannot start with sg-" if str(value).startswith("sg-") else _EC2_TEXT(value),
    ("logs", "PutRetentionPolicyRequest", "retentionInDays"): _one_of(
        (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)),
    ("cloudwatch", "PutMetricAlarmInput", "Period"): _alarm_period,
    ("cloudwatch", "MetricStat", "Period"): _alarm_period,
    ("elbv2", "CreateTargetGroupInput", "Name"): _elb_name,
    ("elbv2", "CreateLoadBalancerInput", "Name"): _elb_name,
    ("ecs", "CreateClusterRequest", "clusterName"): _ECS_NAME,
    ("ecs", "CreateServiceRequest", "serviceName"): _ECS_NAME,
    ("ecs", "RegisterTaskDefinitionRequest", "family"): _ECS_NAME,
    ("ecs", "ContainerDefinition", "name"): _ECS_NAME,
    ("lambda", "CreateFunctionRequest", "FunctionName"): _characters("A-Za-z0-9_-", "letters, digits, _ and -", 64),
    ("sns", "CreateTopicInput", "Name"): _characters("A-Za-z0-9_-", "letters, digits, _ and -", 256),
    ("cloudwatch", "PutDashboardInput", "DashboardName"): _characters("A-Za-z0-9_-", "letters, digits, _ and -", 255),
    ("iam", "CreateRoleRequest", "AssumeRolePolicyDocument"): _policy("trust"),
    ("iam", "PutRolePolicyRequest", "PolicyDocument"): _policy("identity"),
    ("ec2", "CreateVpcEndpointRequest", "PolicyDocument"): _policy("resource"),
    ("ecr", "PutLifecyclePolicyRequest", "lifecyclePolicyText"): _lifecycle_policy,
    ("events", "PutRuleRequest", "EventPattern"): _json_document(),
    ("cloudwatch", "PutDashboardInput", "DashboardBody"): _json_document("widgets"),
    ("cloudwatch", "PutMetricAlarmInput", "TreatMissingData"):
        _one_of(("breaching", "notBreaching", "ignore", "missing")),
    ("cloudwatch", "Dimension", "Name"): _ascii_dimension,
    ("cloudwatch", "Dimension", "Value"): _ascii_dimension,
    ("ec2", "Tag", "Key"): _tag_key,
    ("ecs", "Volume", "name"): _ECS_NAME,
    ("ecs", "PortMapping", "name"): lambda value: None if re.fullmatch(r"[a-z0-9_][a-z0-9_-]{0,63}", str(value)) else
        f"{value!r}: at most 64 lowercase letters, digits, _ and -, not starting with -",
    ("ecs", "ContainerDefinition", "stopTimeout"): _between(0, 120),  # Fargate's maximum; every task here is Fargate
    ("ecs", "HealthCheck", "interval"): _between(5, 300),
    ("ecs", "HealthCheck", "timeout"): _between(2, 60),
    ("ecs", "HealthCheck", "retries"): _between(1, 10),
    ("ecs", "HealthCheck", "startPeriod"): _between(0, 300),
    ("ecs", "LinearConfiguration", "stepPercent"): _between(3.0, 100.0, 0.1),
    ("ecs", "LinearConfiguration", "stepBakeTimeInMinutes"): _between(0, 1440),
    ("ecs", "CanaryConfiguration", "canaryPercent"): _between(0.1, 100.0, 0.1),
    ("ecs", "CanaryConfiguration", "canaryBakeTimeInMinutes"): _between(0, 1440),
    ("elbv2", "TargetGroupTuple", "Weight"): _between(0, 999),
    ("elbv2", "Matcher", "HttpCode"): _alb_matcher,
    ("elbv2", "HttpHeaderConditionConfig", "HttpHeaderName"): _at_most(40),
    ("elbv2", "HttpHeaderConditionConfig", "Values"): _at_most(128),
    ("elbv2", "PathPatternConditionConfig", "Values"): _at_most(128),
}


def _target_group_rules(params: dict[str, Any]) -> list[str]:
    problems = [] if "VpcId" in params or params.get("TargetType") == "lambda" else \
        ["VpcId: required unless the targets are Lambda functions"]
    interval, timeout = params.get("HealthCheckIntervalSeconds"), params.get("HealthCheckTimeoutSeconds")
    if interval is not None and timeout is not None and timeout >= interval:
        problems.append(f"HealthCheckTimeoutSeconds: {timeout} must be less than HealthCheckIntervalSeconds {interval}")
    return problems


def _permission_rules(params: dict[str, Any]) -> list[str]:
    """IpPermission.IpProtocol: "For tcp, udp, and icmp, you must specify a port range"."""
    return [f"IpPermissions[{index}]: a {permission['IpProtocol']} rule needs FromPort and ToPort"
            for index, permission in enumerate(params.get("IpPermissions", []))
            if permission.get("IpProtocol") in ("tcp", "udp", "icmp", "6", "17", "1")
            and not ("FromPort" in permission and "ToPort" in permission)]


def _target_group_attribute_rules(params: dict[str, Any]) -> list[str]:
    return [f"Attributes deregistration_delay.timeout_seconds: {item['Value']!r} is not 0-3600"
            for item in params.get("Attributes", []) if item.get("Key") == "deregistration_delay.timeout_seconds"
            and not (str(item.get("Value")).isdigit() and 0 <= int(item["Value"]) <= 3600)]


def _lifecycle_hook_rules(index: int, hook: dict[str, Any]) -> list[str]:
    where = f"deploymentConfiguration.lifecycleHooks[{index}]"
    if hook.get("targetType", "AWS_LAMBDA") == "AWS_LAMBDA":
        return [f"{where}: an AWS_LAMBDA hook needs {member}" for member in ("hookTargetArn", "roleArn")
                if member not in hook]
    return [f"{where}: a PAUSE hook takes no {member}" for member in ("hookTargetArn", "hookDetails") if member in hook]


def _service_rules(params: dict[str, Any]) -> list[str]:
    """CreateService members that only mean something together (DeploymentConfiguration's documentation)."""
    deployment = params.get("deploymentConfiguration", {})
    strategy = deployment.get("strategy", "ROLLING")
    # The provider would not even send these with another strategy: the setting would be silently ignored.
    problems = [f"deploymentConfiguration.{member}: only valid with strategy {owner}, not {strategy}"
                for member, owner in (("linearConfiguration", "LINEAR"), ("canaryConfiguration", "CANARY"))
                if member in deployment and strategy != owner]
    if strategy == "BLUE_GREEN" and "bakeTimeInMinutes" not in deployment:
        problems.append("deploymentConfiguration.bakeTimeInMinutes: required with strategy BLUE_GREEN")
    for index, hook in enumerate(deployment.get("lifecycleHooks", [])):
        problems += _lifecycle_hook_rules(index, hook)
    if params.get("enableECSManagedTags") and "propagateTags" not in params:
        problems.append("enableECSManagedTags: ECS managed tags need propagateTags")
    if "alarms" in deployment and params.get("deploymentController", {}).get("type", "ECS") != "ECS":
        problems.append("deploymentConfiguration.alarms: only with the ECS deployment controller")
    return problems


def _task_definition_rules(params: dict[str, Any]) -> list[str]:
    if "FARGATE" not in params.get("requiresCompatibilities", []):
        return []
    problems = [f"{member}: required for Fargate" for member in ("cpu", "memory") if member not in params]
    if params.get("networkMode") != "awsvpc":
        problems.append(f"networkMode: {params.get('networkMode')!r}: Fargate requires awsvpc")
    return problems


def _alarm_rules(params: dict[str, Any]) -> list[str]:
    """M out of N: the datapoints that must breach cannot outnumber the periods evaluated."""
    datapoints, periods = params.get("DatapointsToAlarm"), params.get("EvaluationPeriods")
    if datapoints is not None and periods is not None and datapoints > periods:
        return [f"DatapointsToAlarm: {datapoints} must not exceed EvaluationPeriods {periods}"]
    return []


def _topic_attribute_rules(params: dict[str, Any]) -> list[str]:
    problem = _policy("resource")(params.get("AttributeValue")) if params.get("AttributeName") == "Policy" else None
    return [f"AttributeValue: {problem}"] if problem else []


def _listener_rules(params: dict[str, Any]) -> list[str]:
    if params.get("Protocol") in ("HTTPS", "TLS") and len(params.get("Certificates", [])) != 1:
        return ["Certificates: an HTTPS or TLS listener takes exactly one certificate"]
    return []


# Documented rules that relate members of one request, by (service, operation).
OPERATION_RULES: dict[tuple[str, str], Callable[[dict[str, Any]], list[str]]] = {
    ("elbv2", "CreateTargetGroup"): _target_group_rules,
    ("elbv2", "ModifyTargetGroupAttributes"): _target_group_attribute_rules,
    ("elbv2", "CreateListener"): _listener_rules,
    ("ecs", "CreateService"): _service_rules,
    ("ec2", "AuthorizeSecurityGroupIngress"): _permission_rules,
    ("ec2", "AuthorizeSecurityGroupEgress"): _permission_rules,
    ("ecs", "RegisterTaskDefinition"): _task_definition_rules,
    ("cloudwatch", "PutMetricAlarm"): _alarm_rules,
    ("sns", "SetTopicAttributes"): _topic_attribute_rules,
}


def check(call: ApiCall) -> list[str]:
    """Every way `call` breaks its operation's model: botocore's validator, then the rest."""
    shape = _input_shape(call.service, call.operation)
    report = ParamValidator().validate(call.params, shape)
    problems = [str(line) for line in report.generate_report().splitlines()] if report.has_errors() else []
    for path, value, member_shape, owner in _walk(call.params, shape):
        rule = DOCUMENTED_RULES.get((call.service, *owner)) if owner else None
        documented = rule(value) if rule and not isinstance(value, (list, dict)) else None
        problem = _model_constraints(value, member_shape) or documented
        if problem:
            problems.append(f"{path}: {problem}")
    problems += OPERATION_RULES.get((call.service, call.operation), lambda _: [])(call.params)
    return [f"{call}: {problem}" for problem in problems]


# ---------------------------------------------------------------------------------------------
# Whole programs


def sends_aws_requests(resource: Registered) -> bool:
    """Custom resources of an AWS package (aws, and aws-native should one appear: it then fails as
    untranslated). Components (awsx's too), providers and other packages (docker, random) send none."""
    return resource.custom and resource.type.split(":")[0].startswith("aws")


def _default_tags(resource: Registered, run: ProgramRun) -> dict[str, str]:
    if not resource.provider:
        return {}
    provider = run.by_urn(resource.provider.split("::" + resource.provider.rsplit("::", 1)[-1])[0])
    return json.loads(provider.inputs.get("defaultTags", "{}")).get("tags", {})


def requests_for(resource: Registered, run: ProgramRun) -> list[ApiCall]:
    """The AWS API requests the provider sends to create `resource`."""
    translate = TRANSLATIONS[resource.type]
    return translate(_Resource(resource, copy.deepcopy(resource.inputs), _default_tags(resource, run)))


def resource_violations(resource: Registered, run: ProgramRun) -> list[str]:
    if resource.type not in TRANSLATIONS:
        return [f"{resource.type} {resource.name}: no translation into AWS API requests"]
    return [f"{resource.type} {resource.name}: {problem}"
            for call in requests_for(resource, run) for problem in check(call)]


def program_violations(run: ProgramRun) -> list[str]:
    return [problem for resource in run.resources if sends_aws_requests(resource)
            for problem in resource_violations(resource, run)]
