"""One self-contained HTML page for diffs: no script, no network, no external assets.

The page shows the timeline of captures (ids, digests, times), then for each
consecutive pair its summary, metadata changes and every content change with
the two versions side by side. Deleted text is struck through and wrapped in
`[-` `]`, inserted text underlined and wrapped in `[+` `]` (so the marking does
not rest on colour alone); cosmetic and ignored changes are shown too, marked.
All text from records is HTML-escaped.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING, Final

from newsarchive.history._summary import summarize

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsarchive.history._model import Capture, Change, Diff, MetadataChange
    from newsarchive.history._timeline import History, TimelineEntry

__all__ = ["render_history_html", "render_html"]

_CSS: Final = """
body{font:16px/1.5 system-ui,sans-serif;margin:1.5rem auto;max-width:72rem;padding:0 1rem}
body{color:#111}
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-top:2px solid #444;padding-top:.5rem}
code,.mono{font-family:ui-monospace,monospace;font-size:.85em;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%}
td,th{border:1px solid #999;padding:.4rem;vertical-align:top;text-align:start}
.pair td{width:50%}
.text{white-space:pre-wrap;unicode-bidi:plaintext;overflow-wrap:anywhere}
del{text-decoration:line-through;text-decoration-thickness:2px;background:#fdd}
ins{text-decoration:underline;text-decoration-thickness:2px;background:#dfd}
del::before{content:"[-";font-weight:bold}del::after{content:"]";font-weight:bold}
ins::before{content:"[+";font-weight:bold}ins::after{content:"]";font-weight:bold}
.change{margin:1rem 0;border-left:6px solid #444;padding-left:.6rem}
.change.cosmetic,.change.ignored{border-left-style:dotted;border-left-color:#888}
.kind{font-weight:bold;text-transform:uppercase;font-size:.8em}
.none{font-style:italic;color:#555}
tr.event td{background:#eee;border-top:3px double #444}
"""

_CONTEXT: Final = 60


def _capture_row(n: int, c: Capture, before: Diff | None) -> str:
    if before is None:
        change = "first capture"
    else:
        s = summarize(before)
        change = f"{s.verdict}, +{s.words_added}/-{s.words_removed} words"
        if s.stealth_edit:
            change += ", stealth edit"
    cells = [
        str(n),
        escape(c.retrieved_at or "-"),
        f"<code>{escape(c.id or '-')}</code>",
        f"<code>{escape(c.content_digest)}</code>",
        f"<code>{escape(c.record_digest or '-')}</code>",
        f'<span class="text" dir="auto">{escape(c.title or "")}</span>',
        escape(c.label or c.url or ""),
        escape(change),
    ]
    return "<tr>" + "".join(f"<td>{x}</td>" for x in cells) + "</tr>"


def _side(content: str, start: int, end: int, tag: str) -> str:
    """One version's cell: the change marked, with up to ~60 characters of whole words
    of context each side."""
    lo, hi = max(0, start - _CONTEXT), min(len(content), end + _CONTEXT)
    before, after = content[lo:start], content[end:hi]
    if lo > 0 and (cut := before.find(" ")) >= 0:
        before = "\u2026" + before[cut:]
    if hi < len(content) and (cut := after.rfind(" ")) >= 0:
        after = after[:cut] + " \u2026"
    middle = content[start:end]
    mark = f"<{tag}>{escape(middle)}</{tag}>" if middle else '<span class="none">(nothing)</span>'
    return f'<td class="text" dir="auto">{escape(before)}{mark}{escape(after)}</td>'


def _change(d: Diff, n: int, c: Change) -> str:
    why = ", ".join(c.labels if c.kind == "substantive" else c.reasons)
    head = (
        f'<p><span class="kind">{escape(c.kind)}</span> {escape(c.op)} ({escape(why)}) '
        f'<span class="mono">A[{c.a_start}:{c.a_end}] &#8594; B[{c.b_start}:{c.b_end}]</span></p>'
    )
    row = _side(d.a_content, c.a_start, c.a_end, "del") + _side(
        d.b_content, c.b_start, c.b_end, "ins"
    )
    return (
        f'<div class="change {escape(c.kind)}" id="c{n}">{head}'
        f'<table class="pair"><tr><th>A</th><th>B</th></tr><tr>{row}</tr></table></div>'
    )


def _value(v: object) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v)
    return "(none)" if v is None else str(v)


def _meta_kind(m: MetadataChange) -> str:
    return "cosmetic" if m.cosmetic else escape(", ".join(m.labels) or "substantive")


def _pair(k: int, d: Diff) -> str:
    s = summarize(d)
    yes = {True: "yes", False: "no"}
    labels = f"; labels: {escape(', '.join(s.labels))}" if s.labels else ""
    a_name = escape(d.a.id or d.a.label or "-")
    b_name = escape(d.b.id or d.b.label or "-")
    parts = [
        f"<section><h2>Capture {k} &#8594; capture {k + 1}</h2>",
        f"<p>A <code>{a_name}</code> &#8594; B <code>{b_name}</code></p>",
        (
            f"<p><strong>{escape(s.verdict)}</strong>: {s.words_added} words added, "
            f"{s.words_removed} removed; {s.substantive_changes} substantive, "
            f"{s.cosmetic_changes} cosmetic, {s.ignored_changes} ignored changes; "
            f"headline changed: {yes[s.headline_changed]}; "
            f"stealth edit: {yes[s.stealth_edit]}{labels}</p>"
        ),
    ]
    if d.metadata:
        parts.append("<table><tr><th>field</th><th>A</th><th>B</th><th>kind</th></tr>")
        parts.extend(
            f"<tr><td>{escape(m.field)}</td>"
            f'<td class="text" dir="auto"><del>{escape(_value(m.a))}</del></td>'
            f'<td class="text" dir="auto"><ins>{escape(_value(m.b))}</ins></td>'
            f"<td>{_meta_kind(m)}</td></tr>"
            for m in d.metadata
        )
        parts.append("</table>")
    if not d.changes:
        parts.append("<p>The contents are identical.</p>")
    parts.extend(_change(d, n, c) for n, c in enumerate(d.changes, start=1))
    parts.append("</section>")
    return "\n".join(parts)


def _page(title: str, heading_rows: str, timeline: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_CSS}</style></head><body>\n"
        f"<h1>{escape(title)}</h1>\n"
        "<p>Deleted text is <del>struck through</del>, inserted text is <ins>underlined</ins>. "
        "Offsets are Unicode code points of each content (Python slices).</p>\n"
        f'<h2>Captures</h2><table id="timeline"><tr>{heading_rows}</tr>\n'
        f"{timeline}</table>\n{body}\n</body></html>\n"
    )


_CAPTURE_HEADINGS: Final = (
    "<th>#</th><th>retrieved</th><th>record id</th><th>content digest</th>"
    "<th>record digest</th><th>title</th><th>source</th><th>change from the previous capture</th>"
)


def render_html(diffs: Sequence[Diff], *, title: str = "newsarchive diff") -> str:
    """One HTML page for the diffs of consecutive captures (one diff for `diff A B`)."""
    captures = [diffs[0].a, *(d.b for d in diffs)] if diffs else []
    rows = "\n".join(
        _capture_row(n, c, diffs[n - 2] if n > 1 else None) for n, c in enumerate(captures, start=1)
    )
    body = "\n".join(_pair(k, d) for k, d in enumerate(diffs, start=1))
    return _page(title, _CAPTURE_HEADINGS, rows, body)


_EVENT_WORDS: Final = {
    "vanished": "vanished: the page answered 404/410",
    "back": "back: captured again after it vanished",
    "recapture": "captured again, no new record",
}


def _entry_row(n: int | None, e: TimelineEntry) -> str:
    if e.kind != "capture":
        what = _EVENT_WORDS[e.kind] + (f" ({e.detail})" if e.detail else "")
        cells = ["", escape(e.at), f"<code>{escape(e.record_id or '-')}</code>", escape(what)]
        return (
            f'<tr class="event {escape(e.kind)}"><td>{cells[0]}</td><td>{cells[1]}</td>'
            f'<td>{cells[2]}</td><td colspan="5"><strong>{cells[3]}</strong></td></tr>'
        )
    if e.change is None:
        change = "first capture"
    else:
        s = e.change
        change = f"{s.verdict}, +{s.words_added}/-{s.words_removed} words"
        if s.headline_changed:
            change += ", headline changed"
        if s.stealth_edit:
            change += ", stealth edit"
    cells = [
        str(n),
        escape(e.at),
        f"<code>{escape(e.record_id or '-')}</code>",
        f"<code>{escape(e.content_digest or '-')}</code>",
        f"<code>{escape(e.record_digest or '-')}</code>",
        f'<span class="text" dir="auto">{escape(e.title or "")}</span>',
        "",
        escape(change),
    ]
    return '<tr class="capture">' + "".join(f"<td>{x}</td>" for x in cells) + "</tr>"


def _phrase(h: History) -> str:
    if h.phrase is None:
        return ""
    rows = "".join(
        f"<tr><td>{escape(s.appeared_at)} <code>{escape(s.appeared_id)}</code></td>"
        f"<td>{escape(s.vanished_at or 'still there')} <code>{escape(s.vanished_id or '')}</code>"
        "</td></tr>"
        for s in h.phrase_spans
    )
    if not rows:
        rows = '<tr><td colspan="2">in no capture</td></tr>'
    return (
        f'<h2>Phrase <q dir="auto">{escape(h.phrase)}</q></h2>'
        f'<table id="phrase"><tr><th>appeared</th><th>vanished</th></tr>{rows}</table>'
    )


def render_history_html(h: History, *, title: str | None = None) -> str:
    """One HTML page for an article's whole history: the timeline (captures and the
    vanished / back / recapture events), the phrase's spans if asked, then every
    consecutive pair's diff."""
    rows = []
    n = 0
    for e in h.entries:
        n += e.kind == "capture"
        rows.append(_entry_row(n, e))
    body = _phrase(h) + "\n" + "\n".join(_pair(k, d) for k, d in enumerate(h.diffs, start=1))
    page_title = title or f"History of {h.key or 'an article'}"
    return _page(page_title, _CAPTURE_HEADINGS, "\n".join(rows), body)
