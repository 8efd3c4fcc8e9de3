"""The fuzz targets: every public parser and entry point, with seeds and what it may raise.

A target's `check` returns a short outcome (what kind of answer, or which
error code) and raises only for a finding: an exception outside the parser's
documented error class, or a broken invariant (`AssertionError`). WARC and
bag tag files go through their public entry points only (`read_warc`,
`validate_bag`); command-line option values through `newsarchive.cli.run`.
"""

from __future__ import annotations

import io
import json
from datetime import UTC
from typing import TYPE_CHECKING, Any

from newsarchive import (
    ArchivedArticle,
    Digest,
    Timestamp,
    canonicalize_url,
    check_url,
    parse_archive_url,
    parse_timestamp,
    validate,
)
from newsarchive._articletext import format_article_text, parse_article_text
from newsarchive._json import canonical_dumps, loads
from newsarchive._semantic import Checker
from newsarchive.errors import (
    ArticleTextError,
    DigestError,
    InvalidTimestamp,
    InvalidURL,
    JSONError,
    NewsArchiveError,
)
from newsarchive.jsonl import iter_values
from newsarchive.validation import _fused, schema_version_of
from tests.conftest import DATA, NOW
from tests.fuzz.engine import Target
from tests.strategies import as_v1

if TYPE_CHECKING:
    from pathlib import Path


def text_of(data: bytes) -> str:
    """Input bytes as a str the way Python hands one over: lone surrogates included.

    Encoded surrogates (ED A0 80) become one through `surrogatepass`, and bytes
    that are not UTF-8 become U+DC80-U+DCFF as in `sys.argv` (`surrogateescape`).
    """
    try:
        return data.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return data.decode("utf-8", "surrogateescape")


def _code(exc: NewsArchiveError) -> str:
    return f"{type(exc).__name__}:{exc.code}"


def _record() -> dict[str, Any]:
    return ArchivedArticle.create(
        url="https://example.com/news/1?id=3",
        content="Body text.\nSecond line: caf\u00e9.",
        retrieved_at="2020-01-08T06:30:00.500Z",
        published_at="2020-01-07T00:00:00Z",
        title="Title",
        tags=["one", "two"],
    ).to_dict()


# -- strict JSON -----------------------------------------------------------------------


def check_json(data: bytes) -> str:
    try:
        value = loads(data)
    except JSONError as exc:
        return _code(exc)
    try:
        written = canonical_dumps(value)
    except JSONError as exc:
        # Only a float such as 9007199254740993.0, which would be written as an unsafe integer.
        if exc.code != "integer-out-of-range":
            raise
        return "read-only"
    assert loads(written) == value, "canonical JSON does not read back as the same value"
    assert canonical_dumps(loads(written)) == written, "canonical JSON is not a fixed point"
    return type(value).__name__


JSON_SEEDS = [
    json.dumps(_record()).encode(),
    b'{"a": [1, -0.0, 1.5e300, 9007199254740991, "\\u00e9\\ud83d\\ude00"], "b": {"c": null}}',
    b'[true, false, null, "x\\ny", 1E2, -0, {"\\u20ac": 2.5}]',
    b"[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]",
]


# -- validate, on dicts from other JSON readers ----------------------------------------


def check_validate(data: bytes) -> str:
    try:  # Python's own reader: NaN, lone surrogates, big integers, last duplicate wins
        value = json.loads(data)
    except (ValueError, RecursionError):
        return "not-json"
    problems = validate(value, now=NOW)
    for problem in problems:
        assert problem.code, problem
    try:
        canonical_dumps(value)
    except JSONError as exc:
        return f"unwritable:{exc.code}"
    except TypeError:
        # Every value Python's json module returns is JSON data.
        raise AssertionError("canonical_dumps refused a value from json.loads") from None
    codes = sorted({p.code for p in problems})
    return ",".join(codes[:2]) or "valid"


VALIDATE_SEEDS = [
    json.dumps(_record()).encode(),
    json.dumps(_record(), ensure_ascii=True).encode(),
    json.dumps([_record(), _record()]).encode(),
]


VALIDATE_TOKENS = [
    b'"\\ud800"',
    b"NaN",
    b"Infinity",
    b"1e999",
    b"12345678901234567890",
    b"2020-01-08T06:30:00Z",
    b"https://",
    b"sha256:",
    b'"url": ',
    b'"tags": ["a", "A"]',
    b"null",
    b"true",
]


# -- validate, format v2 records (and v1 beside them), fast path held to the full one ------


