"""Captures into a store (Store.capture, capture_many, recapture) against loopback servers."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsarchive.capture import (
    DEFAULT_SCHEDULE,
    CaptureError,
    CaptureOptions,
    Capturer,
    Tracked,
    parse_schedule,
    recapture,
    tracked,
)
from newsarchive.errors import InvalidRecord
from newsarchive.store import Store
from tests.conftest import DATA
from tests.httpserver import LoopbackServer, response

PAGES = DATA / "capture"
ARTICLE = (PAGES / "article.html").read_bytes()
UPDATED = (PAGES / "article-updated.html").read_bytes()
DAY1 = datetime(2026, 3, 12, 10, 0, 0, tzinfo=UTC)


class Clock:
    """A wall clock the test moves on."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at


def options(clock: Clock | None = None, **changes: object) -> CaptureOptions:
    base: dict[str, object] = {"delay": 0.0, "timeout": 5.0, "clock": clock or Clock(DAY1)}
    base.update(changes)
    return CaptureOptions(**base)  # type: ignore[arg-type]


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with LoopbackServer() as srv:
        srv.routes["/robots.txt"] = response(
            200, "User-agent: *\nDisallow: /private/\n", content_type="text/plain"
        )
        srv.routes["/news/pier"] = response(200, ARTICLE, chunked=True, gzip=True)
        yield srv


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.init(tmp_path / "store") as made:
        yield made


def warcio_check(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "warcio.cli", "check", "-v", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )


def test_a_capture_stores_the_record_and_its_evidence_in_one_batch(
    server: LoopbackServer, store: Store, tmp_path: Path
) -> None:
    url = server.url("/news/pier")
    done = store.capture(url, options=options(), tags=["Harbour"], notes=["asked by the desk"])
    assert (done.outcome, done.reason) == ("stored", None)
    assert done.to_dict() == {"url": url, "outcome": "stored", "id": done.id}
    assert done.id is not None
    record = store.get(done.id)
    assert record["url"] == url
    assert record["title"] == "Westport approves plan to rebuild the north pier"
    assert record["tags"] == ["Harbour"]
    assert record["retrieved_at"] == "2026-03-12T10:00:00Z"
    assert record["published_at"] == "2026-03-10T08:30:00Z"
    assert "twelve metres" in record["content"]
    for boilerplate in ("Reader42", "Copyright", "Subscribe"):
        assert boilerplate not in record["content"]
    assert record["schema_version"] == 2
    assert record["authors"] == ["Anna Berg", "Tom Reyes"]
    assert record["publisher"] == "The Westport Courier"
    assert record["language"] == "en-GB"
    assert record["image"] == "https://courier.example/img/pier.jpg"
    assert record["modified_at"] == "2026-03-11T07:00:00Z"
    assert record["description"].startswith("The harbour authority approved")
    assert record["retrieval"]["method"] == "http"
    assert record["retrieval"]["agent"].startswith("newsarchive/")
    assert "asked by the desk" in record["retrieval"]["notes"]
    http = record["retrieval"]["http"]
    assert http == {
        "final_url": url,
        "status": 200,
        "http_version": "HTTP/1.1",
        "redirects": [],
        "headers": {"content_type": "text/html; charset=utf-8"},
    }
    (event,) = record["provenance"]
    evidence = done.result.evidence
    assert evidence is not None
    assert event["type"] == "capture"
    assert event["source_digest"] == str(evidence.payload_digest)
    assert evidence.response_id in event["detail"]
    entries = store.evidence(done.id)
    assert [e["warc_type"] for e in entries] == ["request", "response"]
    assert entries[1]["warc_record_id"] == evidence.response_id
    assert store.stats()["batches"] == 1
    path = tmp_path / "evidence.warc"
    path.write_bytes(store.evidence_warc(done.id))
    assert warcio_check(path).returncode == 0
    report = store.verify(jobs=1, record_event=False)
    assert report.ok, report.findings
    assert report.evidence == 2


