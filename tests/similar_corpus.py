"""Generated articles and the copies a copy network makes of them, as records for a store.

Deterministic (seeded): originals of a few paragraphs drawn from a shared
vocabulary, copies that keep half of the original or more (paragraphs dropped,
reordered, a new headline, boilerplate, light rewording), and unrelated
articles on the same vocabulary that must not match.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from newsarchive import ArchivedArticle

VOCAB: Final = [f"{a}{b}" for a in ("ka", "lo", "mi", "nu", "pe", "ro", "si") for b in range(400)]
START: Final = datetime(2025, 1, 6, 9, 0, tzinfo=UTC)
BOILERPLATE: Final = "Read more on our channel. Subscribe to the daily newsletter for updates."


def paragraphs(rng: random.Random, count: int = 8, words: int = 40) -> list[str]:
    return [" ".join(rng.choices(VOCAB, k=words)) + "." for _ in range(count)]


def reword(rng: random.Random, text: str, share: float) -> str:
    """Replace about `share` of the words by others (a light rewording)."""
    return " ".join(rng.choice(VOCAB) if rng.random() < share else w for w in text.split())


def copy_of(rng: random.Random, original: list[str], how: str) -> tuple[list[str], float]:
    """A copy of `original` made `how`; with the share of the original's words it keeps."""
    n = len(original)
    if how == "verbatim":
        return list(original), 1.0
    if how == "half":  # the first half of the paragraphs
        return original[: n // 2], 0.5
    if how == "half-reordered":
        kept = original[: n // 2 + 1]
        rng.shuffle(kept)
        return kept, (n // 2 + 1) / n
    if how == "headline-boilerplate":
        kept = [p for i, p in enumerate(original) if i % 3 != 1]
        return ["A new headline for the same story.", *kept, BOILERPLATE], len(kept) / n
    if how == "reworded":
        return [reword(rng, p, 0.05) for p in original[: n - 2]], 0.95 * (n - 2) / n
    raise ValueError(how)


COPY_KINDS: Final = ("verbatim", "half", "half-reordered", "headline-boilerplate", "reworded")


def record(
    url: str,
    text: str,
    at: datetime,
    *,
    published: datetime | None = None,
) -> dict[str, Any]:
    return ArchivedArticle.create(
        url=url, content=text, retrieved_at=at, published_at=published
    ).to_dict()


def network(originals: int, seed: int = 15) -> tuple[list[dict[str, Any]], dict[str, set[str]]]:
    """Records of `originals` stories from state.example, each copied by mirror sites
    (a few minutes to hours later), plus unrelated articles; and, for each original's
    id, the ids of its copies (the ground truth)."""
    rng = random.Random(seed)
    records: list[dict[str, Any]] = []
    truth: dict[str, set[str]] = {}
    for i in range(originals):
        story = paragraphs(rng)
        at = START + timedelta(hours=i)
        origin = record(f"https://state.example/news/{i}", "\n\n".join(story), at, published=at)
        records.append(origin)
        truth[origin["id"]] = set()
        for k, how in enumerate(COPY_KINDS):
            copy, _ = copy_of(rng, story, how)
            late = at + timedelta(minutes=7 * (k + 1))
            published = late if k % 2 else None  # some copies state no publication time
            made = record(
                f"https://mirror-{k}.example/{i}", "\n\n".join(copy), late, published=published
            )
            records.append(made)
            truth[origin["id"]].add(made["id"])
        unrelated = record(
            f"https://other.example/{i}", "\n\n".join(paragraphs(rng)), at + timedelta(minutes=1)
        )
        records.append(unrelated)
    return records, truth
