"""Every type token the tests use names a resource that exists: a misspelled token fails here, and the
harness refuses any token not defined in tests/aws_types.py, so an absence check cannot pass by typo."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from settings import PROJECT_DIR
from tests import aws_types
from tests.aws_contract import TRANSLATIONS
from tests.pulumi_harness import run_program

# Package of each token's provider, and where its SDK registers the token.
SDK_PACKAGES = {"aws": "pulumi_aws", "awsx": "pulumi_awsx", "docker": "pulumi_docker", "random": "pulumi_random"}


def registering_sources(token: str) -> list[Path]:
    """The source files one of which must contain the token literally."""
    package, module, name = token.split(":")
    if package == "ecs-bluegreen":
        return sorted((PROJECT_DIR / "ecs_bluegreen").glob("*.py"))
    if package == "pulumi":  # pulumi:providers:<package>: the provider resource of that package's SDK
        return [sdk_root(name) / "provider.py"]
    folder = module.split("/")[0]
    folder = {"index": ".", "lambda": "lambda_"}.get(folder, folder)  # Python names of the SDK's modules
    return sorted((sdk_root(package) / folder).glob("*.py"))


def sdk_root(package: str) -> Path:
    return Path(importlib.import_module(SDK_PACKAGES[package]).__file__ or "").parent


@pytest.mark.parametrize("token", sorted(aws_types.KNOWN))
def test_each_token_is_registered_by_its_sdk_or_component(token: str) -> None:
    package, _, name = token.split(":")
    needle = f"'{name}'" if package == "pulumi" else token
    assert any(needle in path.read_text() for path in registering_sources(token)), f"nothing registers {token}"


def test_a_misspelled_token_fails_an_absence_check_instead_of_passing_it() -> None:
    run = run_program("dev")
    assert run.of_type(aws_types.VPC_ENDPOINT) == [], "the dev stack has no VPC endpoints"
    with pytest.raises(AssertionError, match="not a type token"):
        run.of_type("aws:ec2/vpcEndPoint:VpcEndpoint")


@pytest.mark.parametrize("token", sorted(TRANSLATIONS))
def test_each_contract_translation_is_for_a_real_resource_type(token: str) -> None:
    # The contract test fails for a registered type it cannot translate; this catches the other way
    # round, a translation keyed by a misspelled token that would never be used.
    assert any(token in path.read_text() for path in registering_sources(token)), f"nothing registers {token}"