def test_the_same_page_again_is_an_event_on_the_latest_capture(
    server: LoopbackServer, store: Store
) -> None:
    url, clock = server.url("/news/pier"), Clock(DAY1)
    first = store.capture(url, options=options(clock))
    clock.at += timedelta(hours=2)
    again = store.capture(url, options=options(clock))
    assert (again.outcome, again.id) == ("unchanged", first.id)
    assert first.id is not None
    assert len(store) == 1
    (event,) = store.events(first.id)
    assert event["type"] == "capture"
    assert event["outcome"] == "success"
    assert event["at"] == "2026-03-12T12:00:00Z"
    assert again.result.evidence is not None
    assert event["detail"] == {
        "content": "unchanged",
        "warc_record_id": again.result.evidence.response_id,
    }
    assert again.result.evidence is not None
    assert event["source_digest"] == str(again.result.evidence.payload_digest)
    assert len(store.evidence(first.id)) == 4


def test_a_page_that_changes_is_a_new_capture(server: LoopbackServer, store: Store) -> None:
    url, clock = server.url("/news/pier"), Clock(DAY1)
    first = store.capture(url, options=options(clock))
    server.routes["/news/pier"] = response(200, UPDATED)
    clock.at += timedelta(days=1)
    second = store.capture(url, options=options(clock))
    assert second.outcome == "stored"
    assert second.id not in {None, first.id}
    assert second.id is not None
    assert "two years" in store.get(second.id)["content"]
    assert list(store.find(url=url)) == [first.id, second.id]
    assert len(store.evidence(second.id)) == 2


def test_a_page_that_vanishes_is_a_failure_event_with_its_evidence(
    server: LoopbackServer, store: Store
) -> None:
    url, clock = server.url("/news/pier"), Clock(DAY1)
    first = store.capture(url, options=options(clock))
    server.routes["/news/pier"] = response(410, "gone")
    clock.at += timedelta(days=1)
    gone = store.capture(url, options=options(clock))
    assert (gone.outcome, gone.reason, gone.id) == ("failed", "gone", first.id)
    assert gone.to_dict()["reason"] == "gone"
    assert first.id is not None
    (event,) = store.events(first.id)
    assert event["outcome"] == "failure"
    assert gone.result.evidence is not None
    assert event["detail"] == {
        "reason": "gone",
        "status": 410,
        "message": gone.message,
        "warc_record_id": gone.result.evidence.response_id,
    }
    entries = store.evidence(first.id)
    assert [e["warc_type"] for e in entries] == ["request", "response"] * 2
    assert b"410 Gone" in store.evidence_warc(first.id)
    assert store.verify(jobs=1, record_event=False).ok


def test_a_failure_without_a_response_adds_an_event_without_evidence(
    server: LoopbackServer, store: Store
) -> None:
    url = server.url("/news/pier")
    first = store.capture(url, options=options())
    server.routes["/news/pier"] = response(200, b"x" * 5000)
    clock = Clock(DAY1 + timedelta(days=2))
    failed = store.capture(url, options=options(clock, max_bytes=100))
    assert (failed.outcome, failed.reason) == ("failed", "too-large")
    assert first.id is not None
    (event,) = store.events(first.id)
    assert "source_digest" not in event
    assert event["at"] == "2026-03-14T10:00:00Z"  # no response: the options' clock
    assert event["detail"] == {"reason": "too-large", "message": failed.message}
    assert len(store.evidence(first.id)) == 2


def test_a_failed_url_not_in_the_store_writes_nothing(server: LoopbackServer, store: Store) -> None:
    server.routes["/missing"] = response(404, "no")
    done = store.capture(server.url("/missing"), options=options())
    assert (done.outcome, done.reason, done.id) == ("failed", "not-found", None)
    assert store.stats()["batches"] == 0
    bad = store.capture("ftp://example.invalid/x", options=options())
    assert (bad.outcome, bad.reason) == ("failed", "bad-url")


def test_capture_many_takes_hosts_in_parallel(server: LoopbackServer, store: Store) -> None:
    with LoopbackServer() as other:
        other.routes["/a"] = response(200, UPDATED)
        urls = [server.url("/news/pier"), other.url("/a"), server.url("/private/x")]
        done = {d.url: d for d in store.capture_many(urls, options=options(), jobs=2)}
    assert [done[u].outcome for u in urls] == ["stored", "stored", "failed"]
    assert done[urls[2]].reason == "robots-disallowed"
    assert len(store) == 2


