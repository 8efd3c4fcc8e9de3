"""The `history --json` shape against schemas/history-v1.schema.json (history._historyjson)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.history import (
    HISTORY_SCHEMA_ID,
    build_history,
    history_to_json,
    load_history_schema,
)
from tests.strategies import diff_tokens
from tests.test_history_timeline import EVENTS, V1, V2, V3, V4, rec

ROOT = Path(__file__).resolve().parent.parent


def _validate(data: object) -> None:
    jsonschema.Draft202012Validator(load_history_schema()).validate(data)


def test_packaged_schema_is_the_schema() -> None:
    top = (ROOT / "schemas" / "history-v1.schema.json").read_bytes()
    packaged = (ROOT / "src" / "newsarchive" / "schemas" / "history-v1.schema.json").read_bytes()
    assert top == packaged
    schema = load_history_schema()
    assert schema["$id"] == HISTORY_SCHEMA_ID
    jsonschema.Draft202012Validator.check_schema(schema)


def test_history_json_names_every_entry() -> None:
    data = history_to_json(build_history([V4, V3, V2, V1], events=EVENTS, text="roads are closed"))
    _validate(data)
    assert json.loads(json.dumps(data, ensure_ascii=False)) == data
    assert data["key"] == V1["url"]
    assert data["captures"] == 4
    kinds = [e["kind"] for e in data["entries"]]
    assert kinds == ["capture", "capture", "vanished", "back", "capture", "capture", "recapture"]
    second = data["entries"][1]
    assert second["id"] == V2["id"]
    assert second["short_id"] == V2["id"][:12]
    assert second["content_digest"] == V2["content_digest"]
    assert second["change"]["previous_id"] == V1["id"]
    assert second["change"]["verdict"] == "changed"
    assert second["change"]["stealth_edit"] is True
    assert data["entries"][0]["change"] is None
    assert data["entries"][2]["detail"].endswith("404: the page vanished")
    assert data["phrase"] == {
        "text": "roads are closed",
        "spans": [
            {
                "appeared_at": V1["retrieved_at"],
                "appeared_id": V1["id"],
                "vanished_at": V4["retrieved_at"],
                "vanished_id": V4["id"],
            }
        ],
    }


def test_without_a_phrase_it_is_null() -> None:
    data = history_to_json(build_history([V1]))
    _validate(data)
    assert data["phrase"] is None


@given(st.lists(diff_tokens(), min_size=1, max_size=4))
def test_generated_histories_fit_the_schema(versions: list[list[str]]) -> None:
    records = [
        rec(n + 1, f"2026-01-0{n + 1}T00:00:00Z", "".join(v)) for n, v in enumerate(versions)
    ]
    _validate(history_to_json(build_history(records, text="storm")))
