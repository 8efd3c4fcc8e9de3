"""WARC 1.1 export and import of records (optional extra: `pip install 'newsarchive[warc]'`).

**Export** (`write_warc`) writes one WARC file: a `warcinfo` record first
(software, format), then for each article

- a `resource` record: `WARC-Target-URI` is the URI form of the record's
  `url` (`uri_form`: IDNA host, percent-encoded non-ASCII; the exact url
  stays in the embedded record), `WARC-Date` its `retrieved_at` exactly as
  stored (WARC 1.1 allows 1-9 fractional digits), `Content-Type` its
  `media_type`, and the block is the exact UTF-8 bytes of the content; and
- a `metadata` record with `WARC-Refers-To` naming that resource, whose block
  is the newsarchive record as RFC 8785 canonical JSON *without* `content`
  (the resource holds it; `record_digest` never covers content), under the
  content type `application/vnd.newsarchive.record+json; version=N`, N the
  record's `schema_version` (`record_content_type(N)`; `RECORD_CONTENT_TYPE`
  is version 1's). The import reads versions 1 and 2 and refuses a record
  whose `schema_version` is not the version its content type names.

`WARC-Block-Digest` (and, on the resource, `WARC-Payload-Digest`; WARC 1.1
gives a metadata record no payload) are `sha256:` + base32, the encoding
warcio and Heritrix write. Each record is its own gzip member by default, so
`warcio index` and replay tools can seek to it. The article records are
deterministic: their ids are UUIDv5 of the newsarchive record id and record
digest, and their dates come from the records; the `warcinfo` record carries
the export time (`date`) and a random id, unique per export. A record without
content cannot be a resource record and is refused (`WarcError`, code
`no-content`).

**Import** (`read_warc`) frames the whole file and checks every digest
before any record is built, so a truncated, corrupt, empty or non-WARC file
is refused whole (`WarcError`). A record that fails a check is refused and
reported, and the rest of the file still goes in. Our own exports come back
as the very records exported, wherever the metadata record is in the file:
the embedded JSON is validated and must agree with the resource it refers to
(content, url, date, media type), so a tampered resource is refused with its
metadata. Foreign `resource` and `response` records with an http(s) target
become new records (method `warc-import`; see `read_warc`), their text
decoded as browsers decode it (`newsarchive._encoding`: byte order mark,
charset, `<meta>`, then UTF-8 or windows-1252); `warcinfo`, `request`,
`revisit`, other metadata, non-http(s) targets, non-text payloads and
responses whose HTTP status is not 2xx (unless `include_errors`) are skipped
and counted by reason. A record marked `WARC-Truncated` is refused unless
`allow_truncated`, when it is imported with a note and listed in
`WarcReading.warnings`. `MAX_BLOCK` bounds what is held in memory.

Inside the package: `_frame` (strict framing and digests), `_write` (the
export), `_read` (the two-pass import driver) and `_reading` (what it gives),
`_own` (our exports read back), `_foreign` (other pages turned into records)
and `_httpbody` (HTTP payload decoding).
"""

from newsarchive.warc._frame import MAX_BLOCK, looks_like_warc
from newsarchive.warc._read import read_warc
from newsarchive.warc._reading import WarcReading, WarcRefusal
from newsarchive.warc._write import (
    RECORD_CONTENT_TYPE,
    record_content_type,
    uri_form,
    write_warc,
)

__all__ = [
    "MAX_BLOCK",
    "RECORD_CONTENT_TYPE",
    "WarcReading",
    "WarcRefusal",
    "looks_like_warc",
    "read_warc",
    "record_content_type",
    "uri_form",
    "write_warc",
]