def test_bad_tags_are_refused_before_anything_is_fetched(
    server: LoopbackServer, store: Store
) -> None:
    with pytest.raises(InvalidRecord):
        list(store.capture_many([server.url("/news/pier")], options=options(), tags=["a\nb"]))
    assert server.paths() == []


# -- recapture -------------------------------------------------------------------------


def test_the_schedule_by_age() -> None:
    first = DAY1
    at = Tracked("https://x.example/", "0" * 64, first, first)
    assert at.due(first + timedelta(hours=1))
    assert not at.due(first + timedelta(minutes=59))
    later = Tracked("https://x.example/", "0" * 64, first, first + timedelta(days=3))
    assert not later.due(first + timedelta(days=3, hours=23))
    assert later.due(first + timedelta(days=4))
    month = Tracked("https://x.example/", "0" * 64, first, first + timedelta(days=20))
    assert month.due(first + timedelta(days=27))
    assert not Tracked("u", "0", first, first).due(first + timedelta(days=365))
    assert parse_schedule("1d:1h,7d:1d,30d:1w,365d:30d") == DEFAULT_SCHEDULE


@pytest.mark.parametrize("text", ["", "1d", "1d:0h", "1y:1d", "7d:1d,1d:1h", "1d:1h,1d:2h"])
def test_bad_schedules_are_refused(text: str) -> None:
    with pytest.raises(CaptureError) as caught:
        parse_schedule(text)
    assert caught.value.code == "bad-option"


def test_recapture_records_changes_and_disappearances(server: LoopbackServer, store: Store) -> None:
    clock = Clock(DAY1)
    server.routes["/news/quay"] = response(200, UPDATED)
    pier, quay = server.url("/news/pier"), server.url("/news/quay")
    first = {d.url: d.id for d in store.capture_many([pier, quay], options=options(clock))}
    assert [t.url for t in tracked(store)] == sorted([pier, quay])  # same first time: by URL
    server.routes["/news/pier"] = response(200, UPDATED)
    server.routes["/news/quay"] = response(404, "gone")
    clock.at += timedelta(minutes=30)
    capturer = Capturer(options(clock))
    assert list(recapture(store, now=clock.at, capturer=capturer)) == []  # not due yet
    clock.at += timedelta(minutes=30)
    done = {d.url: d for d in recapture(store, now=clock.at, capturer=capturer)}
    assert done[pier].outcome == "stored"
    assert done[pier].id != first[pier]
    assert (done[quay].outcome, done[quay].reason, done[quay].id) == (
        "failed",
        "not-found",
        first[quay],
    )
    # The failed attempt counts as an attempt: not due again for an hour.
    again = {d.url for d in recapture(store, now=clock.at, capturer=capturer)}
    assert again == set()
    assert {d.url for d in recapture(store, now=clock.at, due_only=False, capturer=capturer)} == {
        pier,
        quay,
    }


def test_recapture_keeps_the_tags(server: LoopbackServer, store: Store) -> None:
    clock = Clock(DAY1)
    store.capture(server.url("/news/pier"), options=options(clock), tags=["pier"])
    server.routes["/news/pier"] = response(200, UPDATED)
    clock.at += timedelta(hours=2)
    (done,) = recapture(store, now=clock.at, options=options(clock))
    assert done.id is not None
    assert store.get(done.id)["tags"] == ["pier"]


def test_capture_keeps_exact_evidence_bytes(server: LoopbackServer, store: Store) -> None:
    from warcio.archiveiterator import ArchiveIterator

    done = store.capture(server.url("/news/pier"), options=options())
    assert done.id is not None
    records = list(ArchiveIterator(io.BytesIO(store.evidence_warc(done.id))))
    assert [r.rec_type for r in records] == ["request", "response"]


