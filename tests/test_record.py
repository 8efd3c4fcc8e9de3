from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import attrs
import pytest
from hypothesis import given

from newsarchive import (
    ArchivedArticle,
    ArticleTextError,
    Digest,
    InvalidRecord,
    InvalidTimestamp,
    InvalidURL,
    ProvenanceEvent,
    Retrieval,
    Timestamp,
    validate,
)
from newsarchive._derive import compute_record_digest
from newsarchive._json import canonical_dumps
from newsarchive.record import HttpFacts, HttpHeaders, Redirect
from tests.conftest import DATA, NOW
from tests.strategies import as_v1, records, v1_records

BODY = "First line of the story.\nSecond line, with a ZWNJ: \u0645\u06cc\u200c\u0631\u0648\u0645."


def make(**overrides: object) -> ArchivedArticle:
    facts: dict[str, object] = {
        "url": "https://News.Example.org:443/a/./b/../story?utm_source=x&id=7#comments",
        "content": BODY,
        "retrieved_at": "2020-01-08T06:30:00Z",
    }
    facts.update(overrides)
    return ArchivedArticle.create(**facts)  # type: ignore[arg-type]


def test_create_computes_every_derived_field() -> None:
    r = make(title="A title", tags=[" Politics ", "politics", "Iran"])
    encoded = BODY.encode()
    assert r.schema_version == 2  # new records are format v2
    assert r.url == "https://News.Example.org:443/a/./b/../story?utm_source=x&id=7#comments"
    assert r.canonical_url == "https://news.example.org/a/story?id=7"
    assert r.content == BODY
    assert r.content_length == len(encoded)
    assert r.content_digest == Digest("sha256", hashlib.sha256(encoded).hexdigest())
    assert r.media_type == "text/plain; charset=utf-8"
    assert r.tags == ("Politics", "Iran")
    assert str(r.retrieved_at) == "2020-01-08T06:30:00Z"
    assert r.published_at is None
    assert r.retrieval == Retrieval()
    assert validate(r, now=NOW) == []


def test_id_rule_is_the_documented_one() -> None:
    r = make()
    payload = [
        "newsarchive:id:v1",
        r.url,
        "sha256:" + hashlib.sha256(BODY.encode()).hexdigest(),
        "2020-01-08T06:30:00Z",
    ]
    expected = hashlib.sha256(canonical_dumps(payload)).hexdigest()
    assert r.id == expected


def test_id_depends_on_url_content_and_instant_only() -> None:
    base = make()
    assert make(retrieved_at="2020-01-08T06:30:00.000Z").id == base.id  # same instant
    assert make(retrieved_at="2020-01-08T09:30:00+03:00").id == base.id
    assert make(title="other", tags=["x"], algorithm="sha512").id == base.id
    assert make(retrieved_at="2020-01-08T06:30:01Z").id != base.id
    assert make(content=BODY + " ").id != base.id
    assert make(url="https://news.example.org/a/story?id=7").id != base.id


def test_record_digest_rule_excludes_content_and_itself() -> None:
    r = make(title="T")
    body = {k: v for k, v in r.to_dict().items() if k not in {"content", "record_digest"}}
    assert r.record_digest == Digest.of_bytes(canonical_dumps(body))
    assert r.without_content().record_digest == r.record_digest
    assert validate(r.without_content(), now=NOW) == []


def test_digest_algorithm_applies_to_both_digests() -> None:
    r = make(algorithm="blake2b")
    assert r.content_digest.algorithm == "blake2b"
    assert r.record_digest.algorithm == "blake2b"
    assert validate(r, now=NOW) == []


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "file:///etc/passwd",
        "data:text/plain,hi",
        "/relative/path",
        "https://user:secret@example.com/",
        "ftp://example.com/x",
    ],
)
def test_bad_urls_are_refused(url: str) -> None:
    with pytest.raises(InvalidURL):
        make(url=url)


def test_content_is_never_altered() -> None:
    tricky = "e\u0301 \u200c \u200d \ufeff\r\n\u2028 trailing   "
    r = make(content=tricky)
    assert r.content == tricky
    assert r.content_digest == Digest.of_bytes(tricky.encode())


