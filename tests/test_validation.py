from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jsonschema
import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive import ArchivedArticle, InvalidRecord, load_schema, validate
from newsarchive.digest import Digest
from newsarchive.errors import NewsArchiveError
from newsarchive.timestamps import Timestamp
from newsarchive.urls import check_url
from tests.conftest import NOW
from tests.strategies import as_v1, records

if TYPE_CHECKING:
    from collections.abc import Callable

ROOT = Path(__file__).parent.parent


def good() -> dict[str, Any]:
    return ArchivedArticle.create(
        url="https://example.com/news/1",
        content="Body text.\nSecond line.",
        retrieved_at="2020-01-08T06:30:00Z",
        published_at="2020-01-07T00:00:00Z",
        title="Title",
        tags=["one", "two"],
    ).to_dict()


def codes(data: Any) -> list[tuple[str, str]]:
    return [(p.pointer, p.code) for p in validate(data, now=NOW) if p.severity == "error"]


def test_schema_passes_the_metaschema_and_has_a_stable_id() -> None:
    schema = load_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$id"] == "urn:newsarchive:schema:article:v1"
    assert schema["additionalProperties"] is False


@pytest.mark.parametrize("version", [1, 2])
def test_top_level_schema_is_the_packaged_one(version: int) -> None:
    name = f"article-v{version}.schema.json"
    top = (ROOT / "schemas" / name).read_bytes()
    packaged = (ROOT / "src" / "newsarchive" / "schemas" / name).read_bytes()
    assert top == packaged
    assert json.loads(top) == load_schema(version=version)


def test_load_schema_stays_v1_unless_asked_for_a_version() -> None:
    assert load_schema() is load_schema(1)
    v2 = load_schema(version=2)
    jsonschema.Draft202012Validator.check_schema(v2)
    assert v2["$id"] == "urn:newsarchive:schema:article:v2"
    assert v2["properties"]["schema_version"] == {"const": 2}
    # v2 is v1 plus optional members: the same required ones, v1's definitions unchanged
    v1 = load_schema()
    assert v2["required"] == v1["required"]
    assert set(v2["properties"]) - set(v1["properties"]) == {
        "authors",
        "publisher",
        "description",
        "language",
        "image",
        "modified_at",
    }
    assert all(v2["$defs"][k] == v for k, v in v1["$defs"].items())
    for version in (0, 3, "2", True):
        with pytest.raises(ValueError, match="no record format version"):
            load_schema(version=version)  # type: ignore[arg-type]


def test_a_good_record_has_no_problems() -> None:
    assert validate(good(), now=NOW) == []


def _set(d: dict[str, Any], pointer: str, value: Any) -> None:
    *parents, last = pointer.strip("/").split("/")
    target: Any = d
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value


# One case per row of the record table, with the code that names what is wrong.
CASES: list[tuple[Any, ...]] = [
    ("/schema_version", 3, "unsupported-schema-version"),
    ("/schema_version", "1", "unsupported-schema-version"),
    ("/id", "x" * 64, "bad-id"),
    ("/id", "0" * 64, "id-mismatch"),
    ("/url", "javascript:alert(1)", "bad-url"),
    ("/url", "https://user:pw@example.com/", "bad-url"),
    ("/url", 7, "wrong-type"),
    ("/canonical_url", "https://example.com/news/1?x=1", "canonical-url-mismatch"),
    ("/title", 3, "wrong-type"),
    ("/title", "a\x00b", "control-character"),
    ("/content", "Changed body.", "content-digest-mismatch", "/content_digest"),
    ("/content", "nul \x00 inside", "control-character"),
    ("/media_type", "not a media type", "bad-media-type"),
    ("/content_length", 5, "content-length-mismatch"),
    ("/content_length", -1, "bad-value"),
    ("/content_digest", "md5:" + "0" * 32, "weak-digest-algorithm"),
    ("/content_digest", "crc:1234", "unknown-digest-algorithm"),
    ("/content_digest", "sha256:" + "A" * 64, "bad-digest"),
    ("/content_digest", "sha256:" + "0" * 64, "content-digest-mismatch"),
    ("/tags/0", " one", "tag-not-normalized"),
    ("/tags/1", "ONE", "duplicate-tag"),
    ("/tags/0", "line\nbreak", "control-character"),
    ("/tags/0", "", "bad-tag"),
    ("/retrieved_at", "2020-01-08T06:30:00", "naive-timestamp"),
    ("/retrieved_at", "2020-01-08T08:30:00+02:00", "timestamp-not-utc"),
    ("/retrieved_at", "2999-01-01T00:00:00Z", "future-timestamp"),
    ("/retrieved_at", "2020-13-01T00:00:00Z", "bad-timestamp"),
    ("/published_at", "yesterday", "bad-timestamp"),
    ("/retrieval/method", "telepathy", "unknown-method"),
    ("/retrieval/via", "file:///x", "bad-url"),
    ("/retrieval/notes", "one note", "wrong-type"),
    ("/retrieval/agent", "", "bad-value"),
    ("/record_digest", "sha1:" + "0" * 40, "weak-digest-algorithm"),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c[0]}-{c[2]}")
