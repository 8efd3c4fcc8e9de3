"""The README's examples run, and print what the README says they print.

A fenced block preceded by `<!-- runnable -->` (or `<!-- runnable extras=warc,bagit -->`
when it needs extras) is run: `sh` blocks with bash, `python` blocks with this
interpreter, all in one temporary directory, in README order, with this
environment's `newsarchive` first on PATH and a copy of `examples/`. A `text`
block right after a runnable block is its expected output (stdout and stderr
together), where `…` stands for any text within a line (what changes every run).
Relative links in the README and in docs/ must point at files and headings that
exist.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import attrs
import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"

_MARKER = re.compile(r"<!-- runnable(?: extras=([a-z,]+))? -->")
_FENCE = re.compile(r"```([a-z]*)[^\n]*\n(.*?)^```[ \t]*$", re.DOTALL | re.MULTILINE)
#: The module each extra installs: a block needing a missing one is skipped.
_EXTRA_MODULES = {"warc": "warcio", "bagit": "bagit", "jsonld": "pyld", "proofs": "cryptography"}


@attrs.frozen
class Block:
    line: int
    language: str
    code: str
    extras: tuple[str, ...]
    expected: str | None


def runnable_blocks(text: str) -> list[Block]:
    """Every block marked runnable, with the `text` block that follows it, if any."""
    blocks = []
    for marker in _MARKER.finditer(text):
        rest = text[marker.end() :]
        fence = _FENCE.match(rest.lstrip("\n"))
        if fence is None:
            line = text.count("\n", 0, marker.start()) + 1
            msg = f"line {line}: a runnable marker must come right before a fenced block"
            raise AssertionError(msg)
        after = rest.lstrip("\n")[fence.end() :]
        output = _FENCE.match(after.lstrip("\n"))
        expected = output.group(2) if output is not None and output.group(1) == "text" else None
        blocks.append(
            Block(
                line=text.count("\n", 0, marker.start()) + 1,
                language=fence.group(1),
                code=fence.group(2),
                extras=tuple(marker.group(1).split(",")) if marker.group(1) else (),
                expected=expected,
            )
        )
    return blocks


def test_the_extractor_finds_marked_blocks_and_their_output() -> None:
    text = (
        "<!-- runnable -->\n```sh\necho hi\n```\n\n```text\nhi\n```\n"
        "```sh\nnot marked\n```\n"
        "<!-- runnable extras=warc,bagit -->\n```python\nprint(1)\n```\n"
    )
    assert runnable_blocks(text) == [
        Block(line=1, language="sh", code="echo hi\n", extras=(), expected="hi\n"),
        Block(
            line=12, language="python", code="print(1)\n", extras=("warc", "bagit"), expected=None
        ),
    ]


def test_the_readme_marks_the_quick_start_and_the_tour_runnable() -> None:
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 5
    assert all(b.language in {"sh", "python"} for b in blocks)
    assert "newsarchive import examples/articles" in blocks[0].code
    assert all(b.expected is not None for b in blocks)


def _matches(expected: str, output: str) -> bool:
    """Whether `output` is `expected`, each `…` in it standing for any text within a line."""
    pattern = "[^\n]*".join(re.escape(part) for part in expected.rstrip("\n").split("…"))
    return re.fullmatch(pattern, output.rstrip("\n")) is not None


def test_an_ellipsis_in_the_expected_output_stands_for_text_within_a_line() -> None:
    assert _matches("bytes 0-…: batch 1\n", "bytes 0-4171: batch 1\n")
    assert _matches("a\nb\n", "a\nb")
    assert not _matches("bytes 0-…: batch 1", "bytes 0-41\n71: batch 1")
    assert not _matches("a.c", "abc")
    assert not _matches("a", "a\nb")


def _environment(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEWSARCHIVE_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["HOME"] = str(home)
    env["PYTHONIOENCODING"] = "utf-8"
    return env


def test_every_runnable_readme_block_runs_and_prints_what_the_readme_shows(
    tmp_path: Path,
) -> None:
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    env = _environment(tmp_path)
    skipped = []
    for block in runnable_blocks(README.read_text(encoding="utf-8")):
        missing = [e for e in block.extras if importlib.util.find_spec(_EXTRA_MODULES[e]) is None]
        if missing:
            skipped.append(block.line)
            continue
        command = ["bash", "-eo", "pipefail", "-c", block.code]
        if block.language == "python":
            command = [sys.executable, "-c", block.code]
        done = subprocess.run(
            command,
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            encoding="utf-8",
            timeout=120,
            check=False,
        )
        where = f"README block at line {block.line}"
        assert done.returncode == 0, f"{where} exited {done.returncode}:\n{done.stdout}"
        if block.expected is not None:
            assert _matches(block.expected, done.stdout), f"{where} printed:\n{done.stdout}"
    if skipped:
        pytest.skip(f"extras not installed for the README blocks at lines {skipped}")


# -- links ---------------------------------------------------------------------------------

_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    return {_slug(m.group(1)) for m in re.finditer(r"^#+ (.+)$", text, re.MULTILINE)}


def _markdown_files() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_relative_links_point_at_files_and_headings_that_exist(path: Path) -> None:
    text = _FENCE.sub("", path.read_text(encoding="utf-8"))
    broken = []
    for match in _LINK.finditer(text):
        target = match.group(1)
        if re.match(r"[a-z]+:", target):
            continue  # an absolute URL: not checked offline
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        missing_anchor = bool(anchor) and resolved.suffix == ".md"
        if not resolved.exists() or (missing_anchor and anchor not in _anchors(resolved)):
            broken.append(target)
    assert broken == []


def test_the_slug_matches_github_for_the_headings_we_link() -> None:
    assert _slug("Web-archive links as sources") == "web-archive-links-as-sources"
    assert _slug("Audit and repair") == "audit-and-repair"
    assert _slug("store verify, repair, reindex, stats") == "store-verify-repair-reindex-stats"
    assert _slug("The `record` command") == "the-record-command"
