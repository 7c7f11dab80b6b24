"""The README is the five-minute read, and every link in it and in docs/ leads somewhere that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = REPO / "README.md"
DOCUMENTS = [README, *sorted((REPO / "docs").glob("*.md"))]

# [text](target): a target with no scheme (http:, mailto:, ...) is relative to the document, or an #anchor in it.
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~).*?^\1", flags=re.MULTILINE | re.DOTALL)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lowercase, spaces to '-', punctuation other than '-' and '_' removed."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(document: Path) -> set[str]:
    """The anchors of a document's headings; a repeated heading gets -1, -2, ... as on GitHub."""
    seen: dict[str, int] = {}
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", FENCE.sub("", document.read_text()), flags=re.MULTILINE):
        base = anchor(heading)
        count = seen.get(base, 0)
        found.add(base if count == 0 else f"{base}-{count}")
        seen[base] = count + 1
    return found


def relative_links(document: Path) -> list[str]:
    return [target for target in LINK.findall(FENCE.sub("", document.read_text()))
            if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


def test_the_readme_is_a_five_minute_read() -> None:
    assert len(README.read_text()) <= 15_000


def test_the_readme_names_the_two_commands() -> None:
    text = README.read_text()
    for command in ("scripts/deploy-dev.sh", "scripts/test.sh"):
        assert f"$ {command}" in text, command
        assert (REPO / command).is_file(), command


def test_the_readme_links_every_page_in_docs() -> None:
    linked = {target.partition("#")[0] for target in relative_links(README)}
    assert [page.name for page in DOCUMENTS[1:] if f"docs/{page.name}" not in linked] == []


def test_the_anchor_rule_is_githubs() -> None:
    assert anchor("Operating a rollout: `python -m ops`") == "operating-a-rollout-python--m-ops"
    assert anchor("Changing a live stack (day two)") == "changing-a-live-stack-day-two"
    assert anchor("The production profile (`Pulumi.prod.yaml`)") == "the-production-profile-pulumiprodyaml"


@pytest.mark.parametrize("document", DOCUMENTS, ids=[d.relative_to(REPO).as_posix() for d in DOCUMENTS])
def test_every_relative_link_points_at_a_file_and_heading_that_exist(document: Path) -> None:
    broken = []
    for target in relative_links(document):
        path, _, fragment = target.partition("#")
        linked = (document.parent / path).resolve() if path else document
        if not linked.exists():
            broken.append(f"{target}: no file {linked.relative_to(REPO) if linked.is_relative_to(REPO) else linked}")
        elif fragment and (linked.suffix != ".md" or fragment not in anchors(linked)):
            broken.append(f"{target}: no heading with anchor #{fragment} in {linked.name}")
    assert broken == []
