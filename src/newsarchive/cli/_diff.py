"""`diff A B`: what changed between two captures of an article (files or stored records).

A and B are each a file — a JSON record (the file's first non-blank character
is `{`) or an article-text file (anything else) — or, when no such file
exists, a record id or a prefix of 8+ hex digits in the store. The work is
`newsarchive.history.diff`; this module reads the inputs, prints the summary
and the changes (or `to_json_dict`), and writes the HTML page atomically.

Exit 0 whenever the two could be compared, as `git diff` does; with
`--exit-code`, 1 when there is a substantive difference. Every input problem
(a missing or malformed file, an invalid record, one without content, an
unknown or ambiguous id, no store to look an id up in, stored bytes failing
their check) is one error line and exit 2, so that 1 always means "changed".
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
from typing import TYPE_CHECKING, Any, Final

from newsarchive.cli._common import (
    EXIT_FAILED,
    EXIT_OK,
    Context,
    Handler,
    add_store_option,
    dump,
    open_store,
)

if TYPE_CHECKING:
    import argparse

    from newsarchive.history import Change, Diff, IgnoreRules, MetadataChange
    from newsarchive.store import Store

__all__ = ["add_commands", "add_ignore_rules_option", "ignore_rules"]

#: What is looked up in the store when no file has that name.
_ID: Final = re.compile(r"[0-9a-fA-F]{8,64}")
_BOM: Final = b"\xef\xbb\xbf"


def add_commands(sub: Any) -> dict[str, Handler]:
    """Add `diff` to the `newsarchive` sub-parsers; return its handler."""
    p: argparse.ArgumentParser = sub.add_parser(
        "diff",
        help="show what changed between two captures of an article",
        description="Compare two captures word by word: A and B are each a JSON record file, "
        "an article-text file, or (when no such file exists) a stored record id or its first "
        "8 or more hex digits. Prints a summary (unchanged, cosmetic only or changed; words "
        "added and removed; headline and byline changed; stealth edit) and every change with "
        "its code-point offsets in A and B; cosmetic and ignored changes are listed, marked. "
        "Metadata (title, authors, tags, published_at) is compared when both are records. "
        "Exit 0 when the two could be compared (1 with --exit-code if they differ "
        "substantively), 2 for unreadable or malformed input and unknown or ambiguous ids.",
    )
    p.add_argument("a", metavar="A", help="the earlier capture: a file, - (stdin), or an id")
    p.add_argument("b", metavar="B", help="the later capture: a file, - (stdin), or an id")
    p.add_argument(
        "--json", action="store_true", help="print the diff as JSON (schemas/diff-v1.schema.json)"
    )
    p.add_argument(
        "--html", metavar="FILE", help="also write a self-contained HTML page to FILE, atomically"
    )
    p.add_argument(
        "--exit-code",
        action="store_true",
        help="exit 1 if there is a substantive difference, 0 if not (as git diff --exit-code)",
    )
    add_ignore_rules_option(p)
    add_store_option(p)
    return {"diff": _cmd_diff}


def add_ignore_rules_option(p: argparse.ArgumentParser) -> None:
    """`--ignore-rules FILE`, as `diff`, `history` and `changes` take it."""
    p.add_argument(
        "--ignore-rules",
        metavar="FILE",
        help="regular expressions, one per line, for lines whose changes are noise",
    )


def ignore_rules(args: argparse.Namespace) -> IgnoreRules:
    """The rules `--ignore-rules` names (none when it is not given)."""
    from pathlib import Path  # noqa: PLC0415

    from newsarchive.history import IgnoreRules, load_ignore_rules  # noqa: PLC0415

    if args.ignore_rules is None:
        return IgnoreRules()
    with open(args.ignore_rules, "rb"):  # noqa: PTH123 - a missing file: the usual message
        pass
    return load_ignore_rules(Path(args.ignore_rules))


def _cmd_diff(args: argparse.Namespace, ctx: Context) -> int:
    import attrs  # noqa: PLC0415

    from newsarchive._atomicfile import write_atomic  # noqa: PLC0415
    from newsarchive.history import (  # noqa: PLC0415
        DiffError,
        diff,
        render_html,
        to_json_dict,
    )

    if args.a == "-" and args.b == "-":
        raise DiffError("A and B cannot both be - (standard input)", code="usage")
    rules = ignore_rules(args)
    with contextlib.ExitStack() as stack:
        lookup = _Lookup(args, stack)
        a, a_url = _load(ctx, args.a, lookup)
        b, b_url = _load(ctx, args.b, lookup)
    d = diff(a, b, rules=rules, a_label=_label(args.a), b_label=_label(args.b))
    if isinstance(a, str) or isinstance(b, str):
        d = attrs.evolve(d, metadata=())  # an article-text file carries no title or authors
    if a_url or b_url:
        d = attrs.evolve(
            d, a=attrs.evolve(d.a, url=a_url or d.a.url), b=attrs.evolve(d.b, url=b_url or d.b.url)
        )
    if args.html is not None:
        page = render_html([d], title=f"newsarchive diff {args.a} {args.b}")
        write_atomic(args.html, page.encode("utf-8"))
    ctx.out(dump(to_json_dict(d)) if args.json else _human(d))
    return EXIT_FAILED if args.exit_code and d.substantive else EXIT_OK


def _label(text: str) -> str | None:
    """The file name, shown for a file; None for an id (the capture has it)."""
    return text if text == "-" or os.path.lexists(text) else None


class _Lookup:
    """Ids looked up in the store, opened once, only when an id is given."""

    def __init__(self, args: argparse.Namespace, stack: contextlib.ExitStack) -> None:
        self.args = args
        self.stack = stack
        self.store: Store | None = None

    def record(self, text: str) -> dict[str, Any]:
        from newsarchive.errors import RecordNotFound, StoreCorrupted, StoreError  # noqa: PLC0415
        from newsarchive.history import DiffError  # noqa: PLC0415
        from newsarchive.store._ids import resolve_id  # noqa: PLC0415

        if self.store is None:
            try:
                self.store = self.stack.enter_context(open_store(self.args))
            except StoreError as exc:
                raise DiffError(
                    f"{text}: no such file, and no store to look the id up in: {exc}",
                    code=exc.code,
                ) from None
        try:
            return self.store.get(resolve_id(self.store, text))
        except RecordNotFound as exc:
            # Exit 2, not 1 as for `show`: for `diff`, 1 means "they differ".
            raise DiffError(f"{text}: no such file, and {exc}", code=exc.code) from None
        except StoreCorrupted as exc:
            raise DiffError(str(exc).splitlines()[0], code=exc.code) from None


def _load(ctx: Context, text: str, lookup: _Lookup) -> tuple[str | dict[str, Any], str | None]:
    """A side of the diff: a record dict or an article body, and the body's LINK: URL."""
    if text == "-" or os.path.lexists(text):
        return _from_file(text, ctx.read(text))
    if _ID.fullmatch(text):
        return lookup.record(text), None
    raise FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT), text)