def test_lone_surrogate_content_is_refused() -> None:
    with pytest.raises(InvalidRecord) as info:
        make(content="bad \ud800")
    assert info.value.problems[0].code == "lone-surrogate"


def test_nul_in_content_is_refused() -> None:
    with pytest.raises(InvalidRecord) as info:
        make(content="a\x00b")
    assert [p.pointer for p in info.value.problems] == ["/content"]


def test_published_after_retrieved_is_only_a_warning() -> None:
    r = make(published_at="2020-01-09T00:00:00Z")
    problems = validate(r, now=NOW)
    assert [(p.code, p.severity) for p in problems] == [("published-after-retrieved", "warning")]


def test_provenance_and_retrieval_round_trip() -> None:
    event = ProvenanceEvent(
        type="capture",
        at="2020-01-08T06:30:00Z",
        agent="crawler/2",
        outcome="success",
        detail="fetched",
        source_digest=Digest.of_bytes(b"raw"),
    )
    r = make(
        retrieval=Retrieval(
            method="wayback", agent="me", via="https://web.example/snap", notes=("first", "second")
        ),
        provenance=[event],
        published_at=datetime(2020, 1, 7, tzinfo=UTC),
    )
    again = ArchivedArticle.from_dict(r.to_dict(), now=NOW)
    assert again == r
    assert again.provenance[0].at == Timestamp.parse("2020-01-08T06:30:00Z")


def test_with_event_reseals() -> None:
    r = make()
    later = r.with_event(ProvenanceEvent(type="verify", at="2021-01-01T00:00:00Z"))
    assert later.id == r.id
    assert later.record_digest != r.record_digest
    assert validate(later, now=NOW) == []


def test_from_dict_reports_every_problem() -> None:
    d = make().to_dict()
    d["url"] = "javascript:alert(1)"
    d["content_length"] = 3
    d["tags"] = ["a", "A"]
    with pytest.raises(InvalidRecord) as info:
        ArchivedArticle.from_dict(d, now=NOW)
    codes = {p.code for p in info.value.problems}
    assert {
        "bad-url",
        "content-length-mismatch",
        "duplicate-tag",
        "record-digest-mismatch",
    } <= codes


def test_from_article_text_reads_the_trailer() -> None:
    data = (DATA / "cli" / "lighthouse.txt").read_bytes()
    r = ArchivedArticle.from_article_text(
        data,
        retrieved_at="2024-05-01T10:00:00Z",
        source_name="lighthouse.txt",
        clock=lambda: NOW,
    )
    assert r.url == "https://news.example.org/coast/vellmar-lighthouse-reopens?utm_source=rss"
    assert r.canonical_url == "https://news.example.org/coast/vellmar-lighthouse-reopens"
    assert r.tags == ()
    assert r.retrieval.method == "file-import"
    (event,) = r.provenance
    assert event.type == "import"
    assert str(event.at) == "2026-01-01T12:00:00Z"
    assert event.source_digest == Digest.of_bytes(data)
    assert r.to_article_text() == data


def test_from_article_text_url_option() -> None:
    data = b"Body only.\nTAGS: a, b"
    with pytest.raises(ArticleTextError) as info:
        ArchivedArticle.from_article_text(data, retrieved_at="2024-05-01T10:00:00Z")
    assert info.value.code == "missing-link"
    r = ArchivedArticle.from_article_text(
        data, url="https://example.com/x", retrieved_at="2024-05-01T10:00:00Z", tags=["B", "c"]
    )
    assert r.tags == ("a", "b", "c")
    assert r.content == "Body only."


def test_given_url_overrides_link_and_says_so() -> None:
    data = b"Body.\nLINK: https://example.com/old\nTAGS:"
    r = ArchivedArticle.from_article_text(
        data, url="https://example.com/new", retrieved_at="2024-05-01T10:00:00Z"
    )
    assert r.url == "https://example.com/new"
    assert "https://example.com/old" in r.retrieval.notes[0]


def test_default_retrieval_time_is_the_clock() -> None:
    data = b"Body.\nLINK: https://example.com/x\nTAGS:"
    r = ArchivedArticle.from_article_text(data, clock=lambda: NOW)
    assert r.retrieved_at == Timestamp.from_datetime(NOW)


