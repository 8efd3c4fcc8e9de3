"""docs/cli.md documents every command and option the command line has.

The commands and options are read from `newsarchive ... --help`, so a new
option without documentation fails here.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest

from newsarchive.cli import run

CLI_DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"
_LISTED = re.compile(r"^ {4}([a-z]+) ", re.MULTILINE)  # a sub-command in the help listing
_OPTION = re.compile(r"(?<![\w-])--?[a-z][a-z-]*")


def _help(*words: str) -> str:
    out = io.BytesIO()
    assert run([*words, "--help"], stdout=out, stderr=io.StringIO()) == 0
    return out.getvalue().decode("utf-8")


def _commands() -> list[tuple[str, ...]]:
    """Every command, as the words that name it: ("record",), ("store", "verify"), ..."""
    found: list[tuple[str, ...]] = []
    for name in _LISTED.findall(_help()):
        subs = _LISTED.findall(_help(name))
        found.extend([(name, sub) for sub in subs] if subs else [(name,)])
    return found


def test_the_help_listing_is_read() -> None:
    commands = _commands()
    assert ("record",) in commands
    assert ("store", "verify") in commands
    assert ("bag", "validate") in commands
    assert len(commands) >= 15
    # Found in review: the listing's import line left out bags, which import takes.
    assert "import article-text files, directories, JSON/JSON Lines records, WARC files, bags" in (
        " ".join(_help().split())
    )


@pytest.mark.parametrize("words", _commands(), ids=" ".join)
def test_cli_md_documents_the_command_and_each_of_its_options(words: tuple[str, ...]) -> None:
    doc = CLI_DOC.read_text(encoding="utf-8")
    assert f"`{' '.join(words)}" in doc, "the command is not in docs/cli.md"
    usage = _help(*words).split("\n\n", 1)[0]  # the usage lines name every option
    options = set(_OPTION.findall(usage)) - {"-h", "--help"}
    undocumented = sorted(o for o in options if not re.search(rf"(?<![\w-]){o}(?![\w-])", doc))
    assert undocumented == []
