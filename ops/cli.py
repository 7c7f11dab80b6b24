"""`python -m ops`: watch, inspect and stop this stack's ECS blue/green deployments."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TextIO

from boto3.session import Session
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError, NoRegionError, PartialCredentialsError

from ops import deployments as aws
from ops import render
from ops.config import Config, OutputsLoader, pulumi_stack_outputs, resolve
from ops.deployments import Client, Deployment
from ops.errors import CliError, ExitCode

DESCRIPTION = "Watch, inspect, roll back and approve the ECS blue/green deployments of this stack."

EPILOG = """\
configuration (first found wins):
  flags               --cluster, --service, --prod-rule-arn, --region
  environment         BG_CLUSTER, BG_SERVICE, BG_PROD_RULE_ARN, AWS_REGION (or AWS_DEFAULT_REGION)
  stack outputs       `pulumi stack output --json [--stack STACK]`, read only when a value is missing
                      and the pulumi CLI is on PATH
  AWS credentials come from the usual boto3 chain (AWS_PROFILE, environment, SSO, instance role).

exit codes:
  0  success (watch: the deployment ended SUCCESSFUL)
  1  watch: the deployment was rolled back, stopped or failed
  2  usage or configuration error
  3  AWS error: no credentials, access denied, cluster/service/rule not found, ...
  4  nothing done: no deployment in progress, none paused for approval, or the prompt was declined
  5  watch: --timeout passed while the deployment was still running (it carries on)
