"""Bulk import: every input kind, idempotence, rejected input reported and skipped."""

from __future__ import annotations

import io
import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsarchive.store import ImportOptions, Store, _importer, import_paths
from newsarchive.store._write import prepare_line
from tests.conftest import DATA, NOW
from tests.store_driver import make_record
from tests.test_semantic_v2 import v2_record

IMPORT = DATA / "import"
OPTIONS = ImportOptions(clock=lambda: NOW, agent="test-suite")


def fixed_clock() -> datetime:
    return NOW


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store.init(tmp_path / "s")


def test_a_directory_is_walked_and_bad_files_are_skipped(store: Store) -> None:
    summary = import_paths(store, [str(IMPORT)], OPTIONS)
    assert summary.imported == 4  # ferry, footbridge, and the two JSON Lines records
    assert summary.duplicates == 0
    reasons = {Path(p["source"]).name: p["reason"] for p in summary.rejected}
    assert set(reasons) == {"altered.json", "nolink.txt"}
    assert "content_digest" in reasons["altered.json"] or "content" in reasons["altered.json"]
    assert "LINK" in reasons["nolink.txt"]
    assert summary.files == 5


def test_json_records_are_stored_exactly_as_they_are(store: Store) -> None:
    import_paths(store, [str(IMPORT / "records.jsonl")], OPTIONS)
    for line in (IMPORT / "records.jsonl").read_bytes().splitlines():
        record = json.loads(line)
        assert store.get(record["id"]) == record


def test_article_text_gets_the_options_provenance(store: Store) -> None:
    options = ImportOptions(
        clock=lambda: NOW,
        method="manual",
        agent="desk editor",
        notes=("copied from the print edition",),
        tags=("Ferries",),
    )
    import_paths(store, [str(IMPORT / "ferry.txt")], options)
    (record_id,) = store.find()
    record = store.get(record_id)
    assert record["retrieval"] == {
        "method": "manual",
        "agent": "desk editor",
        "notes": ["copied from the print edition"],
    }
    assert record["tags"] == ["transport", "islands", "Ferries"]
    assert record["retrieved_at"] == "2026-01-01T12:00:00Z"


def test_reimport_is_idempotent(store: Store) -> None:
    import_paths(store, [str(IMPORT)], OPTIONS)
    later = ImportOptions(clock=lambda: datetime(2026, 2, 1, tzinfo=UTC))
    again = import_paths(store, [str(IMPORT)], later)
    assert (again.imported, again.duplicates) == (0, 4)
    # An explicit new retrieval time is a new capture of the same article.
    recapture = ImportOptions(retrieved_at="2026-03-01T00:00:00Z")
    third = import_paths(store, [str(IMPORT / "ferry.txt")], recapture)
    assert (third.imported, third.duplicates) == (1, 0)
    assert len(store) == 5


def test_stdin_is_sniffed(store: Store) -> None:
    text = (IMPORT / "ferry.txt").read_bytes()
    summary = import_paths(store, ["-"], OPTIONS, stdin=io.BytesIO(text))
    assert summary.imported == 1
    records = (IMPORT / "records.jsonl").read_bytes()
    summary = import_paths(store, ["-"], OPTIONS, stdin=io.BytesIO(records))
    assert summary.imported == 2


def test_unreadable_paths_are_rejected_not_fatal(store: Store, tmp_path: Path) -> None:
    summary = import_paths(
        store, [str(tmp_path / "missing.txt"), str(IMPORT / "ferry.txt")], OPTIONS
    )
    assert summary.imported == 1
    assert summary.rejected[0]["reason"].startswith("cannot read")


def test_many_files_go_in_batches(store: Store, tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(2100):
        (src / f"{i:05d}.txt").write_text(
            f"Item {i}: the tide table for pier {i} was corrected.\n"
            f"LINK: https://tides.example/pier/{i}\nTAGS: tides",
            encoding="utf-8",
        )
    summary = import_paths(store, [str(src)], OPTIONS)
    assert summary.imported == 2100
    assert store.stats()["batches"] == 3  # 1000 + 1000 + 100


def test_worker_processes_give_the_same_store(tmp_path: Path) -> None:
    src = tmp_path / "many"
    src.mkdir()
    for i in range(450):
        (src / f"{i:04d}.txt").write_text(
            f"Item {i}: the bus route {i} changes in May.\nLINK: https://buses.example/{i}",
            encoding="utf-8",
        )
    (src / "0100.txt").write_bytes(b"no trailer and \x00 a NUL byte")
    options = ImportOptions(clock=fixed_clock)  # a module-level function pickles
    stores = []
    for jobs in (1, 2):
        with Store.init(tmp_path / f"s{jobs}") as store:
            summary = import_paths(store, [str(src)], options, jobs=jobs)
            assert (summary.imported, len(summary.rejected)) == (449, 1)
            stores.append([store.get(i) for i in store.find()])
    assert stores[0] == stores[1]
    segments = [(tmp_path / f"s{j}" / "segments" / "00000001.jsonl").read_bytes() for j in (1, 2)]
    assert segments[0] == segments[1]  # same order, same bytes


def test_a_link_to_a_directory_is_refused_by_name(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [str(tmp_path / "link")], ImportOptions())
    [rejected] = summary.rejected
    assert "symbolic link to a directory" in rejected["reason"]


def _index_rows(root: Path) -> dict[str, list[tuple[object, ...]]]:
    conn = sqlite3.connect(root / "index.sqlite")
    try:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY rowid").fetchall()
            for table in ("batches", "entries", "records", "tags", "blobs", "events")
        }
    finally:
        conn.close()


