"""Content codings undone and pages recognised (newsarchive.capture._decode)."""

from __future__ import annotations

import gzip
import zlib

import brotli  # type: ignore[import-untyped,unused-ignore]
import pytest

from newsarchive.capture._decode import decode_content, decode_text, is_html
from newsarchive.capture._result import Failure

BODY = b"<p>" + b"news " * 200 + b"</p>"


@pytest.mark.parametrize(
    ("coding", "data"),
    [
        ("gzip", gzip.compress(BODY)),
        ("x-gzip", gzip.compress(BODY)),
        ("deflate", zlib.compress(BODY)),
        ("deflate", zlib.compress(BODY, wbits=-15)),  # raw deflate, as some servers send
        ("br", brotli.compress(BODY)),
        ("identity", BODY),
        (None, BODY),
        ("gzip, br", brotli.compress(gzip.compress(BODY))),  # applied in order
    ],
)
def test_codings_are_undone(coding: str | None, data: bytes) -> None:
    assert decode_content(data, coding, 10_000) == BODY


def test_every_gzip_member_is_read() -> None:
    half = len(BODY) // 2
    data = gzip.compress(BODY[:half]) + gzip.compress(BODY[half:])
    assert decode_content(data, "gzip", 10_000) == BODY


@pytest.mark.parametrize(
    ("coding", "data", "reason"),
    [
        ("gzip", gzip.compress(BODY)[:-12], "bad-content-encoding"),
        ("gzip", b"not gzip at all", "bad-content-encoding"),
        ("br", b"\xff\xff\xff", "bad-content-encoding"),
        ("br", brotli.compress(BODY)[:-3], "bad-content-encoding"),
        ("compress", BODY, "bad-content-encoding"),
        ("gzip", gzip.compress(BODY), "too-large"),
        ("br", brotli.compress(BODY), "too-large"),
        (None, BODY, "too-large"),
    ],
)
def test_bad_or_large_bodies_fail(coding: str, data: bytes, reason: str) -> None:
    with pytest.raises(Failure) as info:
        decode_content(data, coding, 500 if reason == "too-large" else 10_000)
    assert info.value.reason == reason


@pytest.mark.parametrize(
    ("content_type", "body", "html"),
    [
        ("text/html; charset=utf-8", b"", True),
        ("application/xhtml+xml", b"", True),
        ("application/pdf", b"<html>", False),
        ("text/plain", b"<html>", False),
        (None, b"  <!doctype html>", True),
        (None, b"%PDF-1.7", False),
    ],
)
def test_is_html(content_type: str | None, body: bytes, html: bool) -> None:
    assert is_html(content_type, body) is html


def test_undecodable_text_fails_as_bad_charset() -> None:
    with pytest.raises(Failure) as info:
        decode_text(b"<p>\xff\xfe\xfa</p>", "text/html; charset=utf-8")
    assert info.value.reason == "bad-charset"
