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

    # A silent edit: change one character of the lighthouse article's content
    # ("2.4 million euros" becomes "2.5"), chosen by name so the edit cannot miss.
    lighthouse = next(r for r in records if r.canonical_url.endswith("lighthouse-reopens"))
    tampered = lighthouse.to_dict()
    edited = tampered["content"].replace("2.4 million", "2.5 million")
    if edited == tampered["content"]:
        print("the example edit did not apply: the article changed", file=sys.stderr)
        return 1
    tampered["content"] = edited
    problems = na.validate(tampered)
    print("after a one-character edit:", ", ".join(f"{p.pointer} {p.code}" for p in problems))
    edited_copy = lighthouse.to_article_text().replace(b"2.4 million", b"2.5 million")
    verdict = na.verify_copy(lighthouse, edited_copy)
    print("verify the edited copy:", verdict.status)
    # Both must catch the edit: the record fails validation, the copy does not match.
    return 0 if problems and verdict.status == "mismatch" else 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        sys.exit(main(Path(sys.argv[1])))
    with tempfile.TemporaryDirectory() as tmp:
        sys.exit(main(Path(tmp)))
