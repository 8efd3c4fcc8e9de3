"""The word-level diff: exact offsets, cosmetic noise, ignore rules, metadata (history._diff)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import newsarchive
from newsarchive.history import (
    DiffError,
    IgnoreRules,
    apply_changes,
    diff,
    is_stealth_edit,
    load_ignore_rules,
)
from newsarchive.history._tokens import key_of, tokenize
from tests.strategies import cosmetic_variants, diff_tokens, diff_words, text


def _check_offsets(a: str, b: str) -> None:
    d = diff(a, b)
    for c in d.changes:
        assert a[c.a_start : c.a_end] == c.a_text
        assert b[c.b_start : c.b_end] == c.b_text
        assert c.a_text != c.b_text
    starts = [c.a_start for c in d.changes]
    assert starts == sorted(starts)
    assert apply_changes(a, d.changes) == b


def test_public_face() -> None:
    assert newsarchive.diff is diff
    assert "diff" in dir(newsarchive)


def test_number_change_offsets() -> None:
    a = "The storm left 7 dead on Monday."
    b = "The storm left 12 dead on Monday."
    (c,) = diff(a, b).changes
    assert (c.op, c.a_start, c.a_end, c.b_start, c.b_end) == ("replace", 15, 16, 15, 17)
    assert (c.a_text, c.b_text, c.kind) == ("7", "12", "substantive")
    assert "number" in c.labels
    assert (c.words_added, c.words_removed) == (1, 1)


def test_offsets_are_code_points_not_bytes_or_utf16() -> None:
    a = "😀 東京 ok"
    b = "😀 東京 okay"
    (c,) = diff(a, b).changes
    assert (c.a_start, c.b_start) == (5, 5)
    assert a[c.a_start : c.a_end] == "ok"


def test_identical() -> None:
    d = diff("Same text.", "Same text.")
    assert d.identical
    assert not d.substantive
    assert d.changes == ()


@pytest.mark.parametrize(
    ("a", "b", "reason"),
    [
        ("a storm hit", "a  storm\thit", "whitespace"),
        ("a storm hit the coast", "a storm\nhit the coast", "line-wrap"),
        ("the café", unicodedata.normalize("NFD", "the café"), "unicode-canonical"),
        ("he said “no”", 'he said "no"', "quote-style"),
        ("it's", "it\u2019s", "quote-style"),
        ("2020 – 2021", "2020 - 2021", "dash-style"),
        ("text", "text\n", "whitespace"),
        ("Å", "\u212b", "unicode-canonical"),  # ANGSTROM SIGN: a canonical singleton
    ],
)
def test_cosmetic_changes_are_listed_and_marked(a: str, b: str, reason: str) -> None:
    d = diff(a, b)
    assert d.changes
    assert not d.substantive
    assert all(c.kind == "cosmetic" for c in d.changes)
    assert reason in {r for c in d.changes for r in c.reasons}
    assert apply_changes(a, d.changes) == b


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("می\u200cخواهم", "میخواهم"),  # a removed ZWNJ changes a Persian word
        ("من میخواهم", "من می\u200dخواهم"),  # an added ZWJ too
        ("ﬁne", "fine"),  # compatibility forms are not canonical equivalents
        ("１２", "12"),
        ("ice cream", "icecream"),  # removing the space joins two words
    ],
)
def test_real_changes_are_not_cosmetic(a: str, b: str) -> None:
    d = diff(a, b)
    assert d.substantive
    _check_offsets(a, b)


def test_text_without_spaces_is_diffed_per_grapheme() -> None:
    a = "東京都は雨が降った。"
    b = "東京都は雪が降った。"
    (c,) = diff(a, b).changes
    assert (c.a_text, c.b_text, c.a_start) == ("雨", "雪", 4)
    thai_a, thai_b = "ข่าววันนี้", "ข่าวเมื่อวาน"
    d = diff(thai_a, thai_b)
    assert d.substantive
    _check_offsets(thai_a, thai_b)


def test_thai_marks_stay_with_their_base() -> None:
    assert tokenize("ข่า") == ["ข่", "า"]


def test_rtl_text() -> None:
    a = "قال الوزير إن 7 أشخاص ماتوا."
    b = "قال الوزير إن 12 شخصا ماتوا."
    d = diff(a, b)
    assert d.substantive
    assert any("number" in c.labels for c in d.changes)
    _check_offsets(a, b)


def test_inserted_sentence_slides_to_read_as_a_sentence() -> None:
    a = "First. Second."
    b = "First. Second. Third one here."
    (c,) = diff(a, b).changes
    assert c.b_text == " Third one here."
    assert "sentence-added" in c.labels


def test_ignore_rules_mark_but_keep_changes() -> None:
    a = "Updated 5 minutes ago\nThe council met.\nShared 120 times"
    b = "Updated 9 minutes ago\nThe council met.\nShared 4,210 times"
    rules = IgnoreRules.from_patterns([r"^Updated \d+ minutes? ago$", r"^Shared [\d,]+ times$"])
    d = diff(a, b, rules=rules)
    assert len(d.changes) == 2
    assert [c.kind for c in d.changes] == ["ignored", "ignored"]
    assert d.changes[0].reasons == (r"ignore-rule:^Updated \d+ minutes? ago$",)
    assert d.changes[1].reasons == (r"ignore-rule:^Shared [\d,]+ times$",)
    assert not d.substantive
    # Without rules the same pair is a substantive change.
    assert diff(a, b).substantive


def test_ignore_rules_do_not_hide_changes_outside_matched_lines() -> None:
    a = "Updated 5 minutes ago\nThe council met."
    b = "Updated 9 minutes ago\nThe council fled."
    d = diff(a, b, rules=IgnoreRules.from_patterns([r"^Updated"]))
    assert [c.kind for c in d.changes] == ["ignored", "substantive"]


def test_ignore_rules_file(tmp_path: Path) -> None:
    path = tmp_path / "rules.txt"
    path.write_text("# noise\n\n^Updated \\d+ minutes ago$\n", encoding="utf-8")
    rules = load_ignore_rules(path)
    assert [p.pattern for p in rules.patterns] == [r"^Updated \d+ minutes ago$"]


def test_bad_ignore_rule_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "rules.txt"
    path.write_text("ok\n(unclosed\n", encoding="utf-8")
    with pytest.raises(DiffError) as info:
        load_ignore_rules(path)
    assert info.value.code == "bad-ignore-rule"
    assert "ignore rule 2" in str(info.value)
    # Named by its line in the file: comments and blank lines count.
    path.write_text("# noise\n\nok\n(unclosed\n", encoding="utf-8")
    with pytest.raises(DiffError, match="ignore rule 4 "):
        load_ignore_rules(path)
    with pytest.raises(DiffError, match="cannot read"):
        load_ignore_rules(tmp_path / "missing.txt")


def _record(content: str, **extra: object) -> dict[str, object]:
    return {
        "id": "a" * 64,
        "content": content,
        "content_digest": "sha256:" + "0" * 64,
        "retrieved_at": "2026-01-01T00:00:00Z",
        "canonical_url": "https://news.example/a",
        "title": "Storm hits coast",
        "tags": ["weather"],
        "record_digest": "sha256:" + "1" * 64,
        **extra,
    }


def test_records_and_metadata() -> None:
    a = _record("Body text.")
    b = _record("Body text.", id="b" * 64, title="Storm kills 12", tags=["weather", "local"])
    d = diff(a, b)
    assert d.changes == ()
    assert [m.field for m in d.metadata] == ["title", "tags"]
    assert d.headline_changed
    assert d.metadata[0].labels == ("headline",)
    assert d.substantive
    assert d.a.id == "a" * 64
    assert d.b.id == "b" * 64


def test_a_title_only_one_capture_recorded_is_listed_but_not_an_edit() -> None:
    d = diff(_record("x", title=None), _record("x", title="Storm hits coast"))
    assert [(m.field, m.a, m.b) for m in d.metadata] == [("title", None, "Storm hits coast")]
    assert not d.headline_changed
    assert not d.substantive
    assert not is_stealth_edit(d)
    d = diff(_record("x", title="Storm hits coast"), _record("x", title="Storm kills 12"))
    assert d.headline_changed
    assert is_stealth_edit(d)


def test_cosmetic_title_change_is_not_a_headline_change() -> None:
    d = diff(_record("x"), _record("x", title="Storm  hits coast"))
    assert d.metadata[0].cosmetic
    assert not d.headline_changed
    assert not d.substantive


def test_record_without_content() -> None:
    rec = _record("x")
    del rec["content"]
    with pytest.raises(DiffError) as info:
        diff(rec, "x")
    assert info.value.code == "no-content"


def test_text_capture_digest() -> None:
    d = diff("abc", "abd")
    assert d.a.content_digest == (
        "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
    assert d.a.id is None


# -- properties ---------------------------------------------------------------------------


@given(text, text)
def test_any_pair_offsets_slice_and_apply(a: str, b: str) -> None:
    _check_offsets(a, b)


@given(diff_tokens(), diff_tokens())
def test_article_like_pairs_offsets_slice_and_apply(pa: list[str], pb: list[str]) -> None:
    _check_offsets("".join(pa), "".join(pb))


@given(st.data(), diff_tokens())
def test_cosmetic_only_pairs_are_never_substantive(data: st.DataObject, pieces: list[str]) -> None:
    a = "".join(pieces)
    b = data.draw(cosmetic_variants(pieces))
    d = diff(a, b)
    assert not d.substantive, [c for c in d.changes if c.substantive]
    assert apply_changes(a, d.changes) == b


@given(st.data(), diff_tokens())
def test_one_word_edit_is_always_found(data: st.DataObject, pieces: list[str]) -> None:
    words = [i for i, p in enumerate(pieces) if p.isalnum()]
    if not words:
        return
    i = data.draw(st.sampled_from(words))
    new = data.draw(diff_words.filter(lambda w: key_of(w) != key_of(pieces[i]) and w.isalnum()))
    old = pieces[i]
    edited = [*pieces[:i], new, *pieces[i + 1 :]]
    a, b = "".join(pieces), "".join(edited)
    d = diff(a, b)
    assert d.substantive
    removed = {key_of(t) for c in d.substantive_changes for t in tokenize(c.a_text)}
    added = {key_of(t) for c in d.substantive_changes for t in tokenize(c.b_text)}
    assert set(map(key_of, tokenize(old))) & removed
    assert set(map(key_of, tokenize(new))) & added
    assert apply_changes(a, d.changes) == b


def test_archived_article_objects() -> None:
    from newsarchive import ArchivedArticle

    def build(content: str, title: str) -> ArchivedArticle:
        return ArchivedArticle.create(
            url="https://news.example/storm",
            content=content,
            title=title,
            retrieved_at="2026-01-01T00:00:00Z",
        )

    a = build("The storm left 7 dead.", "Storm")
    b = build("The storm left 12 dead.", "Storm")
    d = diff(a, b)
    assert d.a.id == a.id
    assert d.a.content_digest == str(a.content_digest)
    assert [c.b_text for c in d.changes] == ["12"]


def test_ignore_rules_match_crlf_lines_without_the_cr() -> None:
    a = "Updated 5 minutes ago\r\nThe council met."
    b = "Updated 9 minutes ago\r\nThe council met."
    d = diff(a, b, rules=IgnoreRules.from_patterns([r"^Updated \d+ minutes ago$"]))
    assert [c.kind for c in d.changes] == ["ignored"]


def test_too_many_distinct_words(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setattr(sys, "maxunicode", 0x100 + 3)
    with pytest.raises(DiffError) as info:
        diff("a b c d e", "f g h i j")
    assert info.value.code == "too-large"


@given(diff_tokens(), diff_tokens(), st.sampled_from(["storm", "dead", "東京都", "خبر"]))
def test_ignore_rules_only_soften_changes_within_matched_lines(
    pa: list[str], pb: list[str], word: str
) -> None:
    a, b = "".join(pa), "".join(pb)
    rules = IgnoreRules.from_patterns([word])
    plain, ruled = diff(a, b), diff(a, b, rules=rules)
    # The same changes, at the same places; only the kind may go substantive -> ignored.
    assert [(c.a_start, c.a_end, c.b_start, c.b_end) for c in plain.changes] == [
        (c.a_start, c.a_end, c.b_start, c.b_end) for c in ruled.changes
    ]
    for p, r in zip(plain.changes, ruled.changes, strict=True):
        assert r.kind == p.kind or (p.kind, r.kind) == ("substantive", "ignored")
        if r.kind == "ignored":
            for text, start, end in ((a, r.a_start, r.a_end), (b, r.b_start, r.b_end)):
                for i in range(start, end):
                    if text[i] == "\n":
                        continue  # the line breaks around a matched line go with it
                    lo = text.rfind("\n", 0, i) + 1
                    hi = text.find("\n", i)
                    assert word in text[lo : len(text) if hi < 0 else hi]
