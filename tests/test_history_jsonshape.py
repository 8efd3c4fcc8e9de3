"""The --json shape of a diff against schemas/diff-v1.schema.json (history._jsonshape)."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from hypothesis import given

from newsarchive.history import DIFF_SCHEMA_ID, IgnoreRules, diff, load_diff_schema, to_json_dict
from tests.strategies import diff_tokens

ROOT = Path(__file__).resolve().parent.parent


def test_packaged_schema_is_the_schema() -> None:
    top = (ROOT / "schemas" / "diff-v1.schema.json").read_bytes()
    packaged = (ROOT / "src" / "newsarchive" / "schemas" / "diff-v1.schema.json").read_bytes()
    assert top == packaged
    schema = load_diff_schema()
    assert schema["$id"] == DIFF_SCHEMA_ID
    jsonschema.Draft202012Validator.check_schema(schema)


def _validate(data: object) -> None:
    jsonschema.Draft202012Validator(load_diff_schema()).validate(data)


def test_full_example_validates_and_lists_cosmetic_changes() -> None:
    a = {"id": "a" * 64, "content": "Updated 1 min ago\nThe storm left 7 dead.", "title": "T"}
    b = {"id": "b" * 64, "content": "Updated 3 min ago\nThe  storm left 12 dead.", "title": "T2"}
    d = diff(a, b, rules=IgnoreRules.from_patterns([r"^Updated"]))
    out = to_json_dict(d)
    _validate(json.loads(json.dumps(out)))
    assert [c["kind"] for c in out["changes"]] == ["ignored", "cosmetic", "substantive"]
    assert out["metadata"] == [
        {"field": "title", "a": "T", "b": "T2", "cosmetic": False, "labels": ["headline"]}
    ]
    assert out["summary"]["verdict"] == "changed"
    assert out["stealth_edit"] is True
    c = out["changes"][2]
    assert a["content"][c["a_start"] : c["a_end"]] == c["a_text"] == "7"


def test_schema_rejects_an_unknown_kind() -> None:
    out = to_json_dict(diff("a  b", "a b"))
    out["changes"][0]["kind"] = "noise"
    with pytest.raises(jsonschema.ValidationError):
        _validate(out)


@given(diff_tokens(), diff_tokens())
def test_every_diff_validates(pa: list[str], pb: list[str]) -> None:
    _validate(to_json_dict(diff("".join(pa), "".join(pb))))
