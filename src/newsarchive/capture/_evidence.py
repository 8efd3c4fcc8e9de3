"""The evidence of a capture: its HTTP exchanges as WARC 1.1 `request`/`response` records.

Each record's block is the message exactly as on the wire (`Exchange.request`,
`Exchange.response`): status line, headers and body with its transfer coding (chunked)
and content coding (gzip, br) as received. Digests are `sha256:` + base32, the form the
WARC export writes (`newsarchive.warc`), and every record is its own gzip member. The
records are framed here, not by warcio: warcio parses the HTTP headers of a block and
writes them back out, which would not keep every byte (folded lines, bare LF).

`WARC-Payload-Digest` is written when the two readings of it agree: WARC 1.1 defines the
payload as the entity body (transfer coding removed; IIPC warc-specifications issue 22),
while warcio and our own WARC import digest the bytes after the headers as they stand.
For a response without transfer coding they are the same bytes and the header is
written; for a chunked response either value would be "wrong" for one reader, so the
record carries only its block digest, and the payload digest as WARC 1.1 defines it is
given by `Evidence.payload_digest` (the capture's `source_digest`).
"""

from __future__ import annotations

import gzip
import uuid
from typing import TYPE_CHECKING

from newsarchive.capture._result import Evidence
from newsarchive.timestamps import Timestamp
from newsarchive.warc import uri_form
from newsarchive.warc._frame import b32_digest

if TYPE_CHECKING:
    from collections.abc import Sequence

    from newsarchive.capture._exchange import Exchange
    from newsarchive.digest import Digest

__all__ = ["build_evidence", "payload_bytes"]


def _record(headers: dict[str, str], content_type: str, block: bytes) -> bytes:
    """One WARC 1.1 record (ISO 28500:2017 section 4), as its own gzip member."""
    lines = ["WARC/1.1", *(f"{k}: {v}" for k, v in headers.items())]
    lines += [f"Content-Type: {content_type}", f"Content-Length: {len(block)}", "", ""]
    record = "\r\n".join(lines).encode("utf-8") + block + b"\r\n\r\n"
    return gzip.compress(record, compresslevel=6, mtime=0)


def payload_bytes(message: bytes) -> bytes:
    """The bytes after the header section of an HTTP message (as WARC readers split it)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        cut = message.find(separator)
        if cut >= 0:
            return message[cut + len(separator) :]
    return b""


def _new_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def build_evidence(exchanges: Sequence[Exchange], payload_digest: Digest) -> Evidence:
    """A gzipped WARC 1.1 file of `exchanges` (request, then response, for each hop).

    `payload_digest` is the final response's entity-body digest (WARC 1.1's payload).
    """
    out = bytearray()
    ids: list[str] = []
    request_id = response_id = ""
    for exchange in exchanges:
        request_id, response_id = _new_id(), _new_id()
        target = uri_form(exchange.url)
        date = str(Timestamp.from_datetime(exchange.started_at))
        common = {"WARC-Date": date, "WARC-Target-URI": target}
        if exchange.ip_address:
            common["WARC-IP-Address"] = exchange.ip_address
        request_headers = {
            "WARC-Type": "request",
            "WARC-Record-ID": request_id,
            **common,
            "WARC-Concurrent-To": response_id,
            "WARC-Block-Digest": b32_digest(exchange.request),
            "WARC-Payload-Digest": b32_digest(payload_bytes(exchange.request)),
        }
        response_headers = {
            "WARC-Type": "response",
            "WARC-Record-ID": response_id,
            **common,
            "WARC-Block-Digest": b32_digest(exchange.response),
        }
        on_wire = payload_bytes(exchange.response)
        if on_wire == exchange.body:  # no transfer coding: both readings agree
            response_headers["WARC-Payload-Digest"] = b32_digest(on_wire)
        for kind, headers, block in (
            ("request", request_headers, exchange.request),
            ("response", response_headers, exchange.response),
        ):
            out += _record(headers, f"application/http; msgtype={kind}", block)
        ids += [request_id, response_id]
    return Evidence(
        warc=bytes(out),
        request_id=request_id,
        response_id=response_id,
        payload_digest=payload_digest,
        record_ids=tuple(ids),
    )
