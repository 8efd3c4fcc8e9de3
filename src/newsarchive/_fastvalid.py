"""The fused validator: the schema check and the semantic pass of a valid record in one function.

`fused_check(schema, clock_skew)` builds, from a record schema (v1 or v2), one
function `check(d, now, derived) -> bool` that answers True only when neither
the schema nor the semantic checker (`_semantic.Checker`) would report anything
for `d`, not even a warning. False means "look closer": `validation` then runs
the exact schema check and the full checker, which say what is wrong. It is
therefore built to be at least as strict as both, never more lenient; where a
rule is awkward to mirror exactly (a fraction of a second near the clock skew
limit, an integer written as a float) it answers False. Differential property
tests hold True to the full layers finding nothing.

Where the time goes, and how it is saved:

- every fixed-format string of the record (id, urls, timestamps, digests,
  media type, retrieval method and agent, tags, each event's type, time, agent
  and outcome) is joined into one string and checked by one `fullmatch`. No
  such pattern can match the separators (LF between fields, U+001E between
  sections, U+001D between events), and the string holds exactly as many of
  each as the joins put there (so a tag "a\nb" cannot pass for two tags): each
  field meets its own pattern, anchored at both ends (Python's `$` before a
  final LF does not arise). The patterns come from the schema itself, stricter
  only where noted; `join` refuses a value that is not a string;
- a timestamp's clock time is checked by the pattern (hours to 23, seconds to
  59) and its date's existence (February 30, year 0) by a cached lookup per
  date;
- times are compared as text (`YYYY-MM-DDTHH:MM:SS` sorts as it reads);
- the hashing is `_derive`'s contract, with orjson writing the RFC 8785 bytes
  of what a schema-valid record holds (ASCII keys, strings, integers, null).
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import unicodedata
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from newsarchive import _derive
from newsarchive.digest import hasher
from newsarchive.errors import InvalidURL
from newsarchive.urls import canonicalize_url, check_url

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

__all__ = ["fused_check"]

# A timestamp as the schema's pattern allows it, with a real month, day of month
# range, hour, minute and second (the day's existence is `_real_date`'s).
_TIMESTAMP = (
    r"[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])"
    r"T(?:[01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](?:\.[0-9]{1,9})?Z"
)
_NOT_DIGESTED = _derive.NOT_DIGESTED
_V2_MEMBERS = frozenset({"authors", "publisher", "description", "language", "image", "modified_at"})


def _inner(pattern: str) -> str:
    """A schema pattern `^...$` as a group to embed (the whole string is fullmatched)."""
    return "(?:" + pattern.removeprefix("^").removesuffix("$") + ")"


def _label(label: dict[str, Any]) -> str:
    """The schema's label (`not` a forbidden character class, length bounds) as a pattern."""
    forbidden = label["not"]["pattern"]
    if not (forbidden.startswith("[") and forbidden.endswith("]")):
        msg = f"the label rule is not a character class: {forbidden!r}"
        raise ValueError(msg)
    return f"[^{forbidden[1:-1]}]{{{label['minLength']},{label['maxLength']}}}"


@lru_cache(maxsize=8192)
def _real_date(day: str) -> bool:
    """Whether `YYYY-MM-DD` names a day of the proleptic Gregorian calendar (year 1 on)."""
    try:
        date.fromisoformat(day)
    except ValueError:
        return False
    return True


def _order(earlier: str, later: str) -> bool:
    """`earlier` <= `later` for two timestamps of the schema's form (`...SS[.fff]Z`)."""
    first, second = earlier[:19], later[:19]
    if first != second:
        return first < second
    return earlier[20:-1].ljust(9, "0") <= later[20:-1].ljust(9, "0")


def _tags_normal(tags: list[str]) -> bool:
    """Trimmed, NFC, and no two equal ignoring case: the tag rule of `_derive`."""
    for tag in tags:
        if tag != tag.strip() or not (tag.isascii() or unicodedata.is_normalized("NFC", tag)):
            return False
    return len({tag.casefold() for tag in tags}) == len(tags)


def _author_normal(name: str) -> bool:
    """`name` is as `_derive.normalize_author` leaves it (and not blank)."""
    return (
        bool(name)
        and " ".join(name.split()) == name
        and (name.isascii() or unicodedata.is_normalized("NFC", name))
    )


