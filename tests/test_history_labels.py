"""What kind of change: labels on substantive changes (history._labels)."""

from __future__ import annotations

import pytest

from newsarchive.history import diff


def _labels(a: str, b: str) -> list[tuple[str, ...]]:
    return [c.labels for c in diff(a, b).changes if c.substantive]


def test_number() -> None:
    assert _labels("The storm left 7 dead.", "The storm left 12 dead.") == [("number",)]


def test_byline() -> None:
    a = "Storm hits\nBy Jane Doe\nThe storm hit the coast."
    b = "Storm hits\nBy Jane Doe and Max Roe\nThe storm hit the coast."
    assert _labels(a, b) == [("byline",)]
    assert diff(a, b).byline_changed


def test_quotation() -> None:
    a = "“We will rebuild,” the mayor said."
    b = "“We will rebuild quickly,” the mayor said."
    assert _labels(a, b) == [("quotation",)]


def test_quotation_added() -> None:
    a = "The mayor spoke."
    b = "The mayor spoke. «Nous reconstruirons», a-t-il dit."
    (labels,) = _labels(a, b)
    assert "quotation" in labels
    assert "sentence-added" in labels


def test_sentence_added_and_removed() -> None:
    a = "One fact here. Two facts here."
    b = "One fact here. A new fact appears. Two facts here."
    assert _labels(a, b) == [("sentence-added",)]
    assert _labels(b, a) == [("sentence-removed",)]


def test_sentence_rewritten() -> None:
    a = "Police said the driver fled the scene quickly."
    b = "Police said a passenger was arrested at the scene quickly."
    (labels,) = _labels(a, b)
    assert labels == ("sentence-rewritten",)


def test_small_wording_change() -> None:
    a = "Police said the driver fled the scene on foot after the crash."
    b = "Police said the driver left the scene on foot after the crash."
    assert _labels(a, b) == [("wording",)]


@pytest.mark.parametrize(
    "notice",
    [
        "Correction: An earlier version of this article misstated the toll.",
        "Update: The toll has risen.",
        "This article has been updated with new figures.",
        "Editor\u2019s note: names were changed.",
        "Korrektur: In einer früheren Fassung stand 7.",
        "更正：死者数を訂正しました。",
    ],
)
def test_correction_notice(notice: str) -> None:
    a = "The storm left 7 dead."
    b = f"The storm left 7 dead.\n\n{notice}"
    (labels,) = _labels(a, b)
    assert "correction-notice" in labels


def test_ordinary_update_word_is_not_a_notice() -> None:
    a = "The council will vote on the plan."
    b = "The council will vote on the update of the plan."
    assert all("correction-notice" not in labels for labels in _labels(a, b))


def test_cosmetic_and_ignored_changes_have_no_labels() -> None:
    d = diff("a  b", "a b")
    assert [c.labels for c in d.changes] == [()]


def test_sentence_starting_like_its_neighbour_is_reported_whole() -> None:
    a = "Police said so.\n\nPolice left the scene."
    b = "Police said so.\n\nPolice arrived at noon.\n\nPolice left the scene."
    (c,) = diff(a, b).changes
    assert c.b_text in {"Police arrived at noon.\n\n", "\n\nPolice arrived at noon."}
    assert "sentence-added" in c.labels


def test_sentences_in_scripts_without_spaces() -> None:
    a = "政府发布了通知。市民表示担忧。"
    b = "政府发布了通知。专家发出警告。市民表示担忧。"
    (c,) = diff(a, b).changes
    assert c.b_text == "专家发出警告。"
    assert "sentence-added" in c.labels


def test_a_paragraph_starting_with_by_deep_in_the_body_is_not_a_byline() -> None:
    body = "\n\n".join(f"Paragraph {n} says something." for n in range(12))
    a = f"{body}\n\nBy the end of the day, 7 roads were closed.\n\nMore text.\n\nEnd.\n\nFin."
    b = a.replace("7 roads", "9 roads")
    (labels,) = _labels(a, b)
    assert "byline" not in labels
    assert "number" in labels