def test_each_rule_has_a_code_and_a_pointer(case: tuple[Any, ...]) -> None:
    pointer, value, code, *reported_at = case
    d = good()
    _set(d, pointer, value)
    found = codes(d)
    assert ((reported_at or [pointer])[0], code) in found, found


def test_provenance_rules() -> None:
    d = good()
    d["provenance"] = [
        {"type": "dance", "at": "2020-01-08T06:30:00Z", "agent": "a", "outcome": "success"},
        {
            "type": "import",
            "at": "2020-01-08",
            "agent": "a",
            "outcome": "maybe",
            "source_digest": "md5:" + "0" * 32,
            "extra": 1,
        },
    ]
    found = set(codes(d))
    assert {
        ("/provenance/0/type", "unknown-event-type"),
        ("/provenance/1/at", "bad-timestamp"),
        ("/provenance/1/outcome", "bad-outcome"),
        ("/provenance/1/source_digest", "weak-digest-algorithm"),
        ("/provenance/1/extra", "unknown-field"),
        ("/record_digest", "record-digest-mismatch"),
    } <= found


def test_missing_and_unknown_fields() -> None:
    d = good()
    del d["retrieved_at"]
    del d["retrieval"]["notes"]
    d["color"] = "blue"
    found = codes(d)
    assert ("/retrieved_at", "missing-field") in found
    assert ("/retrieval/notes", "missing-field") in found
    assert ("/color", "unknown-field") in found


def test_every_problem_is_reported_at_once_and_semantics_run_despite_schema_errors() -> None:
    d = good()
    d["url"] = "ftp://example.com/x"
    d["content"] = "tampered"
    d["tags"] = ["x", "X"]
    d["media_type"] = 12
    d["retrieved_at"] = "2020-01-08T06:30:00"
    found = codes(d)
    assert ("/url", "bad-url") in found
    assert ("/media_type", "wrong-type") in found
    assert ("/content_digest", "content-digest-mismatch") in found
    assert ("/content_length", "content-length-mismatch") in found
    assert ("/tags/1", "duplicate-tag") in found
    assert ("/retrieved_at", "naive-timestamp") in found
    assert ("/record_digest", "record-digest-mismatch") in found
    # The precise semantic finding replaces the generic schema pattern finding.
    assert ("/url", "bad-value") not in found
    assert found == sorted(set(found), key=found.index)  # no duplicates


def test_problems_come_sorted_by_pointer() -> None:
    d = good()
    d["tags"] = ["a"] * 12
    pointers = [p.pointer for p in validate(d, now=NOW) if p.pointer.startswith("/tags/")]
    assert pointers == [f"/tags/{i}" for i in range(1, 12)]


@pytest.mark.parametrize("value", [None, [], "text", 3, [1, 2]])
def test_non_objects(value: Any) -> None:
    assert codes(value) == [("", "wrong-type")]