def _from_file(path: str, data: bytes) -> tuple[str | dict[str, Any], str | None]:
    from newsarchive._articletext import parse_article_text  # noqa: PLC0415
    from newsarchive.errors import ArticleTextError  # noqa: PLC0415
    from newsarchive.history import DiffError  # noqa: PLC0415

    if data.removeprefix(_BOM).lstrip().startswith(b"{"):
        return _record(path, data), None
    try:
        parsed = parse_article_text(data, path=path)
    except ArticleTextError as exc:
        # One line (the place, no caret): the file may be binary.
        raise DiffError(
            f"not article text: {exc.message}",
            code=exc.code,
            path=path,
            line=exc.line,
            column=exc.column,
        ) from None
    return parsed.body, parsed.link


def _record(path: str, data: bytes) -> dict[str, Any]:
    """A JSON record that validates and holds its content."""
    from newsarchive._json import loads  # noqa: PLC0415
    from newsarchive.errors import JSONError  # noqa: PLC0415
    from newsarchive.history import DiffError  # noqa: PLC0415
    from newsarchive.validation import validate  # noqa: PLC0415

    try:
        value: dict[str, Any] = loads(data)  # it starts with "{": an object, if it parses
    except JSONError as exc:
        raise exc.with_path(path) from None
    errors = [p for p in validate(value) if p.severity == "error"]
    if errors:
        first = errors[0]
        more = f" (and {len(errors) - 1} more problems)" if len(errors) > 1 else ""
        raise DiffError(
            f"invalid record: {first.pointer or '/'} {first.code}: {first.message}{more}",
            code="invalid-record",
            path=path,
        )
    if not isinstance(value.get("content"), str):
        raise DiffError(
            "the record has no content to compare (its content is stored elsewhere)",
            code="no-content",
            path=path,
        )
    return value


# -- the human output -------------------------------------------------------------------


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _human(d: Diff) -> str:
    from newsarchive.history import summarize  # noqa: PLC0415

    s = summarize(d)
    lines = [_capture_line("A", d, "a"), _capture_line("B", d, "b")]
    lines.append(f"verdict: {s.verdict}, {s.words_added} words added, {s.words_removed} removed")
    lines.append(
        f"headline changed: {_yes(s.headline_changed)}; "
        f"byline changed: {_yes(s.byline_changed)}; stealth edit: {_yes(s.stealth_edit)}"
    )
    labels = f"; labels: {', '.join(s.labels)}" if s.labels else ""
    lines.append(
        f"changes: {s.substantive_changes} substantive, {s.cosmetic_changes} cosmetic, "
        f"{s.ignored_changes} ignored{labels}"
    )
    lines.extend(_metadata_lines(m) for m in d.metadata)
    for n, c in enumerate(d.changes, start=1):
        lines.extend(_change_lines(n, c))
    return "\n".join(lines) + "\n"


def _capture_line(name: str, d: Diff, side: str) -> str:
    from newsarchive.errors import printable  # noqa: PLC0415

    c = d.a if side == "a" else d.b
    parts = [f"record {c.id}" if c.id else "article text"]
    if c.retrieved_at:
        parts.append(f"retrieved {c.retrieved_at}")
    parts.append(c.content_digest)
    where = f"{c.label}: " if c.label else ""
    return printable(f"{name}: {where}{', '.join(parts)}")


def _shown(value: object) -> str:
    from newsarchive.verify import visible  # noqa: PLC0415

    if value is None:
        return "(none)"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_shown(v) for v in value) + "]"
    return f"'{visible(str(value))}'"


def _metadata_lines(m: MetadataChange) -> str:
    why = "cosmetic" if m.cosmetic else "substantive"
    labels = f": {', '.join(m.labels)}" if m.labels else ""
    return f"{m.field} ({why}{labels}): {_shown(m.a)} -> {_shown(m.b)}"


def _change_lines(n: int, c: Change) -> list[str]:
    why = ", ".join(c.labels if c.kind == "substantive" else c.reasons)
    head = f"change {n}: {c.op} A[{c.a_start}:{c.a_end}] -> B[{c.b_start}:{c.b_end}], {c.kind}"
    out = [f"{head}: {why}" if why else head]
    if c.a_text:
        out.append(f"  - {_shown(c.a_text)}")
    if c.b_text:
        out.append(f"  + {_shown(c.b_text)}")
    return out
