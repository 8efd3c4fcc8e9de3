"""Hypothesis strategies for records and their parts, shared by the property tests."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import strategies as st

from newsarchive import ArchivedArticle, ProvenanceEvent, Retrieval, Timestamp

#: Any Unicode text a record may hold: everything but NUL and lone surrogates.
text = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"))
#: One-line labels (tags, agents): no control characters, non-empty.
label = st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30).filter(
    lambda s: s.strip() == s and s != ""
)

_host_label = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
hosts = st.lists(_host_label, min_size=1, max_size=3).map(lambda ls: ".".join([*ls, "example"]))
_segment = st.from_regex(r"([A-Za-z0-9._~-]|%[0-9A-Fa-f]{2}){0,8}", fullmatch=True)
paths = st.lists(_segment, max_size=4).map(lambda ss: "/" + "/".join(ss))
urls = st.builds(
    lambda scheme, host, path, query: f"{scheme}://{host}{path}{query}",
    st.sampled_from(["http", "https", "HTTPS"]),
    hosts,
    paths,
    st.sampled_from(["", "?id=3", "?utm_source=feed&page=2", "?a=%7e"]),
)

datetimes = st.datetimes(
    min_value=datetime(1990, 1, 1),  # noqa: DTZ001 - hypothesis bounds are naive by design
    max_value=datetime(2025, 12, 31),  # noqa: DTZ001
    timezones=st.just(UTC),
)
timestamps = st.builds(
    lambda dt, digits: Timestamp(dt.replace(microsecond=0), digits),
    datetimes,
    st.sampled_from(["", "5", "000", "123456", "123456789"]),
)

retrievals = st.builds(
    Retrieval,
    method=st.sampled_from(["http", "browser", "wayback", "file-import", "manual", "x-test"]),
    agent=label,
    via=st.none() | urls,
    notes=st.lists(text, max_size=3).map(tuple),
)
events = st.builds(
    ProvenanceEvent,
    type=st.sampled_from(["capture", "import", "verify", "x-check"]),
    at=timestamps,
    agent=label,
    outcome=st.sampled_from(["success", "failure", "warning"]),
    detail=st.none() | text,
)


@st.composite
def records(draw: st.DrawFn) -> ArchivedArticle:
    retrieved = draw(timestamps)
    published = draw(st.none() | timestamps.filter(lambda t: t <= retrieved))
    return ArchivedArticle.create(
        url=draw(urls),
        content=draw(text),
        retrieved_at=retrieved,
        title=draw(st.none() | text),
        tags=draw(st.lists(label, max_size=4)),
        published_at=published,
        retrieval=draw(retrievals),
        provenance=draw(st.lists(events, max_size=2)),
        algorithm=draw(st.sampled_from(["sha256", "sha256", "sha512", "sha3-256", "blake2b"])),
    )


# -- transparency log -----------------------------------------------------------------

#: Leaf inputs of a small Merkle tree (at least one leaf).
leaf_inputs = st.lists(st.binary(max_size=8), min_size=1, max_size=70)
#: Successive append batches (sizes) for a tiled log: crossing tile boundaries of 256.
append_batches = st.lists(st.integers(0, 600), min_size=1, max_size=6)
#: JSON integers every RFC 8785 writer agrees on.
safe_integers = st.integers(-(2**53) + 1, 2**53 - 1)
#: Event objects of a log entry: any text keys, text or integer values.
event_objects = st.dictionaries(text, st.one_of(text, safe_integers))

# -- similarity ---------------------------------------------------------------------------

#: Words as similarity sees them: lowercase ASCII letters (so normalization keeps them whole).
sim_words = st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=8), max_size=40)

# -- article texts for the diff tests (tests/test_history_*.py) -------------------------

#: Words in several scripts: Latin with accents (NFC), Cyrillic, Greek, Arabic and
#: Persian (RTL, one with a ZWNJ), Hebrew, Devanagari with marks, and scripts written
#: without spaces (Han, kana, Thai) as whole runs.
diff_words = st.sampled_from(
    [
        "storm", "council", "minister", "7", "12", "1,000", "dead", "said", "année",
        "café", "Straße", "Ångström", "новости", "выборы", "εκλογές", "الحكومة",
        "قال", "می\u200cخواهم", "خبر", "חדשות", "समाचार", "東京都", "発表した", "ข่าววันนี้",
    ]
)  # fmt: skip
diff_punct = st.sampled_from(
    [",", ".", "\u201c", "\u201d", "\u2014", "-", "'", "\u2019", "(", ")", ":"]
)
diff_space = st.sampled_from([" ", " ", " ", "\n", "\n\n", "  ", "\t", "\u00a0"])


@st.composite
def diff_tokens(draw: st.DrawFn) -> list[str]:
    """Token-like pieces of an article: words separated by whitespace, some punctuation."""
    out: list[str] = []
    for _ in range(draw(st.integers(1, 40))):
        if out:
            out.append(draw(diff_space))
        out.append(draw(diff_words))
        if draw(st.integers(0, 4)) == 0:
            out.append(draw(diff_punct))
    return out


def _variant(c: str, pick: int) -> str:
    quotes = {"'": "\u2019", "\u2019": "'", "\u201c": '"', "\u201d": "\u00bb", '"': "\u201c"}
    dashes = {"-": "\u2013", "\u2013": "-", "\u2014": "-"}
    return quotes.get(c) or dashes.get(c) or c if pick else c


@st.composite
def cosmetic_variants(draw: st.DrawFn, pieces: list[str]) -> str:
    """`pieces` joined, with only cosmetic changes: other whitespace, NFD, quote/dash style."""
    import unicodedata

    out = []
    for p in pieces:
        if p.isspace():
            out.append(draw(diff_space))
        elif len(p) == 1 and not p.isalnum():
            out.append(_variant(p, draw(st.integers(0, 1))))
        else:
            out.append(unicodedata.normalize("NFD", p) if draw(st.booleans()) else p)
    lead = draw(st.sampled_from(["", " ", "\n"]))
    return lead + "".join(out)
