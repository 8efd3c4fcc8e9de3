"""What `similar` shows: same-page captures apart from copies, exact Jaccard for the top."""

from __future__ import annotations

from newsarchive.similarity import (
    Match,
    SimilarArticle,
    exact_jaccard,
    shingle_hashes,
    similar_result,
)

_STORY = "the harbour council approved the new ferry timetable on monday evening after a vote"
TEXTS = {
    "q": _STORY,
    "recapture": _STORY,
    "copy1": "the harbour council approved the new ferry timetable on monday evening",
    "copy2": "breaking the harbour council approved the new ferry timetable on monday",
    "copy3": "council approved the new ferry timetable on monday evening after a long vote",
}
URLS = {
    "q": "https://state.example/a",
    "recapture": "https://state.example/a",
    "copy1": "https://mirror-1.example/x",
    "copy2": "https://mirror-2.example/y",
    "copy3": "https://mirror-3.example/z",
}
MATCHES = [
    Match("recapture", 1.0),
    Match("copy1", 0.8),
    Match("copy2", 0.6),
    Match("copy3", 0.5),
]


def _exact(a: str, b: str) -> float:
    return exact_jaccard(shingle_hashes(TEXTS[a]), shingle_hashes(TEXTS[b]))


def test_captures_of_the_same_url_are_apart_and_the_top_get_exact_values() -> None:
    result = similar_result(
        TEXTS["q"],
        URLS["q"],
        MATCHES,
        url_of=URLS.__getitem__,
        text_of=TEXTS.__getitem__,
        exact_top=2,
    )
    assert result.same_url == (SimilarArticle("recapture", "https://state.example/a", 1.0, 1.0),)
    assert [(a.key, a.estimate) for a in result.copies] == [
        ("copy1", 0.8),
        ("copy2", 0.6),
        ("copy3", 0.5),
    ]
    assert [a.exact for a in result.copies] == [_exact("q", "copy1"), _exact("q", "copy2"), None]


def test_a_query_by_file_has_no_url_so_everything_is_a_copy() -> None:
    looked_up: list[str] = []

    def text_of(key: str) -> str:
        looked_up.append(key)
        return TEXTS[key]

    result = similar_result(
        TEXTS["q"], None, MATCHES, url_of=URLS.__getitem__, text_of=text_of, exact_top=1
    )
    assert result.same_url == ()
    assert [a.key for a in result.copies] == ["recapture", "copy1", "copy2", "copy3"]
    assert looked_up == ["recapture"]  # texts are read only for the exact values shown


def test_texts_that_cannot_be_read_have_no_exact_value() -> None:
    unreadable = {"copy1"}
    result = similar_result(
        TEXTS["q"],
        URLS["q"],
        MATCHES,
        url_of=URLS.__getitem__,
        text_of=lambda key: None if key in unreadable else TEXTS[key],
    )
    assert [a.exact is None for a in result.copies] == [True, False, False]
    unknown = similar_result(TEXTS["q"], None, MATCHES, url_of=URLS.__getitem__, text_of=None)
    assert [a.exact for a in unknown.copies] == [None] * 4
