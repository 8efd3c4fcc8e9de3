"""A fast yes/no answer to "does the record schema accept this value?".

`jsonschema` stays the reference and the source of every error report; this
module only answers the common case (a valid record) without it, about twenty
times faster. It reads its patterns, lengths and vocabularies from the schema
itself, so the two cannot drift apart, and a differential test holds its
verdict equal to `jsonschema`'s on valid records and on mutations of them.
The semantics it mirrors are jsonschema's: `re.search` for patterns, code
points for lengths, `1.0` counts as an integer, `True` does not.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable

__all__ = ["FastSchema"]


def _search(pattern: str) -> Callable[[str], bool]:
    """`re.search(pattern, s) is not None` as a function, for one escaped character a scan.

    The schema forbids NUL in text as the pattern `\\u0000`; a substring test
    finds it with memchr, about thirty times faster than the regex engine over
    a 5 KB article.
    """
    if re.fullmatch(r"\\u[0-9A-Fa-f]{4}", pattern):
        char = chr(int(pattern.removeprefix("\\u"), base=16))
        return lambda s: char in s
    compiled = re.compile(pattern)
    return lambda s: compiled.search(s) is not None


def _is_integer(value: Any) -> bool:
    if type(value) is int:
        return True
    return type(value) is float and value.is_integer()


class FastSchema:
    """Compiled checks for a record schema (v1 or v2); `accepts(v)` is True iff the schema is."""

    def __init__(self, schema: dict[str, Any]) -> None:
        defs = schema["$defs"]
        props = schema["properties"]
        self.version: Final = props["schema_version"]["const"]
        self.v2: Final = "http_facts" in defs
        self.required: Final = frozenset(schema["required"])
        self.allowed: Final = frozenset(props)
        self.id_pattern = re.compile(props["id"]["pattern"])
        self.url_max = defs["http_url"]["maxLength"]
        self.url_pattern = re.compile(defs["http_url"]["pattern"])
        self.timestamp_pattern = re.compile(defs["timestamp"]["pattern"])
        self.digest_pattern = re.compile(defs["digest"]["pattern"])
        self.text_forbidden = _search(defs["text"]["not"]["pattern"])
        self.title_forbidden = _search(props["title"]["not"]["pattern"])
        label = defs["label"]
        self.label_min, self.label_max = label["minLength"], label["maxLength"]
        self.label_forbidden = re.compile(label["not"]["pattern"])
        media = props["media_type"]
        self.media_max, self.media_pattern = media["maxLength"], re.compile(media["pattern"])
        self.length_min = props["content_length"]["minimum"]
        self.length_max = props["content_length"]["maximum"]
        retrieval = props["retrieval"]
        self.retrieval_required = frozenset(retrieval["required"])
        self.retrieval_allowed = frozenset(retrieval["properties"])
        self.method_pattern = re.compile(retrieval["properties"]["method"]["pattern"])
        event = props["provenance"]["items"]
        self.event_required = frozenset(event["required"])
        self.event_allowed = frozenset(event["properties"])
        self.event_type_pattern = re.compile(event["properties"]["type"]["pattern"])
        self.outcomes = frozenset(event["properties"]["outcome"]["enum"])
        if self.v2:
            self._init_v2(defs, props)

    def _init_v2(self, defs: dict[str, Any], props: dict[str, Any]) -> None:
        language = props["language"]
        self.language_max = language["maxLength"]
        self.language_pattern = re.compile(language["pattern"])
        http = defs["http_facts"]
        self.http_required = frozenset(http["required"])
        self.http_allowed = frozenset(http["properties"])
        self.status_min = defs["http_status"]["minimum"]
        self.status_max = defs["http_status"]["maximum"]
        hp = http["properties"]
        self.http_version_pattern = re.compile(hp["http_version"]["pattern"])
        self.tls_pattern = re.compile(hp["tls_sha256"]["pattern"])
        hop = hp["redirects"]["items"]
        self.hop_required = frozenset(hop["required"])
        self.hop_allowed = frozenset(hop["properties"])
        self.hop_min = hop["properties"]["status"]["minimum"]
        self.hop_max = hop["properties"]["status"]["maximum"]
        self.headers_allowed = frozenset(hp["headers"]["properties"])

    def _text(self, v: Any) -> bool:
        return type(v) is str and not self.text_forbidden(v)

    def _label(self, v: Any) -> bool:
        return (
            type(v) is str
            and self.label_min <= len(v) <= self.label_max
            and self.label_forbidden.search(v) is None
        )

    def _url(self, v: Any) -> bool:
        return type(v) is str and len(v) <= self.url_max and self.url_pattern.search(v) is not None

    def _timestamp(self, v: Any) -> bool:
        return type(v) is str and self.timestamp_pattern.search(v) is not None

    def _digest(self, v: Any) -> bool:
        return type(v) is str and self.digest_pattern.search(v) is not None

    def _retrieval(self, v: Any) -> bool:
        if type(v) is not dict:
            return False
        keys = v.keys()
        if not (self.retrieval_required <= keys <= self.retrieval_allowed):
            return False
        notes = v["notes"]
        return (
            type(v["method"]) is str
            and self.method_pattern.search(v["method"]) is not None
            and self._label(v["agent"])
            and ("via" not in v or self._url(v["via"]))
            and type(notes) is list
            and all(self._text(n) for n in notes)
            and ("http" not in v or self._http(v["http"]))
        )

    # -- format v2 --------------------------------------------------------------------

    def _status(self, v: Any, low: int, high: int) -> bool:
        return _is_integer(v) and low <= v <= high

    def _hop(self, v: Any) -> bool:
        return (
            type(v) is dict
            and self.hop_required <= v.keys() <= self.hop_allowed
            and self._url(v["url"])
            and self._status(v["status"], self.hop_min, self.hop_max)
        )

    def _headers(self, v: Any) -> bool:
        return (
            type(v) is dict
            and v.keys() <= self.headers_allowed
            and all(self._label(value) for value in v.values())
        )

    def _http(self, v: Any) -> bool:
        if type(v) is not dict or not (self.http_required <= v.keys() <= self.http_allowed):
            return False
        version, redirects, tls = v.get("http_version"), v.get("redirects"), v.get("tls_sha256")
        return (
            self._url(v["final_url"])
            and self._status(v["status"], self.status_min, self.status_max)
            and (
                "http_version" not in v
                or (type(version) is str and self.http_version_pattern.search(version) is not None)
            )
            and (
                "redirects" not in v or (type(redirects) is list and all(map(self._hop, redirects)))
            )
            and ("headers" not in v or self._headers(v["headers"]))
            and (
                "tls_sha256" not in v
                or (type(tls) is str and self.tls_pattern.search(tls) is not None)
            )
        )

    def _v2_fields(self, d: dict[str, Any]) -> bool:
        """The optional fields format v2 adds at the top level."""
        authors, language = d.get("authors"), d.get("language")
        return (
            ("authors" not in d or (type(authors) is list and all(map(self._label, authors))))
            and ("publisher" not in d or self._label(d["publisher"]))
            and ("description" not in d or self._text(d["description"]))
            and (
                "language" not in d
                or (
                    type(language) is str
                    and len(language) <= self.language_max
                    and self.language_pattern.search(language) is not None
                )
            )
            and ("image" not in d or self._url(d["image"]))
            and ("modified_at" not in d or self._timestamp(d["modified_at"]))
        )

    def _event(self, v: Any) -> bool:
        if type(v) is not dict:
            return False
        keys = v.keys()
        if not (self.event_required <= keys <= self.event_allowed):
            return False
        kind, outcome = v["type"], v["outcome"]
        return (
            type(kind) is str
            and self.event_type_pattern.search(kind) is not None
            and self._timestamp(v["at"])
            and self._label(v["agent"])
            and type(outcome) is str
            and outcome in self.outcomes
            and ("detail" not in v or self._text(v["detail"]))
            and ("source_digest" not in v or self._digest(v["source_digest"]))
        )

    def accepts(self, d: Any) -> bool:
        """True exactly when the record schema reports no error for `d`."""
        if type(d) is not dict:
            return False
        keys = d.keys()
        if not (self.required <= keys <= self.allowed):
            return False
        version, record_id, title = d["schema_version"], d["id"], d["title"]
        media, length = d["media_type"], d["content_length"]
        tags, events = d["tags"], d["provenance"]
        return (
            type(version) in (int, float)
            and version == self.version
            and type(record_id) is str
            and self.id_pattern.search(record_id) is not None
            and self._url(d["url"])
            and self._url(d["canonical_url"])
            and (title is None or (type(title) is str and not self.title_forbidden(title)))
            and self._timestamp(d["retrieved_at"])
            and ("published_at" not in d or self._timestamp(d["published_at"]))
            and self._retrieval(d["retrieval"])
            and type(tags) is list
            and all(self._label(t) for t in tags)
            and type(media) is str
            and len(media) <= self.media_max
            and self.media_pattern.search(media) is not None
            and _is_integer(length)
            and self.length_min <= length <= self.length_max
            and self._digest(d["content_digest"])
            and ("content" not in d or self._text(d["content"]))
            and type(events) is list
            and all(self._event(e) for e in events)
            and self._digest(d["record_digest"])
            and (not self.v2 or self._v2_fields(d))
        )