def test_strict_raises_with_all_problems() -> None:
    d = good()
    d["url"] = "javascript:x"
    d["content_length"] = 1
    with pytest.raises(InvalidRecord) as info:
        validate(d, strict=True, now=NOW)
    assert len(info.value.problems) >= 2
    assert "and" in str(info.value)
    assert validate(good(), strict=True, now=NOW) == []


def test_validator_is_built_once() -> None:
    from newsarchive.validation import _schema_validator

    assert _schema_validator(1) is _schema_validator(1)
    assert _schema_validator(2) is _schema_validator(2)


def test_mutation_runs_clear_every_cache_of_the_validation_layers() -> None:
    """conftest's list of caches (emptied before each test under tests/mutation.py) is whole.

    A cache it misses would hide the mutants of the code that fills it.
    """
    from newsarchive import _fastschema, _fastvalid, _semantic, _semantic_v2, validation
    from tests.conftest import clear_validation_caches

    v2 = {**good(), "schema_version": 2}
    for record in (good(), v2, {**v2, "title": 1}):
        validate(record, now=NOW)
    modules = (validation, _fastschema, _fastvalid, _semantic, _semantic_v2)
    caches = {
        f"{module.__name__}.{name}": value
        for module in modules
        for name, value in vars(module).items()
        if hasattr(value, "cache_clear") and value.__module__ == module.__name__
    }
    filled = {name for name, cache in caches.items() if cache.cache_info().currsize}
    assert filled >= {"newsarchive.validation._fast_schema", "newsarchive._fastvalid._real_date"}
    assert validation._FUSED
    clear_validation_caches()
    assert {name for name, cache in caches.items() if cache.cache_info().currsize} == set()
    assert validation._FUSED == {}


def _leaves(value: Any, pointer: str = "") -> list[str]:
    if isinstance(value, dict):
        out = [pointer] if pointer else []
        for k, v in value.items():
            out += _leaves(v, f"{pointer}/{k}")
        return out
    if isinstance(value, list):
        out = [pointer]
        for i, v in enumerate(value):
            out += _leaves(v, f"{pointer}/{i}")
        return out
    return [pointer]


def _mutated(value: Any) -> Any:
    if isinstance(value, bool):
        return not value
    if isinstance(value, int):
        return value + 1
    if isinstance(value, str):
        return value + "x"
    if value is None:
        return "x"
    if isinstance(value, list):
        return [*value, value[0] if value else "zz"]
    return {**value, "zz": 1}


@given(records(), st.data())
def test_any_single_change_to_any_field_is_caught(
    record: ArchivedArticle, data: st.DataObject
) -> None:
    d = record.to_dict()
    assert validate(d, now=NOW) == [p for p in validate(d, now=NOW) if p.severity == "warning"]
    pointer = data.draw(st.sampled_from(_leaves(d)))
    changed = copy.deepcopy(d)
    parts = pointer.strip("/").split("/")
    parent: Any = changed
    for part in parts[:-1]:
        parent = parent[int(part)] if isinstance(parent, list) else parent[part]
    key: Any = int(parts[-1]) if isinstance(parent, list) else parts[-1]
    parent[key] = _mutated(parent[key])
    assert codes(changed), f"change at {pointer} went unnoticed"


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=20,
    )
)
def test_validate_never_raises_on_json_values(value: Any) -> None:
    validate(value, now=NOW)


@given(records())
def test_generated_records_are_valid(record: ArchivedArticle) -> None:
    assert [p for p in validate(record, now=NOW) if p.severity == "error"] == []