def check_validate_v2(data: bytes) -> str:
    """`check_validate`, and where the fast path says "no problem", the full checker agrees."""
    outcome = check_validate(data)
    value = json.loads(data) if outcome != "not-json" else None
    if isinstance(value, dict):
        version = schema_version_of(value)
        if _fused(version)(value, NOW, True):
            checker = Checker(value, NOW, version=version)
            checker.run()
            assert checker.problems == [], "the fast path accepted what the full checker refuses"
    return outcome


def _v2_record() -> dict[str, Any]:
    from tests.test_semantic_v2 import v2_record

    return v2_record()


VALIDATE_V2_SEEDS = [
    json.dumps(_v2_record()).encode(),
    json.dumps(_v2_record(), ensure_ascii=False).encode(),
    json.dumps(as_v1(ArchivedArticle.from_dict(_v2_record()))).encode(),
]
VALIDATE_V2_TOKENS = [
    *VALIDATE_TOKENS,
    b"en-",
    b"x-",
    b"-419",
    b'"schema_version": 1',
    b'"schema_version": 2',
    b"200.0",
    b"301",
    b"HTTP/1.1",
    b"http://",
    b"ftp://",
    b"\\u00a0",
    b"  ",
    b'"tls_sha256": "' + b"a" * 64 + b'"',
]


# -- article text ----------------------------------------------------------------------


def check_articletext(data: bytes) -> str:
    try:
        parsed = parse_article_text(data)
    except ArticleTextError as exc:
        return _code(exc)
    if parsed.link is None:
        return "no-link"
    try:
        written = format_article_text(parsed.body, parsed.link, parsed.tags)
    except ArticleTextError as exc:
        return f"unwritable:{exc.code}"
    again = parse_article_text(written)
    assert (again.body, again.link, again.tags) == (parsed.body, parsed.link, parsed.tags)
    return "crlf" if parsed.crlf else "link"


ARTICLETEXT_SEEDS = [
    *(p.read_bytes() for p in sorted((DATA / "articletext").iterdir())),
    (DATA / "cli" / "lighthouse.txt").read_bytes(),
    b"Body\r\nLINK: https://example.com/\r\nTAGS: a, b\r\n",
]
ARTICLETEXT_TOKENS = [b"LINK:", b"TAGS:", b"LINK: ", b"TAGS: ", b"\nLINK: u\nTAGS:", b", "]


# -- URLs ------------------------------------------------------------------------------


def check_urls(data: bytes) -> str:
    url = text_of(data)
    try:
        canonical = canonicalize_url(url)
    except InvalidURL as exc:
        try:
            check_url(url)
        except InvalidURL:
            return _code(exc)
        raise AssertionError("check_url accepts what canonicalize_url refuses") from None
    assert check_url(url) == url
    assert canonicalize_url(canonical) == canonical, "canonical form is not a fixed point"
    assert check_url(canonical) == canonical
    return "same" if canonical == url else "changed"


URL_SEEDS = [
    b"HTTP://EXAMPLE.com:80/%7euser/./a/../b",
    b"https://B\xc3\xbccher.Example/",
    b"https://[2001:DB8:0:0::1]:8443/x?a=1&utm_source=x&b#top",
    b"https://reporter@example.com:0443/a/%2e%2E/b?fbclid=1&gclid=a=b",
    b"http://192.0.2.7/caf\xc3\xa9?q=\xe2\x82\xac%zz",
    b"https://xn--bcher-kva.example./",
    b"https://example.com",
]
URL_TOKENS = [
    b"http://",
    b"https://",
    b"xn--",
    b"xn--bcher-kva",
    b"[::1]",
    b"[::ffff:1.2.3.4]",
    b":65536",
    b":000",
    b"%7E",
    b"%2F",
    b"/./",
    b"/../",
    b"?utm_medium=a",
    b"&fbclid",
    b"\xe3\x80\x82",
    b"\xef\xbc\x8e",
    b"\xc3\x9f",
]


# -- timestamps ------------------------------------------------------------------------


def check_timestamps(data: bytes) -> str:
    text = text_of(data)
    outcome = []
    for default in (None, UTC):
        try:
            stamp = parse_timestamp(text, default_tz=default)
        except InvalidTimestamp as exc:
            outcome.append(exc.code)
            continue
        assert Timestamp.parse(str(stamp)) == stamp, "parsed timestamp does not round-trip"
        outcome.append("ok")
    try:
        strict = Timestamp.parse(text)
    except InvalidTimestamp as exc:
        outcome.append(exc.code)
    else:
        assert str(strict) == text
        outcome.append("record-form")
    return ",".join(outcome)


