"""Hypothesis strategies for records and their parts, shared by the property tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from newsarchive import ArchivedArticle, ProvenanceEvent, Retrieval, Timestamp
from newsarchive._derive import compute_record_digest
from newsarchive.record import HttpFacts, HttpHeaders, Redirect

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


@st.composite
def http_facts(draw: st.DrawFn) -> HttpFacts:
    """Format v2's `retrieval.http`: a certificate fingerprint only for an https final URL."""
    final = draw(urls)
    https = final.lower().startswith("https:")
    return HttpFacts(
        final_url=final,
        status=draw(st.sampled_from([200, 203, 206, 299])),
        http_version=draw(st.none() | st.sampled_from(["HTTP/1.1", "HTTP/2", "HTTP/1.0"])),
        redirects=draw(
            st.none()
            | st.lists(st.builds(Redirect, urls, st.sampled_from([301, 302, 307, 308])), max_size=3)
        ),
        headers=draw(
            st.none()
            | st.builds(
                HttpHeaders,
                content_type=st.none() | st.just("text/html; charset=utf-8"),
                last_modified=st.none() | st.just("Tue, 01 Apr 2025 10:00:00 GMT"),
                etag=st.none() | st.sampled_from(['"abc"', 'W/"x-1"']),
                date=st.none() | label,
            )
        ),
        tls_sha256=draw(st.from_regex(r"[0-9a-f]{64}", fullmatch=True)) if https else None,
    )


retrievals = st.builds(
    Retrieval,
    method=st.sampled_from(["http", "browser", "wayback", "file-import", "manual", "x-test"]),
    agent=label,
    via=st.none() | urls,
    notes=st.lists(text, max_size=3).map(tuple),
    http=st.none() | http_facts(),
)
#: Author names as a page may give them: create() trims and joins their whitespace.
author_names = label | st.sampled_from(["  Jane   Doe ", "Ana\u00a0Lima", "Jose\u0301", "", " "])
#: Well-formed BCP 47 tags (RFC 5646), of each form the grammar has.
languages = st.sampled_from(
    ["en", "en-US", "pt-BR", "zh-Hant-TW", "de-CH-1901", "es-419", "x-local", "i-klingon", "EN-gb"]
)
events = st.builds(
    ProvenanceEvent,
    type=st.sampled_from(["capture", "import", "verify", "x-check"]),
    at=timestamps,
    agent=label,
    outcome=st.sampled_from(["success", "failure", "warning"]),
    detail=st.none() | text,
)


# -- article-text input and the options it is imported with -----------------------------

_trailer_urls = urls | st.sampled_from(
    [
        "https://web.archive.org/web/20240102030405/https://news.example/a/1",
        "https://archive.ph/AbCdE",
        "https://perma.cc/ABCD-1234",
        "not a url",
        "ftp://news.example/x",
    ]
)
_bodies = text | st.sampled_from(["", "\ufeffBOM inside", "LINK: not a trailer\nmore", "a\r\nb"])
_raw = st.binary(max_size=40) | st.sampled_from([b"\xff\xfe", b"a\x00b", b"\xef\xbb\xbf"])


@st.composite
def article_text_files(draw: st.DrawFn) -> bytes:
    """Article-text files: mostly well-formed (a body, LINK:, TAGS:), some not at all."""
    if draw(st.integers(0, 9)) == 0:
        return draw(_raw)
    body = draw(_bodies)
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    lines = [body]
    if draw(st.booleans()):
        lines.append(f"LINK: {draw(_trailer_urls)}")
    if draw(st.booleans()):
        lines.append("TAGS: " + ", ".join(draw(st.lists(label, max_size=3))))
    data = newline.join(lines).encode("utf-8")
    return (b"\xef\xbb\xbf" if draw(st.integers(0, 7)) == 0 else b"") + data


_offsets = st.sampled_from([UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5))])
_clock_times = st.builds(
    lambda dt, tz, naive: dt.replace(tzinfo=None) if naive else dt.astimezone(tz),
    datetimes,
    _offsets,
    st.integers(0, 15).map(lambda n: n == 0),
)
_time_inputs = (
    st.none()
    | timestamps
    | timestamps.map(str)
    | _clock_times
    | st.sampled_from(
        ["2024-01-01T00:00:00Z", "2024-01-01 10:00", "yesterday", "2999-01-01T00:00:00Z"]
    )
)


@st.composite
def article_text_options(draw: st.DrawFn) -> dict[str, Any]:
    """Keyword options of `ArchivedArticle.from_article_text`, some of them wrong."""
    now = draw(_clock_times)
    return {
        "url": draw(st.none() | _trailer_urls),
        "retrieved_at": draw(_time_inputs),
        "title": draw(st.none() | text),
        "tags": draw(st.lists(label | st.sampled_from(["", " x ", "Café", "CAFÉ"]), max_size=3)),
        "published_at": draw(_time_inputs),
        "method": draw(st.sampled_from(["file-import", "bagit-import", "x-test", "nope"])),
        "agent": draw(label | st.just("")),
        "notes": draw(st.lists(text, max_size=2)),
        "source_name": draw(st.none() | st.sampled_from(["a.txt", "dir/b c.txt"])),
        "algorithm": draw(st.sampled_from(["sha256", "sha256", "sha512", "blake2b", "nope"])),
        "default_tz": draw(st.none() | _offsets),
        "clock": lambda: now,
        "original_url": draw(st.none() | st.sampled_from(["https://news.example/o/1"])),
    }


@st.composite
def records(draw: st.DrawFn) -> ArchivedArticle:
    """Valid records of the current format (v2), its optional fields each present or not."""
    retrieved = draw(timestamps)
    published = draw(st.none() | timestamps.filter(lambda t: t <= retrieved))
    modified = draw(
        st.none()
        | timestamps.filter(lambda t: t <= retrieved and (published is None or t >= published))
    )
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
        authors=draw(st.none() | st.lists(author_names, max_size=3)),
        publisher=draw(st.none() | label),
        description=draw(st.none() | text),
        language=draw(st.none() | languages),
        image=draw(st.none() | urls),
        modified_at=modified,
    )


def as_v1(record: ArchivedArticle) -> dict[str, Any]:
    """A record of format v1 with the same facts (v2's own fields left out), resealed."""
    d = {
        k: v
        for k, v in record.to_dict().items()
        if k not in ("authors", "publisher", "description", "language", "image", "modified_at")
    }
    d["retrieval"].pop("http", None)
    d["schema_version"] = 1
    algorithm = record.record_digest.algorithm
    d["record_digest"] = str(compute_record_digest(d, algorithm))
    return d


#: Valid records of format v1 (as JSON objects): what stores made before v2 hold.
v1_records = st.builds(ArchivedArticle.from_dict, records().map(as_v1))
#: Valid records of either format.
any_records = records() | v1_records


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