"""

ACCESS_DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation"}
BAD_CREDENTIALS = {
    "ExpiredToken", "ExpiredTokenException", "InvalidClientTokenId", "UnrecognizedClientException",
    "InvalidSignatureException", "SignatureDoesNotMatch",
}


@dataclass
class Runtime:
    """What a command needs: its configuration, AWS clients, I/O streams and time sources."""

    config: Config
    stdin: TextIO
    stdout: TextIO
    stderr: TextIO
    sleep: Callable[[float], None]
    clock: Callable[[], float]
    now: Callable[[], datetime]
    ecs_client: Client | None = None
    elbv2_client: Client | None = None
    _session: Session | None = None

    @property
    def ecs(self) -> Client:
        if self.ecs_client is None:
            self.ecs_client = self._aws_session().client("ecs")
        return self.ecs_client

    @property
    def elbv2(self) -> Client:
        if self.elbv2_client is None:
            self.elbv2_client = self._aws_session().client("elbv2")
        return self.elbv2_client

    def _aws_session(self) -> Session:
        if self._session is None:
            self._session = Session(region_name=self.config.region)  # None: boto3's own region chain
        return self._session

    def out(self, line: str = "") -> None:
        print(line, file=self.stdout, flush=True)


# --- commands ------------------------------------------------------------------------------------


def status(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    config = rt.config
    service = aws.describe_service(rt.ecs, config.cluster, config.service)
    rt.out(f"Service     {config.service} in cluster {config.cluster} ({rt.ecs.meta.region_name})")
    deployment = aws.current_deployment(rt.ecs, service)
    if deployment is None:
        rt.out("Deployment  none recorded for this service")
    else:
        _print_deployment(rt, deployment)
    assert config.prod_rule_arn is not None  # resolve(need_rule=True) guarantees it
    rt.out(f"Production  {_live_target_groups(rt, config.prod_rule_arn)}")
    return ExitCode.OK


def _print_deployment(rt: Runtime, deployment: Deployment) -> None:
    revisions = aws.describe_revisions(rt.ecs, aws.revision_arns(deployment))
    stage = deployment.get("lifecycleStage")
    rt.out(f"Deployment  {render.short_id(deployment['serviceDeploymentArn'])}  {deployment['status']}"
           + (f"  stage {stage}" if stage else "") + f"  ({render.transition(deployment, revisions)})")
    started = deployment.get("startedAt") or deployment.get("createdAt")
    ended = deployment.get("finishedAt") or deployment.get("stoppedAt")
    if started:
        took = f"ended after {render.duration((ended - started).total_seconds())}" if ended \
            else f"running for {render.duration((rt.now() - started).total_seconds())}"
        rt.out(f"            started {render.timestamp(started)}, {took}")
    if deployment.get("statusReason"):
        rt.out(f"            reason: {deployment['statusReason']}")

    rows: list[list[str]] = []
    for role, summary in aws.revision_summaries(deployment):
        revision = revisions.get(summary.get("arn", ""))
        groups = [render.target_group(arn, rt.config.target_group_colors) for arn in revision.target_groups] \
            if revision else []
        rows.append([
            f"  {role}", render.version(revisions, summary.get("arn")),
            revision.task_definition if revision else "?", render.tasks(summary),
            f"prod {render.percent(summary.get('requestedProductionTrafficWeight'))}",
            f"test {render.percent(summary.get('requestedTestTrafficWeight'))}",
            "target group " + (", ".join(groups) or "?"),
        ])
    for line in render.table(rows) if rows else []:
        rt.out(line)

    hook = aws.awaiting_pause(deployment)
    if hook:
        rt.out(f"Paused      awaiting approval until {render.timestamp(hook.get('expiresAt'))}"
               f" (then {hook.get('timeoutAction', '?')}): python -m ops approve | reject")


def _live_target_groups(rt: Runtime, rule_arn: str) -> str:
    weights = aws.rule_weights(rt.elbv2, rule_arn)
    total = sum(weight for _, weight in weights)
    if not weights or total == 0:
        return "the production listener rule forwards to no target group with weight > 0"
    colors = rt.config.target_group_colors
    shares = ", ".join(f"{render.target_group(arn, colors)} {weight * 100 / total:g}%" for arn, weight in weights)
    live = [arn for arn, weight in weights if weight > 0]
    if len(live) == 1:
        return f"live: {render.target_group(live[0], colors)}  (rule weights: {shares})"
    return f"split: {shares}"


def watch(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    service = aws.describe_service(rt.ecs, rt.config.cluster, rt.config.service)
    if args.deployment:
        arn = aws.deployment_arn(args.deployment, service["serviceArn"])
    elif service.get("currentServiceDeployment"):
        arn = service["currentServiceDeployment"]
    else:
        raise CliError(f"service {rt.config.service!r} has no deployment to watch", ExitCode.NOTHING_DONE)

    deployment = aws.describe_deployment(rt.ecs, arn)
    revisions = aws.describe_revisions(rt.ecs, aws.revision_arns(deployment))
    rt.out(f"Watching deployment {render.short_id(arn)} of {rt.config.service}: "
           f"{render.transition(deployment, revisions)}  (Ctrl-C stops watching, not the deployment)")
    start = rt.clock()
    last_state: tuple[str, str] | None = None
    last_progress = ""
    hook_states: dict[str, str] = {}
    while True:
        stamp = render.elapsed(rt.clock() - start)
        state = (deployment["status"], deployment.get("lifecycleStage", ""))
        if state != last_state:
            rt.out(f"{stamp} {state[0]:<20} {state[1]}".rstrip())
            if state[0] in aws.ROLLING_BACK and deployment.get("statusReason"):
                rt.out(f"{stamp} reason: {deployment['statusReason']}")
            last_state = state
        for hook in deployment.get("lifecycleHookDetails", []):
            hook_id, hook_status = hook.get("hookId", "?"), hook.get("status", "?")
            if hook_states.get(hook_id) != hook_status:
                hook_states[hook_id] = hook_status
                rt.out(f"{stamp} {_hook_name(hook)} hook: {hook_status}")
                if hook.get("targetType") == "PAUSE" and hook_status == "AWAITING_ACTION":
                    rt.out(f"{stamp} waiting for approval until {render.timestamp(hook.get('expiresAt'))}"
                           f" (then {hook.get('timeoutAction', '?')}): python -m ops approve | reject")
        line = render.progress(deployment, revisions)
        if line and line != last_progress:
            rt.out(f"{' ' * len(stamp)} {line}")
            last_progress = line

        if deployment["status"] == aws.SUCCEEDED:
            target = render.version(revisions, deployment.get("targetServiceRevision", {}).get("arn"))
            rt.out(f"{stamp} deployment SUCCESSFUL: {target} serves production traffic")
            return ExitCode.OK
        if deployment["status"] in aws.FAILED:
            reason = deployment.get("statusReason") or deployment.get("rollback", {}).get("reason") or "no reason given"
            rt.out(f"{stamp} deployment {deployment['status']}: {reason}")
            return ExitCode.DEPLOYMENT_FAILED
        if args.timeout and rt.clock() - start >= args.timeout:
            raise CliError(f"timed out after {render.duration(args.timeout)}: deployment {render.short_id(arn)} is "
                           f"still {deployment['status']} (it carries on)", ExitCode.TIMED_OUT)
        rt.sleep(args.interval)
        deployment = aws.describe_deployment(rt.ecs, arn)


def _hook_name(hook: Mapping[str, Any]) -> str:
    target = hook.get("targetArn")
    return f"{hook.get('targetType', '?')} {target.rsplit(':', 1)[-1]}" if target else hook.get("targetType", "?")


def rollback(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    deployment = _deployment_in_progress(rt, "roll back")
    revisions = aws.describe_revisions(rt.ecs, aws.revision_arns(deployment))
    sources = ", ".join(render.version(revisions, s.get("arn")) for s in deployment.get("sourceServiceRevisions", []))
    where = " ".join(filter(None, [deployment["status"], deployment.get("lifecycleStage")]))
    _confirm(rt, args, f"Roll back deployment {render.short_id(deployment['serviceDeploymentArn'])} "
                       f"({render.transition(deployment, revisions)}, {where})? ECS returns production traffic to "
                       f"{sources or 'the previous revision'} and stops the new tasks.")
    rt.ecs.stop_service_deployment(serviceDeploymentArn=deployment["serviceDeploymentArn"], stopType="ROLLBACK")
    rt.out(f"Rollback requested for deployment {render.short_id(deployment['serviceDeploymentArn'])}. "
           "Follow it with: python -m ops watch")
    return ExitCode.OK


def resolve_pause(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    approve = args.command == "approve"
    deployment = _deployment_in_progress(rt, "approve" if approve else "reject")
    arn = deployment["serviceDeploymentArn"]
    hook = aws.awaiting_pause(deployment)
    if hook is None:
        raise CliError(f"nothing to {args.command}: deployment {render.short_id(arn)} is {deployment['status']} "
                       f"at {deployment.get('lifecycleStage', '?')} and not paused for approval",
                       ExitCode.NOTHING_DONE)
    revisions = aws.describe_revisions(rt.ecs, aws.revision_arns(deployment))
    question = (f"{args.command.capitalize()} deployment {render.short_id(arn)} "
                f"({render.transition(deployment, revisions)}) paused at {deployment.get('lifecycleStage', '?')}?")
    _confirm(rt, args, question + (" It continues to the next stage." if approve
                                   else " ECS rolls it back to the previous revision."))
    rt.ecs.continue_service_deployment(
        serviceDeploymentArn=arn, hookId=hook["hookId"], action="CONTINUE" if approve else "ROLLBACK")
    rt.out(f"Deployment {render.short_id(arn)} {'approved' if approve else 'rejected, rolling back'}. "
           "Follow it with: python -m ops watch")
    return ExitCode.OK


def _deployment_in_progress(rt: Runtime, verb: str) -> Deployment:
    service = aws.describe_service(rt.ecs, rt.config.cluster, rt.config.service)
    deployment = aws.current_deployment(rt.ecs, service)
    if deployment is None:
        raise CliError(f"nothing to {verb}: service {rt.config.service!r} has no deployments", ExitCode.NOTHING_DONE)
    short, state = render.short_id(deployment["serviceDeploymentArn"]), deployment["status"]
    if state in aws.ROLLING_BACK:
        raise CliError(f"nothing to {verb}: deployment {short} is already {state}", ExitCode.NOTHING_DONE)
    if state not in aws.IN_PROGRESS:
        ended = deployment.get("finishedAt") or deployment.get("stoppedAt")
        raise CliError(f"nothing to {verb}: no deployment in progress (the last one, {short}, ended {state} at "
                       f"{render.timestamp(ended)}); to run an earlier version, deploy it with `pulumi up`",
                       ExitCode.NOTHING_DONE)
    return deployment


def _confirm(rt: Runtime, args: argparse.Namespace, question: str) -> None:
    if args.yes:
        return
    rt.stdout.write(f"{question} [y/N] ")
    rt.stdout.flush()
    answer = rt.stdin.readline()
    if not answer:
        rt.out()
        raise CliError("no answer on stdin; pass --yes to confirm without a prompt", ExitCode.NOTHING_DONE)
    if answer.strip().lower() not in ("y", "yes"):
        raise CliError("cancelled; nothing was changed", ExitCode.NOTHING_DONE)


def history(rt: Runtime, args: argparse.Namespace) -> ExitCode:
    briefs = aws.list_deployments(rt.ecs, rt.config.cluster, rt.config.service)[:args.limit]
    if not briefs:
        rt.out(f"No deployments recorded for service {rt.config.service}.")
        return ExitCode.OK
    revisions = aws.describe_revisions(rt.ecs, [b["targetServiceRevisionArn"] for b in briefs
                                                if b.get("targetServiceRevisionArn")])
    rows = [["DEPLOYMENT", "STATUS", "VERSION", "STARTED", "DURATION", "REASON"]]
    for brief in briefs:
        started = brief.get("startedAt") or brief.get("createdAt")
        ended = brief.get("finishedAt")
        if started and ended:
            took = render.duration((ended - started).total_seconds())
        elif started and brief.get("status") in aws.IN_PROGRESS | aws.ROLLING_BACK:
            took = render.duration((rt.now() - started).total_seconds()) + " so far"
        else:
            took = "-"
        rows.append([
            render.short_id(brief["serviceDeploymentArn"]), brief.get("status", "?"),
            render.version(revisions, brief.get("targetServiceRevisionArn")), render.timestamp(started), took,
            "" if brief.get("status") == aws.SUCCEEDED else brief.get("statusReason", ""),
        ])
    for line in render.table(rows):
        rt.out(line)
    return ExitCode.OK


# --- wiring --------------------------------------------------------------------------------------


def _positive(kind: type[int] | type[float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"must be greater than 0: {text!r}")
        return value
    return parse


def _non_negative_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 (no limit) or more: {text!r}")
    return value


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--cluster", help="ECS cluster name (env BG_CLUSTER, output clusterName)")
    common.add_argument("--service", help="ECS service name (env BG_SERVICE, output serviceName)")
    common.add_argument("--region", help="AWS region (env AWS_REGION, output region)")
    common.add_argument("--stack", help="Pulumi stack whose outputs to read (default: the selected stack)")
    confirm = argparse.ArgumentParser(add_help=False)
    confirm.add_argument("-y", "--yes", action="store_true", help="do not ask for confirmation (CI)")

    parser = argparse.ArgumentParser(
        prog="python -m ops", description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    status_parser = commands.add_parser(
        "status", parents=[common], help="current deployment, its revisions and the live target group")
    status_parser.add_argument(
        "--prod-rule-arn", help="production listener rule ARN (env BG_PROD_RULE_ARN, output productionListenerRuleArn)")
    status_parser.set_defaults(handler=status)

    watch_parser = commands.add_parser(
        "watch", parents=[common], help="follow a deployment until it ends; exit 0 only if it succeeded",
        epilog="exit codes: 0 SUCCESSFUL, 1 rolled back/stopped/failed, 5 timed out (see `python -m ops --help`)")
    watch_parser.add_argument("deployment", nargs="?", help="deployment ARN or ID from `history` (default: current)")
    watch_parser.add_argument("--interval", type=_positive(float), default=10.0, metavar="SECONDS",
                              help="seconds between polls (default: 10)")
    watch_parser.add_argument("--timeout", type=_non_negative_seconds, default=3600.0, metavar="SECONDS",
                              help="give up watching after this long; 0 = never (default: 3600)")
    watch_parser.set_defaults(handler=watch)

    rollback_parser = commands.add_parser(
        "rollback", parents=[common, confirm], help="roll back the deployment in progress (StopServiceDeployment)")
    rollback_parser.set_defaults(handler=rollback)
    for name, text in (("approve", "continue a deployment paused at its PAUSE hook"),
                       ("reject", "roll back a deployment paused at its PAUSE hook")):
        commands.add_parser(name, parents=[common, confirm], help=text).set_defaults(handler=resolve_pause)

    history_parser = commands.add_parser("history", parents=[common], help="recent deployments, newest first")
    history_parser.add_argument("--limit", type=_positive(int), default=10, help="how many to show (default: 10)")
    history_parser.set_defaults(handler=history)
    return parser


def _aws_error_message(error: ClientError, config: Config, region: str) -> str:
    details = error.response.get("Error", {})
    code, message = details.get("Code", "Unknown"), " ".join(str(details.get("Message", "")).split())
    if code in ACCESS_DENIED or code.startswith("AccessDenied"):
        return f"access denied calling {error.operation_name}: {message}"
    if code in BAD_CREDENTIALS:
        return f"AWS rejected the credentials ({code}): {message}"
    if code == "ClusterNotFoundException":
        return f"cluster {config.cluster!r} not found (region {region})"
    if code == "ServiceNotFoundException":
        return f"service {config.service!r} not found in cluster {config.cluster!r} (region {region})"
    if code == "RuleNotFound":  # ELBv2's wire code for its modeled RuleNotFoundException
        return f"production listener rule not found: {config.prod_rule_arn}"
    return f"{error.operation_name} failed: {code}: {message}"


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def main(
    argv: Sequence[str] | None = None,
    *,
    ecs_client: Client | None = None,
    elbv2_client: Client | None = None,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    environ: Mapping[str, str] | None = None,
    load_outputs: OutputsLoader = pulumi_stack_outputs,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    now: Callable[[], datetime] = _utc_now,
) -> int:
    """Run one command; return its exit code. Clients, streams and time sources are injectable for tests."""
    err = stderr or sys.stderr
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exit_:  # argparse has printed usage (or --help)
        return exit_.code if isinstance(exit_.code, int) else ExitCode.CONFIG

    config: Config | None = None
    rt: Runtime | None = None
    try:
        config = resolve(
            vars(args), os.environ if environ is None else environ, stack=args.stack,
            need_rule=args.command == "status", load_outputs=load_outputs)
        rt = Runtime(config=config, stdin=stdin or sys.stdin, stdout=stdout or sys.stdout, stderr=err,
                     sleep=sleep, clock=clock, now=now, ecs_client=ecs_client, elbv2_client=elbv2_client)
        return args.handler(rt, args)
    except CliError as error:
        print(f"ops: {error}", file=err)
        return error.code
    except NoCredentialsError:
        print("ops: no AWS credentials found: set AWS_PROFILE (and run `aws sso login` if it uses SSO) "
              "or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY", file=err)
        return ExitCode.AWS
    except PartialCredentialsError as error:
        print(f"ops: incomplete AWS credentials: {error}", file=err)
        return ExitCode.AWS
    except NoRegionError:
        print("ops: no AWS region: pass --region, set AWS_REGION, or run from the project so the stack's "
              "region output is used", file=err)
        return ExitCode.CONFIG
    except ClientError as error:
        region = rt.ecs_client.meta.region_name if rt and rt.ecs_client else (config.region if config else None)
        assert config is not None  # clients are only used after the configuration resolved
        print(f"ops: {_aws_error_message(error, config, region or '?')}", file=err)
        return ExitCode.AWS
    except BotoCoreError as error:
        print(f"ops: AWS call failed: {' '.join(str(error).split())}", file=err)
        return ExitCode.AWS
    except KeyboardInterrupt:
        print("\nops: interrupted; any deployment in progress carries on", file=err)
        return ExitCode.INTERRUPTED