TIMESTAMP_SEEDS = [
    b"2020-01-08T06:30:00Z",
    b"2020-01-08T06:30:00.500Z",
    b"2020-01-08 07:30:00+01:00",
    b"2020-01-08T06:30",
    b"January 8 2020 6:30 UTC",
    b"Wed, 08 Jan 2020 06:30:00 GMT",
    b"2020-01-09T10:00:00-0930",
    b"8 Jan 2020 06:30:00.123456789 +05:45",
]
TIMESTAMP_TOKENS = [
    b"Z",
    b"+23:59",
    b"+24:00",
    b"-00:60",
    b"UTC",
    b"GMT+3",
    b"EST",
    b"T",
    b":60",
    b"9999-12-31",
    b"0001-01-01",
    b".000000000",
    b"AM",
    b"PM",
    b"Jan",
]


# -- digests and archive links ---------------------------------------------------------


def check_digest(data: bytes) -> str:
    text = text_of(data)
    try:
        digest = Digest.parse(text)
    except DigestError as exc:
        return _code(exc)
    assert str(digest) == text
    return digest.algorithm


DIGEST_SEEDS = [
    str(Digest.of_bytes(b"x", algorithm)).encode()
    for algorithm in ("sha256", "sha512", "sha3-256", "blake2b")
]
DIGEST_TOKENS = [b"md5:", b"sha1:", b"SHA256:", b"sha-256:", b"a" * 64]


def check_archiveurls(data: bytes) -> str:
    link = parse_archive_url(text_of(data))
    return "none" if link is None else link.method


ARCHIVEURL_SEEDS = [
    b"https://web.archive.org/web/20200108063000/https://example.com/a?b=1",
    b"http://web.archive.org/web/2020id_/example.com/",
    b"https://archive.ph/AbCd1",
    b"https://perma.cc/ABCD-1234",
]


# -- JSON Lines ------------------------------------------------------------------------


def check_jsonl(data: bytes) -> str:
    kinds = []
    for _, value, error in iter_values(io.BytesIO(data)):
        kinds.append(error.code if error is not None else type(value).__name__)
    return ",".join(kinds[:3])


JSONL_SEEDS = [
    (DATA / "import" / "records.jsonl").read_bytes(),
    b'{"a": 1}\n\n[2]\n"x"\n',
    b'{"a":\n 1}\n',
]


# -- WARC and bags: only through their public entry points ------------------------------


def check_warc(data: bytes) -> str:
    from newsarchive.warc import read_warc

    try:
        reading = read_warc(io.BytesIO(data), name="fuzz.warc", clock=lambda: NOW)
    except NewsArchiveError as exc:
        return _code(exc)
    return f"records={len(reading.records)},refused={len(reading.refused)}"


WARC_SEEDS = [
    (DATA / "warc" / name).read_bytes()
    for name in ("crawler.warc", "foreign.warc", "truncated.warc", "truncated.warc.gz")
]
WARC_TOKENS = [
    b"WARC/1.1\r\n",
    b"WARC/1.0\r\n",
    b"Content-Length: ",
    b"WARC-Type: response\r\n",
    b"WARC-Type: resource\r\n",
    b"WARC-Block-Digest: sha1:",
    b"WARC-Payload-Digest: sha256:",
    b"\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"Content-Type: text/html; charset=",
    b"Transfer-Encoding: chunked\r\n",
    b"Content-Encoding: gzip\r\n",
    b"\x1f\x8b\x08\x00",
]

#: The tag files a bag fuzz input replaces: the first byte picks one, the rest is its content.
BAG_FILES = (
    "bagit.txt",
    "bag-info.txt",
    "manifest-sha512.txt",
    "tagmanifest-sha512.txt",
    "fetch.txt",
)