def _hexdigest(algorithm: str, data: bytes) -> str:
    if algorithm == "sha256":
        return hashlib.sha256(data).hexdigest()  # the common case, without the name lookup
    other = hasher(algorithm)
    other.update(data)
    return other.hexdigest()


def _derived_fields(d: dict[str, Any], retrieved: str) -> bool:
    """Content length and digest, id and record digest (the checks `derived` asks for)."""
    algorithm, _, declared_hex = d["content_digest"].partition(":")
    content = d.get("content")
    if content is None:
        sha256 = declared_hex if algorithm == "sha256" else None
    else:
        try:
            encoded = content.encode("utf-8")
        except UnicodeEncodeError:
            return False
        if d["content_length"] != len(encoded):
            return False
        sha256 = hashlib.sha256(encoded).hexdigest()
        actual = sha256 if algorithm == "sha256" else _hexdigest(algorithm, encoded)
        if not hmac.compare_digest(actual, declared_hex):
            return False
    if sha256 is not None:
        fraction = retrieved[20:-1].rstrip("0")
        instant = f"{retrieved[:19]}.{fraction}Z" if fraction else f"{retrieved[:19]}Z"
        try:
            key = orjson.dumps([_derive.ID_TAG, d["url"], f"sha256:{sha256}", instant])
        except orjson.JSONEncodeError:
            return False
        if hashlib.sha256(key).hexdigest() != d["id"]:
            return False
    record_algorithm, _, record_hex = d["record_digest"].partition(":")
    # `_derive.record_digest_bytes(d, schema_valid=True)` without its type checks, which
    # the caller has made (every integer an int): orjson writes the RFC 8785 bytes.
    # A copy less the members not digested (`_NOT_DIGESTED`; `record_digest` is
    # required): `dict.copy` clones the table whole, a fifth of the time of picking
    # the members one by one.
    body = d.copy()
    del body["record_digest"]
    if "content" in body:
        del body["content"]
    try:
        data = orjson.dumps(body, option=orjson.OPT_SORT_KEYS)
    except orjson.JSONEncodeError:
        return False  # a lone surrogate: the full checker says where
    return hmac.compare_digest(_hexdigest(record_algorithm, data), record_hex)


