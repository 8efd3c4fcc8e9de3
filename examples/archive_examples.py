"""Build, validate, serialize and verify records for the bundled example articles.

Run: python examples/archive_examples.py [OUTPUT_DIR]

Every step goes through the public library API: article-text file -> record ->
validation -> JSON / canonical JSON / JSON Lines -> read back -> verify the
original file as a copy -> show that a one-byte edit is caught.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import newsarchive as na

HERE = Path(__file__).parent


def main(out_dir: Path) -> int:
    records = []
    for path in sorted((HERE / "articles").glob("*.txt")):
        data = path.read_bytes()
        record = na.ArchivedArticle.from_article_text(
            data,
            retrieved_at="2024-05-01T10:00:00Z",
            source_name=path.name,
            notes=["bundled example"],
        )
        assert na.validate(record) == [], path
        assert na.from_json(na.to_json(record)) == record  # lossless round trip
        assert record.to_article_text() == data  # canonical files come back byte for byte
        verdict = na.verify_copy(record, data)
        print(f"{path.name}: {record.id[:16]}…  {record.canonical_url}  copy: {verdict.status}")
        records.append(record)

    jsonl = out_dir / "examples.jsonl"
    with jsonl.open("wb") as f:
        na.write_jsonl(f, (r.to_dict() for r in records))
    with jsonl.open("rb") as f:
        back = [na.ArchivedArticle.from_dict(line.value) for line in na.iter_jsonl(f)]
    assert back == records
    print(f"wrote {len(records)} records to {jsonl}")

    # A silent edit: change one character of the first article's content.
    tampered = records[0].to_dict()
    tampered["content"] = tampered["content"].replace("2.4", "2.5")
    problems = na.validate(tampered)
    print("after a one-character edit:", ", ".join(f"{p.pointer} {p.code}" for p in problems))
    edited_copy = records[0].to_article_text().replace(b"2.4", b"2.5")
    print("verify the edited copy:", na.verify_copy(records[0], edited_copy).status)
    return 0 if problems else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