def test_lines_made_by_the_workers_are_the_lines_the_writer_would_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = tmp_path / "src"
    src.mkdir()
    for i in range(30):
        body = f"Item {i}: the ferry timetable changes in May." * (1 if i % 10 else 7000)
        (src / f"{i:04d}.txt").write_text(  # every 10th is over the blob threshold
            f"{body}\nLINK: https://ferries.example/{i % 7}\nTAGS: ferries, Item{i % 3}",
            encoding="utf-8",
        )
    options = ImportOptions(clock=fixed_clock)
    roots = []
    for made_by in ("workers", "writer"):
        if made_by == "writer":  # the reference: no prepared lines, the writer makes them all
            monkeypatch.setattr(_importer, "prepare_line", lambda _record: None)
        root = tmp_path / made_by
        with Store.init(root) as store:
            assert import_paths(store, [str(src)], options).imported == 30
            assert store.verify(jobs=1, record_event=False).ok
        roots.append(root)
    segments = [(root / "segments" / "00000001.jsonl").read_bytes() for root in roots]
    assert segments[0] == segments[1]  # the same bytes
    assert _index_rows(roots[0]) == _index_rows(roots[1])  # and the same line SHA-256s
    assert len(_index_rows(roots[0])["blobs"]) == 3


def test_prepared_lines_go_only_with_validated_records(store: Store) -> None:
    record = make_record(0)
    with pytest.raises(ValueError, match="validated"):
        store.add([(record, False)], prepared=[None])
    with pytest.raises(ValueError, match="one per record"):
        store.add([(record, False)], validated=True, prepared=[])
    line = prepare_line(record)
    assert store.add([(record, False)], validated=True, prepared=[line]) == ["stored"]
    assert store.get(record["id"]) == record


def test_a_malformed_json_file_is_rejected_naming_line_and_column(
    store: Store, tmp_path: Path
) -> None:
    # Found in review: `validate` said `bad.json:2:8:`, `import` only `bad.json`.
    (tmp_path / "bad.json").write_bytes(b'[{"a": 1},\n {"b": }]')
    (tmp_path / "bad.jsonl").write_bytes(b'{"a": 1}\n{"b": }\n')
    paths = [str(tmp_path / "bad.json"), str(tmp_path / "bad.jsonl")]
    summary = import_paths(store, paths, OPTIONS)
    sources = [p["source"] for p in summary.rejected]
    assert sources[0] == f"{tmp_path / 'bad.json'}:2:8"
    assert sources[-1] == f"{tmp_path / 'bad.jsonl'}:2:7"


def test_a_rejected_article_text_file_is_named_once(store: Store, tmp_path: Path) -> None:
    # Found in review: `latin.txt: rejected: latin.txt:1:4: invalid UTF-8 at byte 3`;
    # the place moves to the source, as for JSON: `latin.txt:1:4: rejected: ...`.
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "latin.txt").write_bytes(b"caf\xe9\nLINK: https://news.example/a\n")
    (inputs / "nolink.txt").write_bytes(b"Text without a link.\n")
    summary = import_paths(store, [str(inputs)], OPTIONS)
    assert [(p["source"], p["reason"]) for p in summary.rejected] == [
        (f"{inputs / 'latin.txt'}:1:4", "invalid UTF-8 at byte 3"),
        (
            f"{inputs / 'nolink.txt'}",
            "no LINK: line at the end of the file; give the article's URL",
        ),
    ]


def test_new_records_are_v2_and_json_records_keep_their_version(
    store: Store, tmp_path: Path
) -> None:
    v2 = v2_record()
    (tmp_path / "v2.json").write_text(json.dumps(v2), encoding="utf-8")
    paths = [str(IMPORT / "records.jsonl"), str(IMPORT / "ferry.txt"), str(tmp_path / "v2.json")]
    summary = import_paths(store, paths, OPTIONS)
    assert summary.imported == 4
    versions = {}
    for record_id in store.find():
        record = store.get(record_id)
        versions[record["url"]] = record["schema_version"]
    v1_urls = [
        json.loads(line)["url"] for line in (IMPORT / "records.jsonl").read_bytes().splitlines()
    ]
    assert [versions[u] for u in v1_urls] == [1, 1]  # stored exactly as they were
    assert store.get(v2["id"]) == v2
    (ferry,) = set(versions) - {*v1_urls, v2["url"]}
    assert versions[ferry] == 2  # made from article text now: format v2


def _at_now() -> datetime:
    return NOW  # a clock the worker processes can be handed (by name)


def test_a_built_record_crosses_processes_as_its_line_and_is_stored_as_built(
    tmp_path: Path,
) -> None:
    name = str(DATA / "import" / "ferry.txt")
    options = ImportOptions(retrieved_at="2024-05-01T10:00:00Z", clock=_at_now)
    ((_, record, reason, prepared),) = _importer.prepare_files([name], options)
    built, _ = _importer.prepare(name, Path(name).read_bytes(), options)
    assert (record, reason) == (None, "")  # not the dict: the line holds it
    assert prepared is not None
    assert built is not None
    assert json.loads(prepared[0]) == {"record": built}
    with Store.init(tmp_path / "s") as store:
        summary = import_paths(store, [name, name], options, jobs=2)
        assert (summary.imported, summary.duplicates) == (1, 1)
        assert store.get(built["id"]) == built
