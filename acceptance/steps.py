"""The acceptance run as named steps, in order. Each builds on the stack the ones before it left."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from acceptance.probe import Probe, get
from acceptance.runner import Failed, Skipped, Step
from acceptance.tools import REWIRE_COMMAND, Completed, Ops, Pulumi, json_object

DEFAULT_REGION = "ap-northeast-1"
"""The one region whose availability zones the program defaults."""
SERVICE_TYPE = "aws:ecs/service:Service"
CHANGING_OPS = {"update", "replace", "create-replacement", "delete-replaced"}


@dataclass(frozen=True)
class Options:
    region: str = DEFAULT_REGION
    zones: tuple[str, ...] = ()
    certificate_arn: str | None = None
    domain: str | None = None
    hosted_zone_id: str | None = None
    probe_interval: float = 1.0
    probe_timeout: float = 5.0


@dataclass
class Run:
    """What the steps share: the CLIs, the options, and what the run has done so far."""

    pulumi: Pulumi
    ops: Ops
    options: Options
    created: bool = False
    """Whether the stack exists because this run made it (only then is it destroyed)."""
    serving: str = "v1"
    """The app version the stack serves when the last step passed."""


def require(done: Completed) -> Completed:
    if not done.ok:
        raise Failed(done.summary())
    return done


def set_config(run: Run, edits: Mapping[str, str | None]) -> None:
    """Sets each key (None: removes it)."""
    for key, value in edits.items():
        require(run.pulumi.config_rm(key) if value is None else run.pulumi.config_set(key, value))


def stack_outputs(run: Run) -> dict[str, Any]:
    done, outputs = run.pulumi.outputs()
    require(done)
    return outputs


def output_text(outputs: Mapping[str, Any], name: str) -> str:
    value = outputs.get(name)
    if not isinstance(value, str) or not value:
        raise Failed(f"the stack has no `{name}` output")
    return value


def while_probing(run: Run, url: str, action: Callable[[], str]) -> str:
    """Runs `action` while a probe polls `url`; fails if any answer was not 2xx."""
    with Probe(url, interval=run.options.probe_interval, timeout=run.options.probe_timeout) as probe:
        detail = action()
    report = probe.stop()
    if not report.clean:
        raise Failed(f"{detail}, but the probe saw {report.summary()}")
    return f"{detail}; probe: {report.summary()}"


def probing_the_url(run: Run, action: Callable[[], str]) -> str:
    return while_probing(run, output_text(stack_outputs(run), "url"), action)


# --- 1. the stack and v1 ---

def base_config(options: Options) -> dict[str, str | None]:
    zones = {f"availabilityZones[{index}]": zone for index, zone in enumerate(options.zones)}
    # A one-minute bake keeps each of the run's dozen deployments to a few minutes.
    return {"aws:region": options.region, **zones, "appVersion": "v1", "bakeTimeMinutes": "1"}


def create_stack_and_deploy_v1(run: Run) -> str:
    require(run.pulumi.init_stack())
    run.created = True
    set_config(run, base_config(run.options))
    require(run.pulumi.up("--skip-preview"))
    return f"stack {run.pulumi.stack} deployed v1 in {run.options.region}"


def preview_shows_no_changes(run: Run) -> str:
    require(run.pulumi.preview("--expect-no-changes"))
    return "pulumi preview --expect-no-changes exited 0"


# --- 2. a rollout, and one ECS rolls back ---

def up_succeeds(run: Run) -> str:
    require(run.pulumi.up())
    return "pulumi up succeeded"


def roll_out_v2(run: Run) -> str:
    set_config(run, {"appVersion": "v2"})
    detail = probing_the_url(run, lambda: up_succeeds(run))
    run.serving = "v2"
    return detail


def ops_doctor_passes(run: Run) -> str:
    require(run.ops.doctor())
    return "python -m ops doctor exited 0"


def newest_deployment(run: Run) -> dict[str, Any]:
    """The newest entry of `python -m ops history --output json` ({"deployments": [...] newest first})."""
    done, history = run.ops.history()
    require(done)
    deployments = history.get("deployments")
    if not isinstance(deployments, list) or not deployments or not isinstance(deployments[0], dict):
        raise Failed("python -m ops history --output json listed no deployment")
    return deployments[0]


def up_fails_and_ecs_rolls_back(run: Run) -> str:
    up = run.pulumi.up()
    if up.ok:
        raise Failed("pulumi up of v3 succeeded, but its smoke test should have failed it")
    if REWIRE_COMMAND in up.output:
        raise Failed(f"the program refused the update, so nothing was rolled back: {up.summary()}")
    newest = newest_deployment(run)
    if newest.get("status") != "ROLLBACK_SUCCESSFUL":
        raise Failed(f"pulumi up failed, but the newest deployment {newest.get('id')} is {newest.get('status')}, "
                     "not ROLLBACK_SUCCESSFUL")
    return f"pulumi up failed (exit {up.code}); deployment {newest.get('id')} ROLLBACK_SUCCESSFUL"


def failing_v3_is_rolled_back(run: Run) -> str:
    # The app has no switch that fails its health check on purpose, so v3 fails its smoke test instead:
    # /health answers "OK", never "Version: v3".
    set_config(run, {"appVersion": "v3", "smokeTest.versionPath": "/health"})
    return probing_the_url(run, lambda: up_fails_and_ecs_rolls_back(run))


def is_service_change(step: Any) -> bool:
    return isinstance(step, dict) and step.get("op") in CHANGING_OPS and f"{SERVICE_TYPE}::" in str(step.get("urn"))


def preview_shows_the_service_changing(run: Run) -> str:
    done = require(run.pulumi.preview("--json"))
    steps = json_object(done.stdout).get("steps")
    changes = [step for step in steps if is_service_change(step)] if isinstance(steps, list) else []
    if not changes:
        raise Failed("pulumi preview --json shows no change to the ECS service: the refresh did not read the rollback")
    return f"pulumi preview shows the ECS service changing ({changes[0]['op']})"


def retry_deploys_v3(run: Run) -> str:
    set_config(run, {"smokeTest.versionPath": None})
    detail = probing_the_url(run, lambda: up_succeeds(run))
    require(run.ops.doctor())
    run.serving = "v3"
    return f"{detail}; ops doctor passes"


# --- 3. wiring changes, each through `ops rewire` ---

@dataclass(frozen=True)
class WiringChange:
    item: str
    edits: Callable[[Options], Mapping[str, str | None]]
    needs_https_flags: bool = False
    probe_plain_http: bool = False
    """Probe http://<albDnsName> instead of `url`: with HTTPS going off, the https:// URL goes by design."""


