"""Our own WARC exports read back: recognizing our metadata records and rebuilding a record.

A newsarchive export writes each article as a `resource` record (the content) and a
`metadata` record (the record without its content, `RECORD_CONTENT_TYPE`). Pairing them
up across the file is the driver's (`_read`); rebuilding one pair into the very record
exported, or refusing it, is done here.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Final

from newsarchive import _json
from newsarchive.errors import JSONError, error_summary
from newsarchive.record import ArchivedArticle
from newsarchive.validation import validate
from newsarchive.warc import _frame
from newsarchive.warc._httpbody import Refused
from newsarchive.warc._write import RECORD_CONTENT_TYPE, uri_form

if TYPE_CHECKING:
    from datetime import datetime

    from newsarchive.warc._frame import RawRecord

__all__ = ["READ_VERSIONS", "our_version", "rebuild"]

#: The `version` parameters of our record content type that the import reads: the
#: record format versions. The record inside must be of the version named.
READ_VERSIONS: Final = ("1", "2")

_RECORD_ESSENCE: Final = RECORD_CONTENT_TYPE.split(";")[0]
_VERSION_PARAM: Final = re.compile(r""";\s*version\s*=\s*"?([^";\s]*)"?""", re.IGNORECASE)


def our_version(raw: RawRecord) -> str | None:
    """The `version` of our record content type, "" when it names none; None if not ours."""
    essence, _, params = (raw.header("Content-Type") or "").partition(";")
    if essence.strip().lower() != _RECORD_ESSENCE:
        return None
    match = _VERSION_PARAM.search(";" + params)
    return match.group(1) if match else ""


def rebuild(resource: RawRecord, meta: RawRecord, now: datetime) -> dict[str, Any]:
    """The record our export wrote as `resource` and `meta`; raise `Refused` if they disagree."""
    if resource.block is None or meta.block is None:
        raise Refused("too-large", f"larger than {_frame.MAX_BLOCK} bytes")
    try:
        text = resource.block.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Refused("bad-utf8", f"its resource is not UTF-8 ({exc.reason})") from None
    try:
        data = _json.loads(meta.block)
    except JSONError as exc:
        raise Refused("bad-json", f"the embedded record is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise Refused("bad-json", "the embedded record is not a JSON object")
    version, declared = our_version(meta), data.get("schema_version")
    if type(declared) is not int or str(declared) != version:
        raise Refused(
            "version-mismatch",
            f"the content type says version={version} but the embedded record's "
            f"schema_version is {declared!r}",
        )
    if "content" in data and data["content"] != text:
        raise Refused("content-mismatch", "the embedded content differs from the resource")
    data["content"] = text
    reason = error_summary(validate(data, now=now))
    if reason is not None:
        raise Refused(
            "invalid-record", f"the embedded record does not match its resource: {reason}"
        )
    # Older exports wrote the url itself as the target URI; now its URI form.
    checks = (
        ("url", "WARC-Target-URI", resource.target_uri, {data["url"], uri_form(data["url"])}),
        ("retrieved_at", "WARC-Date", resource.header("WARC-Date"), {data["retrieved_at"]}),
        ("media_type", "Content-Type", resource.header("Content-Type"), {data["media_type"]}),
    )
    for key, header, actual, allowed in checks:
        if actual not in allowed:
            raise Refused(
                "header-mismatch",
                f"the record's {key} {data[key]!r} differs from the resource's {header} {actual!r}",
            )
    return ArchivedArticle.from_dict(data, now=now).to_dict()