def bag_target(work: Path) -> Target:
    """A target writing one tag file of a small bag under `work`, then validating the bag."""
    from newsarchive.bag import validate_bag

    source = DATA / "bagit-conformance" / "v1.0" / "valid" / "basicBag"
    bag = work / "bag"
    (bag / "data").mkdir(parents=True)
    (bag / "data" / "hello.txt").write_bytes((source / "data" / "hello.txt").read_bytes())
    originals = {
        name: (source / name).read_bytes() for name in BAG_FILES if (source / name).exists()
    }
    originals["bag-info.txt"] = (
        b"Bagging-Date: 2020-01-08\nPayload-Oxum: 13.1\nSource-Organization: x\n"
    )
    hello = (source / "data" / "hello.txt").read_bytes()
    originals["fetch.txt"] = f"https://example.com/a {len(hello)} data/hello.txt\n".encode()

    def check(data: bytes) -> str:
        chosen = BAG_FILES[data[0] % len(BAG_FILES)] if data else "bagit.txt"
        for name in BAG_FILES:
            content = data[1:] if name == chosen else originals[name]
            (bag / name).write_bytes(content)
        report = validate_bag(bag)
        codes = sorted({p.code for p in report.problems})
        return ",".join(codes[:2]) or "valid"

    seeds = [bytes([i]) + originals[name] for i, name in enumerate(BAG_FILES)]
    tokens = [
        b"BagIt-Version: ",
        b"Tag-File-Character-Encoding: ",
        b"Payload-Oxum: ",
        b"data/",
        b"../",
    ]
    return Target("bag", check, seeds, tokens)


# -- command-line option values ---------------------------------------------------------

#: Options of `newsarchive record` whose values the fuzzer writes (the first byte picks one).
CLI_OPTIONS = (
    "--url",
    "--original-url",
    "--title",
    "--tag",
    "--retrieved-at",
    "--published-at",
    "--timezone",
    "--method",
    "--agent",
    "--note",
    "--algorithm",
)


def cli_target(work: Path) -> Target:
    from newsarchive.cli import run

    article = work / "article.txt"
    article.write_bytes((DATA / "cli" / "lighthouse.txt").read_bytes())

    def check(data: bytes) -> str:
        option = CLI_OPTIONS[data[0] % len(CLI_OPTIONS)] if data else "--url"
        value = data[1:].decode("utf-8", "surrogateescape")  # as sys.argv holds it
        argv = ["record", str(article), f"{option}={value}"]
        if option != "--retrieved-at":
            argv.append("--retrieved-at=2020-01-08T06:30:00Z")
        if option == "--published-at":
            argv.append("--timezone=Europe/Berlin")
        out, err = io.BytesIO(), io.StringIO()
        code = run(argv, stdin=io.BytesIO(b""), stdout=out, stderr=err)
        assert code in {0, 1, 2}, f"exit code {code}"
        assert "Traceback" not in err.getvalue(), err.getvalue()
        return str(code)

    values = {
        "--url": b"https://example.com/a",
        "--original-url": b"https://example.com/original",
        "--title": b"A title",
        "--tag": b"harbour",
        "--retrieved-at": b"2020-01-09T10:00:00+01:00",
        "--published-at": b"2020-01-08 09:00",
        "--timezone": b"Europe/Berlin",
        "--method": b"http",
        "--agent": b"crawler/1.0",
        "--note": b"a note",
        "--algorithm": b"sha512",
    }
    seeds = [bytes([i]) + values[o] for i, o in enumerate(CLI_OPTIONS)]
    seeds.append(bytes([CLI_OPTIONS.index("--retrieved-at")]) + b"2020-01-09T10:9:00Z")
    return Target("cli", check, seeds, [*TIMESTAMP_TOKENS, *URL_TOKENS, b"../", b"UTC"])


def targets(work: Path) -> dict[str, Target]:
    """Every target by name; `work` is an empty directory for the ones that need files."""
    (work / "bag").mkdir(exist_ok=True)
    (work / "cli").mkdir(exist_ok=True)
    found = [
        Target("json", check_json, JSON_SEEDS, VALIDATE_TOKENS),
        Target("validate", check_validate, VALIDATE_SEEDS, VALIDATE_TOKENS),
        Target("validate-v2", check_validate_v2, VALIDATE_V2_SEEDS, VALIDATE_V2_TOKENS),
        Target("articletext", check_articletext, ARTICLETEXT_SEEDS, ARTICLETEXT_TOKENS),
        Target("urls", check_urls, URL_SEEDS, URL_TOKENS),
        Target("timestamps", check_timestamps, TIMESTAMP_SEEDS, TIMESTAMP_TOKENS),
        Target("digest", check_digest, DIGEST_SEEDS, DIGEST_TOKENS),
        Target("archiveurls", check_archiveurls, ARCHIVEURL_SEEDS, URL_TOKENS),
        Target("jsonl", check_jsonl, JSONL_SEEDS, VALIDATE_TOKENS),
        Target("warc", check_warc, WARC_SEEDS, WARC_TOKENS),
        bag_target(work / "bag"),
        cli_target(work / "cli"),
    ]
    return {t.name: t for t in found}