@pytest.mark.parametrize(
    ("path", "pointer", "code"),
    [
        (("url",), "/url", "bad-url"),
        (("title",), "/title", "lone-surrogate"),
        (("retrieval", "agent"), "/retrieval/agent", "lone-surrogate"),
        (("tags", 0), "/tags/0", "lone-surrogate"),
        (("content",), "/content", "lone-surrogate"),
    ],
)
def test_lone_surrogate_from_another_json_reader_is_reported_once(
    path: tuple[str | int, ...], pointer: str, code: str
) -> None:
    # json.loads('"\\ud800"') gives such a str. validate raised UnicodeEncodeError
    # for the url, and reported nothing at all for the title, an agent or a tag.
    data: Any = good()
    target = data
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = json.loads('"a\\ud800"')
    problems = [(p.pointer, p.code) for p in validate(data, now=NOW)]
    assert problems == [(pointer, code)]


def test_lone_surrogate_url_in_a_partial_record_is_a_problem() -> None:
    # The schema fails first here, so the semantic layer canonicalized the url
    # and raised UnicodeEncodeError out of validate.
    data = json.loads('{"url": "https://example.com/\\ud800"}')
    assert ("/url", "bad-url") in codes(data)


# -- what mutation testing found untested (tests/mutation.py validation) --------------------


def test_load_schema_names_the_versions_it_knows() -> None:
    with pytest.raises(ValueError, match=r"^no record format version 3 \(known: 1, 2\)$"):
        load_schema(3)


def _problems(data: Any) -> list[tuple[str, str, str]]:
    return [(p.pointer, p.code, p.message) for p in validate(data, now=NOW)]


def test_an_unknown_field_of_format_v1_that_v2_has_says_so() -> None:
    d = as_v1(ArchivedArticle.from_dict(good()))
    d["authors"] = ["A"]  # a v2 field at the top
    d["retrieval"]["http"] = {}  # a v2 field of retrieval
    d["retrieval"]["authors"] = 1  # a v2 field, but not of retrieval
    d["provenance"] = [
        {"type": "capture", "at": "2020-01-08T06:30:00Z", "agent": "a", "outcome": "success"}
    ]
    d["provenance"][0]["http"] = 1  # not a v2 field of an event
    d["zz"] = 1
    v2_hint = "; {!r} is a format v2 field (schema_version 2)"
    unknown = [p for p in _problems(d) if p[1] == "unknown-field"]
    assert unknown == [
        ("/authors", "unknown-field", _unknown("authors", 1) + v2_hint.format("authors")),
        ("/provenance/0/http", "unknown-field", _unknown("http", 1)),
        ("/retrieval/authors", "unknown-field", _unknown("authors", 1)),
        ("/retrieval/http", "unknown-field", _unknown("http", 1) + v2_hint.format("http")),
        ("/zz", "unknown-field", _unknown("zz", 1)),
    ]


def _unknown(name: str, version: int) -> str:
    return f"unknown field {name!r} (format v{version} allows no extra fields)"


def test_an_unknown_field_of_format_v2_gets_no_hint() -> None:
    d = good()
    d["zz"] = 1
    d["retrieval"]["zz"] = 1
    unknown = [p for p in _problems(d) if p[1] == "unknown-field"]
    assert unknown == [
        ("/retrieval/zz", "unknown-field", _unknown("zz", 2)),
        ("/zz", "unknown-field", _unknown("zz", 2)),
    ]


@pytest.mark.parametrize(("field", "value"), [("title", {"a": 1}), ("tags", [{"a": 1}])])
def test_an_object_of_the_wrong_type_is_not_read_as_unknown_fields(field: str, value: Any) -> None:
    d = good()
    d[field] = value
    pointer = "/title" if field == "title" else "/tags/0"
    assert [(p, c) for p, c in codes(d) if p != "/record_digest"] == [(pointer, "wrong-type")]


def test_an_event_type_of_the_wrong_type_is_a_wrong_type() -> None:
    d = good()
    d["provenance"] = [{"type": 1, "at": "2020-01-08T06:30:00Z", "agent": "a", "outcome": "x"}]
    assert ("/provenance/0/type", "wrong-type") in codes(d)


def test_schema_findings_say_what_is_wrong_in_words() -> None:
    d = good()
    del d["url"]
    d["title"] = 1
    found = {p[0]: p[2] for p in _problems(d)}
    assert found["/url"] == "'url' is required"
    assert "string" in found["/title"]
    assert "1" in found["/title"]