def test_without_content_cannot_be_written_as_text() -> None:
    with pytest.raises(ArticleTextError):
        make().without_content().to_article_text()


@given(records())
def test_dict_round_trip_is_lossless(record: ArchivedArticle) -> None:
    assert ArchivedArticle.from_dict(record.to_dict(), now=NOW) == record
    assert ArchivedArticle.from_dict(record.to_dict(), now=NOW).to_dict() == record.to_dict()


@given(records())
def test_v2_json_round_trip_is_exact(record: ArchivedArticle) -> None:
    d = record.to_dict()
    assert d["schema_version"] == 2
    again = ArchivedArticle.from_dict(d, now=NOW).to_dict()
    assert again == d
    assert canonical_dumps(again) == canonical_dumps(d)  # the same bytes, so the same digests


@given(v1_records)
def test_v1_records_are_read_and_written_back_unchanged(record: ArchivedArticle) -> None:
    d = record.to_dict()
    assert d["schema_version"] == 1
    assert record.schema_version == 1
    assert ArchivedArticle.from_dict(d, now=NOW).to_dict() == d
    # an event appended to a v1 record keeps it v1 (records are never migrated silently)
    later = record.with_event(ProvenanceEvent("verify", "2025-12-31T00:00:00Z"))
    assert later.schema_version == 1
    assert validate(later.to_dict(), now=NOW) == []


@given(records())
def test_same_capture_same_id_in_v1_and_v2_but_not_the_same_record_digest(
    record: ArchivedArticle,
) -> None:
    v2 = record.to_dict()
    v1 = as_v1(record)
    assert v1["id"] == v2["id"]
    assert v1["record_digest"] != v2["record_digest"]
    # the rule itself is unchanged: each digest is the one rule over its own bytes
    algorithm = record.record_digest.algorithm
    assert str(compute_record_digest(v2, algorithm)) == v2["record_digest"]


def test_v1_and_v2_of_one_capture_differ_only_where_v2_adds() -> None:
    plain = make()
    d2, d1 = plain.to_dict(), as_v1(plain)
    assert {k for k in d2 if d2[k] != d1[k]} == {"schema_version", "record_digest"}
    assert d1["id"] == d2["id"] == plain.id


def test_create_normalizes_author_names_and_keeps_their_order() -> None:
    r = make(authors=["  Zoë   Ng ", "Ana\u00a0Lima", "Jose\u0301", " ", "Zoë Ng"])
    assert r.authors == ("Zoë Ng", "Ana Lima", "Jos\u00e9", "Zoë Ng")
    assert make(authors=["", "  "]).authors is None  # no names left: no authors member
    assert "authors" not in make(authors=[]).to_dict()


def test_create_checks_the_v2_fields() -> None:
    with pytest.raises(InvalidRecord) as info:
        make(language="en-", image="ftp://x.example/i.png")
    assert {p.pointer for p in info.value.problems} == {"/language", "/image"}
    with pytest.raises(InvalidTimestamp):  # as published_at: a naive time needs a default zone
        make(modified_at="2020-01-08T08:30:00")
    assert str(make(modified_at="2020-01-08T08:30:00+02:00").modified_at) == "2020-01-08T06:30:00Z"
    with pytest.raises(InvalidRecord, match="tls_sha256"):
        make(
            retrieval=Retrieval(
                "http",
                http=HttpFacts(final_url="http://x.example/", status=200, tls_sha256="a" * 64),
            )
        )


def test_http_facts_round_trip_and_keep_absent_apart_from_empty() -> None:
    facts = HttpFacts(
        final_url="https://x.example/b",
        status=200,
        redirects=[Redirect("https://x.example/a", 302)],
        headers=HttpHeaders(),
    )
    d = facts.to_dict()
    assert d == {
        "final_url": "https://x.example/b",
        "status": 200,
        "redirects": [{"url": "https://x.example/a", "status": 302}],
        "headers": {},
    }
    assert HttpFacts.from_dict(d) == facts
    assert "redirects" not in HttpFacts(final_url="https://x.example/", status=200).to_dict()
    with pytest.raises(TypeError):
        HttpFacts(final_url="https://x.example/", status=200.0)  # type: ignore[arg-type]


def test_frozen() -> None:
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        make().url = "https://example.com/"  # type: ignore[misc]