def refused_then_rewired(run: Run) -> str:
    plain = run.pulumi.up()
    if plain.ok or REWIRE_COMMAND not in plain.output:
        raise Failed(f"a plain pulumi up did not refuse it with a line naming `{REWIRE_COMMAND}`: {plain.summary()}")
    require(run.ops.rewire())
    require(run.ops.doctor())
    return f"a plain pulumi up refused it naming `{REWIRE_COMMAND}`; ops rewire made it; ops doctor passes"


def https_flags_given(options: Options) -> None:
    if not (options.certificate_arn and options.domain and options.hosted_zone_id):
        raise Skipped("needs --certificate-arn, --domain and --hosted-zone-id (a certificate and a zone of yours)")


def wiring_step(change: WiringChange) -> Step[Run]:
    def make_change(run: Run) -> str:
        if change.needs_https_flags:
            https_flags_given(run.options)
        set_config(run, change.edits(run.options))
        if change.probe_plain_http:
            url = f"http://{output_text(stack_outputs(run), 'albDnsName')}/"
            return while_probing(run, url, lambda: refused_then_rewired(run))
        return probing_the_url(run, lambda: refused_then_rewired(run))
    return Step(change.item, make_change)


def https_edits(options: Options) -> dict[str, str | None]:
    return {"https.certificateArn": options.certificate_arn, "https.domainName": options.domain,
            "https.hostedZoneId": options.hosted_zone_id}


SMOKE_TEST_ON = WiringChange("turn the smoke test on, with its test rule", lambda _: {"smokeTest.enabled": "true"})
WIRING_CHANGES = [
    WiringChange("turn the last hook off (smoke test off, test rule kept)",
                 lambda _: {"testTraffic.enabled": "true", "smokeTest.enabled": "false"}),
    WiringChange("turn test traffic off", lambda _: {"testTraffic.enabled": "false"}),
    WiringChange("turn test traffic on", lambda _: {"testTraffic.enabled": "true"}),
    WiringChange("change containerPort 8080 -> 9000", lambda _: {"containerPort": "9000"}),
    WiringChange("turn HTTPS on", https_edits, needs_https_flags=True),
    WiringChange("turn HTTPS off", lambda options: dict.fromkeys(https_edits(options)), needs_https_flags=True,
                 probe_plain_http=True),
]


# --- 4. the end state ---

def url_serves_the_deployed_version(run: Run) -> str:
    url = output_text(stack_outputs(run), "url")
    status, body = get(url, run.options.probe_timeout)
    expected = f"Version: {run.serving}"
    if status != 200 or expected not in body:
        raise Failed(f"GET {url} answered {status}: {' '.join(body.split())[:120]!r}, expected {expected!r}")
    return f"GET {url} answered 200 with {expected!r}"


STEPS: list[Step[Run]] = [
    Step("create the stack and deploy v1", create_stack_and_deploy_v1),
    Step("confirm a preview right after the first deploy shows no changes", preview_shows_no_changes),
    Step("roll out v2 with no failed request", roll_out_v2),
    Step("confirm ops doctor passes after the v2 rollout", ops_doctor_passes),
    Step("confirm a preview after the v2 rollout shows no changes", preview_shows_no_changes),
    wiring_step(SMOKE_TEST_ON),
    Step("v3 fails its smoke test and ECS rolls it back with no failed request", failing_v3_is_rolled_back),
    Step("confirm after the rollback a preview shows the service changing", preview_shows_the_service_changing),
    Step("confirm after the rollback pulumi up deploys v3 again", retry_deploys_v3),
    *(wiring_step(change) for change in WIRING_CHANGES),
    Step("a preview after the wiring changes shows no changes", preview_shows_no_changes),
    Step("the url serves the version deployed last", url_serves_the_deployed_version),
]


# --- teardown ---

def destroy_stack(run: Run) -> str:
    require(run.pulumi.destroy())
    return f"pulumi destroy --stack {run.pulumi.stack} succeeded"


def remove_stack(run: Run) -> str:
    require(run.pulumi.remove_stack())
    return f"pulumi stack rm {run.pulumi.stack} succeeded"


def keep_stack(run: Run) -> str:
    raise Skipped(f"--keep: the stack stays (and costs money); remove it with: pulumi destroy --stack "
                  f"{run.pulumi.stack} --yes && pulumi stack rm {run.pulumi.stack} --yes")


def teardown_steps(run: Run, keep: bool) -> list[Step[Run]]:
    if not run.created:
        return []
    if keep:
        return [Step("destroy the stack", keep_stack)]
    return [Step("destroy the stack", destroy_stack), Step("remove the stack", remove_stack)]