def test_the_record_says_how_the_page_was_had(server: LoopbackServer, store: Store) -> None:
    import attrs

    from newsarchive.capture import record_of

    server.routes["/old"] = response(301, "", headers=(("Location", "/news/pier"),))
    done = store.capture(server.url("/old"), options=options(ignore_robots=True))
    assert done.id is not None
    record = store.get(done.id)
    assert record["url"] == server.url("/old")
    assert record["retrieval"]["via"] == server.url("/news/pier")
    http = record["retrieval"]["http"]
    assert http["final_url"] == server.url("/news/pier")
    assert http["redirects"] == [{"url": server.url("/old"), "status": 301}]
    notes = record["retrieval"]["notes"]
    assert "robots.txt was not consulted (ignore_robots)" in notes
    extracted = done.result.extracted
    assert extracted is not None
    claims = attrs.evolve(
        extracted,
        published="2026-03-10",
        language="en_US",
        image="javascript:alert(1)",
        authors=("  Anna   Berg ",),
    )
    long_etag = (("etag", "x" * 2000), ("content-type", "text/html"))
    made = record_of(attrs.evolve(done.result, extracted=claims, headers=long_etag))
    assert "published_at" not in made
    assert made["language"] == "en-US"
    assert made["authors"] == ["Anna Berg"]
    assert "image" not in made
    assert made["retrieval"]["http"]["headers"] == {"content_type": "text/html"}
    notes = made["retrieval"]["notes"]
    assert "published_at left out: the page states '2026-03-10', not an instant" in notes
    assert any(n.startswith("image left out: 'javascript:alert(1)'") for n in notes)
    assert any(n.startswith("the etag header left out: 'xxx") for n in notes)


def test_the_same_capture_stored_twice_is_not_stored_again(
    server: LoopbackServer, store: Store
) -> None:
    url, clock = server.url("/news/pier"), Clock(DAY1)
    first = store.capture(url, options=options(clock))
    server.routes["/news/pier"] = response(200, UPDATED)
    clock.at += timedelta(hours=1)
    store.capture(url, options=options(clock))
    server.routes["/news/pier"] = response(200, ARTICLE)
    clock.at = DAY1  # the clock set back: the very same capture as the first
    again = store.capture(url, options=options(clock))
    assert (again.outcome, again.id) == ("unchanged", first.id)
    assert len(store) == 2


def test_a_bad_note_given_directly_is_not_left_out(server: LoopbackServer, store: Store) -> None:
    from newsarchive.capture import record_of

    done = store.capture(server.url("/news/pier"), options=options())
    with pytest.raises(InvalidRecord):
        record_of(done.result, notes=["a\x00b"])  # the caller's, not the page's: refused


def test_a_layout_1_store_is_upgraded_before_evidence_is_written(
    server: LoopbackServer, tmp_path: Path
) -> None:
    root = tmp_path / "old"
    Store.init(root).close()
    (root / "newsarchive-store.json").write_bytes(b'{"format":"newsarchive-store","layout":1}\n')
    with Store(root) as old:
        assert old.layout == 1
        done = old.capture(server.url("/news/pier"), options=options())
        assert done.outcome == "stored"
        assert old.layout == 2
    assert b'"layout":2' in (root / "newsarchive-store.json").read_bytes()


def test_the_history_of_a_capture_that_changes_vanishes_and_comes_back(
    server: LoopbackServer, store: Store
) -> None:
    from newsarchive.history import build_history

    url, clock = server.url("/news/pier"), Clock(DAY1)
    first = store.capture(url, options=options(clock))
    for step, answer in enumerate(
        [response(500, "oops"), response(404, "no"), response(200, ARTICLE), response(200, UPDATED)]
    ):
        server.routes["/news/pier"] = answer
        clock.at = DAY1 + timedelta(hours=step + 1)
        store.capture(url, options=options(clock))
    ids = list(store.find(url=url))
    assert ids[0] == first.id
    records = [store.get(i) for i in ids]
    events = [e for i in ids for e in store.events(i)]
    kinds = [entry.kind for entry in build_history(records, events=events).entries]
    # The 500 says nothing about the article; the 404 is its vanishing; the same page
    # again is it being back; the edit is a new capture.
    assert kinds == ["capture", "vanished", "back", "capture"]