def fused_check(
    schema: dict[str, Any], clock_skew: timedelta
) -> Callable[[Any, datetime, bool], bool]:
    """The fused check for records of `schema`'s format version (see the module docstring)."""
    if frozenset({"record_digest", "content"}) != _NOT_DIGESTED:
        msg = "the record digest is expected to leave out record_digest and content only"
        raise ValueError(msg)
    defs, props = schema["$defs"], schema["properties"]
    version = props["schema_version"]["const"]
    v2 = "http_facts" in defs
    required, allowed = frozenset(schema["required"]), frozenset(props)
    retrieval = props["retrieval"]
    retrieval_required = frozenset(retrieval["required"])
    retrieval_allowed = frozenset(retrieval["properties"])
    event = props["provenance"]["items"]
    event_required, event_allowed = frozenset(event["required"]), frozenset(event["properties"])
    outcomes = "|".join(map(re.escape, event["properties"]["outcome"]["enum"]))
    url_max = defs["http_url"]["maxLength"]
    media_max = props["media_type"]["maxLength"]
    length_min = props["content_length"]["minimum"]
    length_max = props["content_length"]["maximum"]
    label, url = _label(defs["label"]), _inner(defs["http_url"]["pattern"])
    digest = _inner(defs["digest"]["pattern"])
    if defs["text"]["not"]["pattern"] != "\\u0000" or props["title"]["not"]["pattern"] != "\\u0000":
        msg = "text is expected to forbid NUL only"
        raise ValueError(msg)
    each_event = (
        f"{_inner(event['properties']['type']['pattern'])}\n{_TIMESTAMP}\n{label}\n(?:{outcomes})"
    )
    joined = re.compile(
        f"{_inner(props['id']['pattern'])}\n{url}\n{url}\n{_TIMESTAMP}\n{digest}\n{digest}"
        f"\n{_inner(props['media_type']['pattern'])}"
        f"\n{_inner(retrieval['properties']['method']['pattern'])}\n{label}"
        f"\x1e(?:{label}(?:\n{label})*)?"
        f"\x1e(?:{each_event}(?:\x1d{each_event})*)?"
    )
    one_url = re.compile(url)
    one_label = re.compile(label)
    one_timestamp = re.compile(_TIMESTAMP)
    one_digest = re.compile(digest)
    skew = clock_skew.total_seconds()
    # (POSIX second, as text): the latest retrieval allowed, for the last `now` seen.
    # One tuple, read once, so threads with different clocks never mix two of them.
    latest: list[tuple[int, str]] = [(-1, "")]

    def latest_second(now: datetime) -> str:
        # Whole seconds only, a second short of the limit: a retrieval within a second
        # of it takes the full path. Cached per second: `now` is new on every call.
        second = math.floor(now.timestamp() + skew) - 1
        cached = latest[0]
        if cached[0] != second:
            cached = (second, datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S"))
            latest[0] = cached
        return cached[1]

    def a_url(value: Any) -> bool:
        if type(value) is not str or len(value) > url_max or one_url.fullmatch(value) is None:
            return False
        try:
            check_url(value)
        except InvalidURL:
            return False
        return True

    def a_time(value: Any) -> bool:
        return (
            type(value) is str
            and one_timestamp.fullmatch(value) is not None
            and _real_date(value[:10])
        )

    def text(value: Any) -> bool:
        return type(value) is str and "\x00" not in value

    check_v2 = _v2_check(defs, props, a_url, a_time, text, one_label) if v2 else None

    def check(d: Any, now: datetime, derived: bool) -> bool:
        """True when neither the schema nor the checker would report anything for `d`."""
        if type(d) is not dict or not (required <= d.keys() <= allowed):
            return False
        try:
            return checked(d, now, derived)
        except (TypeError, AttributeError):  # a value of another type than the schema's
            return False

    def checked(d: dict[str, Any], now: datetime, derived: bool) -> bool:
        r, tags, events = d["retrieval"], d["tags"], d["provenance"]
        if type(r) is not dict or not (retrieval_required <= r.keys() <= retrieval_allowed):
            return False
        if type(tags) is not list or type(events) is not list:
            return False
        ats: list[str] = []
        parts: list[str] = []
        for e in events:
            if type(e) is not dict or not (event_required <= e.keys() <= event_allowed):
                return False
            at = e["at"]
            parts.append("\n".join((e["type"], at, e["agent"], e["outcome"])))
            ats.append(at)
            if "detail" in e and not text(e["detail"]):
                return False
            if "source_digest" in e:
                source = e["source_digest"]
                if type(source) is not str or one_digest.fullmatch(source) is None:
                    return False
        url, canonical, retrieved, media = (
            d["url"],
            d["canonical_url"],
            d["retrieved_at"],
            d["media_type"],
        )
        # `join`, never an f-string: a value that is not a string must raise, not be formatted
        fixed = (d["id"], url, canonical, retrieved, d["content_digest"], d["record_digest"])
        whole = "\x1e".join(
            (
                "\n".join((*fixed, media, r["method"], r["agent"])),
                "\n".join(tags),
                "\x1d".join(parts),
            )
        )
        # One separator inside a value would pass for a separator between two values of
        # a list (a tag "a\nb" as two tags): the separators counted are exactly the joins.
        if (
            whole.count("\n") != 8 + max(len(tags) - 1, 0) + 3 * len(parts)
            or whole.count("\x1d") != max(len(parts) - 1, 0)
            or whole.count("\x1e") != 2  # three sections
            or "" in tags  # one empty tag would read as no tags at all
            or joined.fullmatch(whole) is None
        ):
            return False
        version_value, length, title, notes = (
            d["schema_version"],
            d["content_length"],
            d["title"],
            r["notes"],
        )
        if not (
            type(version_value) is int
            and version_value == version
            and type(length) is int
            and length_min <= length <= length_max
            and len(url) <= url_max
            and len(canonical) <= url_max
            and len(media) <= media_max
            and (title is None or text(title))
            and ("content" not in d or text(d["content"]))
            and type(notes) is list
            and all(map(text, notes))
            and ("via" not in r or a_url(r["via"]))
        ):
            return False
        # -- the semantic rules --
        try:
            if derived:
                if canonicalize_url(url) != canonical:
                    return False
            else:
                check_url(url)
        except InvalidURL:
            return False
        if not (_real_date(retrieved[:10]) and retrieved[:19] <= latest_second(now)):
            return False
        if "published_at" in d:
            published = d["published_at"]
            if not (a_time(published) and _order(published, retrieved)):
                return False
        for at in ats:
            if not _real_date(at[:10]):
                return False
        if not _tags_normal(tags):
            return False
        if check_v2 is not None and not check_v2(d, r, retrieved):
            return False
        if derived:
            return _derived_fields(d, retrieved)
        try:  # the checker looks for lone surrogates everywhere; orjson refuses them
            orjson.dumps(d)
        except orjson.JSONEncodeError:
            return False
        return True

    return check


def _v2_check(
    defs: dict[str, Any],
    props: dict[str, Any],
    a_url: Callable[[Any], bool],
    a_time: Callable[[Any], bool],
    text: Callable[[Any], bool],
    one_label: re.Pattern[str],
) -> Callable[[Mapping[str, Any], Mapping[str, Any], str], bool]:
    """The rules of format v2's members (schema and `_semantic_v2`), for `fused_check`."""
    http = defs["http_facts"]
    hp = http["properties"]
    http_required, http_allowed = frozenset(http["required"]), frozenset(hp)
    status_min, status_max = defs["http_status"]["minimum"], defs["http_status"]["maximum"]
    hop = hp["redirects"]["items"]
    hop_keys = frozenset(hop["required"])
    if frozenset(hop["properties"]) != hop_keys:
        msg = "a redirect is expected to have its required members only"
        raise ValueError(msg)
    hop_min, hop_max = (
        hop["properties"]["status"]["minimum"],
        hop["properties"]["status"]["maximum"],
    )
    headers_allowed = frozenset(hp["headers"]["properties"])
    version_pattern = re.compile(_inner(hp["http_version"]["pattern"]))
    tls_pattern = re.compile(_inner(hp["tls_sha256"]["pattern"]))
    language = props["language"]
    language_max, language_pattern = language["maxLength"], re.compile(_inner(language["pattern"]))

    def a_label(value: Any) -> bool:
        return type(value) is str and one_label.fullmatch(value) is not None

    def facts(h: Any) -> bool:
        if type(h) is not dict or not (http_required <= h.keys() <= http_allowed):
            return False
        status, final = h["status"], h["final_url"]
        if not (type(status) is int and status_min <= status <= status_max and a_url(final)):
            return False
        if "http_version" in h:
            value = h["http_version"]
            if type(value) is not str or version_pattern.fullmatch(value) is None:
                return False
        if "tls_sha256" in h:
            value = h["tls_sha256"]
            if type(value) is not str or tls_pattern.fullmatch(value) is None:
                return False
            if not final.lower().startswith("https:"):
                return False
        if "headers" in h:
            headers = h["headers"]
            if type(headers) is not dict or not headers.keys() <= headers_allowed:
                return False
            if not all(map(a_label, headers.values())):
                return False
        for hop_value in h.get("redirects", ()):
            if type(hop_value) is not dict or hop_value.keys() != hop_keys:
                return False
            hop_status = hop_value["status"]
            if not (type(hop_status) is int and hop_min <= hop_status <= hop_max):
                return False
            if not a_url(hop_value["url"]):
                return False
        return type(h.get("redirects", [])) is list

    def check_v2(d: Mapping[str, Any], r: Mapping[str, Any], retrieved: str) -> bool:
        if "http" in r and not facts(r["http"]):
            return False
        if _V2_MEMBERS.isdisjoint(d.keys()):
            return True
        if "authors" in d:
            authors = d["authors"]
            if type(authors) is not list or not all(
                a_label(name) and _author_normal(name) for name in authors
            ):
                return False
        if "publisher" in d and not a_label(d["publisher"]):
            return False
        if "description" in d and not text(d["description"]):
            return False
        if "language" in d:
            tag = d["language"]
            if type(tag) is not str or len(tag) > language_max:
                return False
            if language_pattern.fullmatch(tag) is None:
                return False
        if "image" in d and not a_url(d["image"]):
            return False
        if "modified_at" in d:
            modified = d["modified_at"]
            if not (a_time(modified) and _order(modified, retrieved)):
                return False
            if "published_at" in d and not _order(d["published_at"], modified):
                return False
        return True

    return check_v2