def test_an_unsupported_version_names_the_known_ones() -> None:
    d = good()
    d["schema_version"] = 3
    assert ("/schema_version", "unsupported-schema-version", _VERSIONS_KNOWN + "3)") in (
        _problems(d)
    )


_VERSIONS_KNOWN = "schema_version must be one of 1, 2 (got "


@pytest.mark.parametrize("field", ["zz", "schema_version"])
def test_a_lone_surrogate_does_not_hide_what_the_schema_says_of_the_same_member(
    field: str,
) -> None:
    # The semantic finding replaces a pattern finding at the same pointer, never these.
    d = good()
    d[field] = json.loads('"\\ud800"')
    schema_code = "unknown-field" if field == "zz" else "unsupported-schema-version"
    found = [(p, c) for p, c, _ in _problems(d) if p == f"/{field}"]
    assert found == [(f"/{field}", "lone-surrogate"), (f"/{field}", schema_code)]


def test_problems_are_sorted_by_pointer_not_by_code() -> None:
    d = good()
    d["title"] = 1  # wrong-type, sorts after bad-url by code
    d["url"] = "javascript:x"  # bad-url
    d["retrieval"]["0"] = 1  # a list-index-like member name sorts before names
    d["retrieval"]["agent"] = ""
    pointers = [p for p, _ in codes(d) if p not in ("/id", "/record_digest")]
    assert pointers == ["/retrieval/0", "/retrieval/agent", "/title", "/url"]


@pytest.mark.parametrize(
    ("length", "shortened"), [(299, False), (300, False), (301, True), (1000, True)]
)
def test_long_messages_are_cut_to_300_characters(length: int, shortened: bool) -> None:
    from newsarchive.validation import _shorten_message

    message = "m" * length
    out = _shorten_message(message)
    assert out == ("m" * 297 + "..." if shortened else message)


def test_validate_checks_the_future_against_the_clock_given() -> None:
    later = NOW + timedelta(hours=1)
    d = ArchivedArticle.create(
        url="https://example.com/a", content="Text.", retrieved_at=later
    ).to_dict()
    assert codes(d) == [("/retrieved_at", "future-timestamp")]
    assert validate(d, now=later) == []


def test_a_valid_record_takes_the_fused_path_only(monkeypatch: pytest.MonkeyPatch) -> None:
    # The common case in one pass: neither jsonschema nor the problem machinery runs.
    from newsarchive import validation

    def fail(*_: Any, **__: Any) -> Any:
        raise AssertionError

    monkeypatch.setattr(validation, "_FUSED", {})
    monkeypatch.setattr(validation, "Checker", fail)
    monkeypatch.setattr(validation, "_schema_problems", fail)
    assert validate(good(), now=NOW) == []
    assert validate(good(), now=NOW) == []


def test_a_semantic_finding_alone_spares_jsonschema(monkeypatch: pytest.MonkeyPatch) -> None:
    from newsarchive import validation

    def fail(*_: Any, **__: Any) -> Any:
        raise AssertionError

    monkeypatch.setattr(validation, "_schema_problems", fail)
    d = good()
    d["tags"] = ["one", "ONE"]
    assert ("/tags/1", "duplicate-tag") in codes(d)


@pytest.mark.parametrize(
    ("field", "value", "parse"),
    [
        ("url", "https://exa mple.com/", check_url),
        ("published_at", "2020-02-30T00:00:00Z", Timestamp.parse),
        ("content_digest", "sha256:" + "0" * 63, Digest.parse),
    ],
)
def test_a_field_that_does_not_parse_carries_the_parsers_message(
    field: str, value: str, parse: Callable[[str], object]
) -> None:
    d = good()
    d[field] = value
    with pytest.raises(NewsArchiveError) as info:
        parse(value)
    assert (f"/{field}", info.value.code, info.value.message) in _problems(d)
