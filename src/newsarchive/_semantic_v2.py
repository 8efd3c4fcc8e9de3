"""The semantic rules of record format v2's own fields, for `_semantic.Checker`.

They take the checker as `V2Checks`, the part of it they use, so this module
does not import `_semantic` back (which calls `check_v2_fields`).

- `authors`: each name as the author rule of `_derive` leaves it (trimmed,
  whitespace runs one space, NFC), none blank;
- `image`, `retrieval.http.final_url` and each redirect's `url`: the url rules;
- `modified_at`: a real instant; a warning when it lies after `retrieved_at`
  (the copy cannot show a later edit) or before `published_at`;
- `retrieval.http`: statuses written as integers (`200`, not `200.0`: the
  record digest is computed over RFC 8785 bytes, which have no `200.0`), and
  `tls_sha256` only when the final URL is https.

`language` needs no rule here: its schema pattern is RFC 5646's well-formedness
grammar entire (the final line feed Python's `$` lets through is refused with
the other patterned fields).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final, Protocol

from newsarchive._derive import normalize_author

if TYPE_CHECKING:
    from collections.abc import Mapping

    from newsarchive.timestamps import Timestamp

__all__ = ["V2Checks", "check_v2_fields"]


class V2Checks(Protocol):
    """What the v2 rules use of `_semantic.Checker`: the data, two field checks, findings."""

    @property
    def data(self) -> Mapping[str, Any]: ...

    def add(self, pointer: str, code: str, message: str, severity: str = "error") -> None: ...

    def url(self, pointer: str, value: Any) -> str | None: ...

    def timestamp(self, pointer: str, value: Any) -> Timestamp | None: ...


#: What the schema's label rule forbids: a name holding one is the schema's to report.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def check_v2_fields(
    checker: V2Checks, retrieved: Timestamp | None, published: Timestamp | None
) -> None:
    """Add the findings of the v2 rules above to `checker`."""
    d = checker.data
    if "image" in d:
        checker.url("/image", d["image"])
    _authors(checker, d.get("authors"))
    modified = checker.timestamp("/modified_at", d.get("modified_at"))
    if modified is not None and retrieved is not None and modified > retrieved:
        checker.add(
            "/modified_at",
            "modified-after-retrieved",
            f"modified_at {modified} is after retrieved_at {retrieved}",
            "warning",
        )
    if modified is not None and published is not None and modified < published:
        checker.add(
            "/modified_at",
            "modified-before-published",
            f"modified_at {modified} is before published_at {published}",
            "warning",
        )
    retrieval = d.get("retrieval")
    if isinstance(retrieval, dict) and isinstance(retrieval.get("http"), dict):
        _http(checker, retrieval["http"])


def _authors(checker: V2Checks, authors: Any) -> None:
    if not isinstance(authors, list):
        return
    for i, name in enumerate(authors):
        if not isinstance(name, str) or _CONTROL.search(name):
            continue
        normal = normalize_author(name)
        if not normal:
            checker.add(f"/authors/{i}", "author-not-normalized", "author name is blank")
        elif name != normal:
            checker.add(
                f"/authors/{i}",
                "author-not-normalized",
                f"author name {name!r} should be written {normal!r} "
                "(trimmed, one space between words, NFC)",
            )


def _http(checker: V2Checks, http: dict[str, Any]) -> None:
    base = "/retrieval/http"
    final = checker.url(f"{base}/final_url", http.get("final_url"))
    _status(checker, f"{base}/status", http.get("status"))
    redirects = http.get("redirects")
    if isinstance(redirects, list):
        for i, hop in enumerate(redirects):
            if isinstance(hop, dict):
                checker.url(f"{base}/redirects/{i}/url", hop.get("url"))
                _status(checker, f"{base}/redirects/{i}/status", hop.get("status"))
    tls = http.get("tls_sha256")
    if tls is not None and final is not None and not final.lower().startswith("https:"):
        checker.add(
            f"{base}/tls_sha256",
            "tls-without-https",
            "tls_sha256 is given but the final URL is not https",
        )


def _status(checker: V2Checks, pointer: str, value: Any) -> None:
    if type(value) is float and value.is_integer():
        checker.add(pointer, "bad-value", f"status {value!r} should be written as an integer")
