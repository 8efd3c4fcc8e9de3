"""Regenerate the WARC fixtures here (written by hand for this project, byte by byte).

Run from the repository root: `python tests/data/warc/make_fixtures.py`. Only the
standard library is used, so the fixtures do not depend on the writer under test, except
for `http2.warc.gz`, which is warcio's own output on purpose (a file as a real tool writes it).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent


def sha1_b32(data: bytes) -> str:
    return "sha1:" + base64.b32encode(hashlib.sha1(data).digest()).decode()


def sha256_hex(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def record(
    kind: str,
    number: int,
    block: bytes,
    *,
    uri: str | None = "https://news.example/a",
    content_type: str | None = None,
    payload: bytes | None = None,
    payload_digest: str | None = None,
    extra: tuple[tuple[str, str], ...] = (),
) -> bytes:
    headers = [
        ("WARC-Type", kind),
        ("WARC-Record-ID", f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>"),
        ("WARC-Date", "2024-03-05T08:15:00Z"),
    ]
    if uri is not None:
        headers.append(("WARC-Target-URI", uri))
    headers.extend(extra)
    if payload is not None:
        headers.append(("WARC-Payload-Digest", payload_digest or sha1_b32(payload)))
    headers.append(("WARC-Block-Digest", sha1_b32(block)))
    if content_type is not None:
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(len(block))))
    head = "WARC/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers) + "\r\n"
    return head.encode() + block + b"\r\n\r\n"


def response(
    number: int, uri: str, headers: str, body: bytes, status: str = "200 OK", **kw: Any
) -> bytes:
    http = (f"HTTP/1.1 {status}\r\n" + headers + "\r\n").encode("latin-1") + body
    return record(
        "response",
        number,
        http,
        uri=uri,
        content_type="application/http; msgtype=response",
        payload=body,
        **kw,
    )


def chunked(data: bytes) -> bytes:
    return b"".join(f"{len(p):x}\r\n".encode() + p + b"\r\n" for p in (data[:7], data[7:])) + (
        b"0\r\n\r\n"
    )


GZIP_BODY = chunked(gzip.compress("Flood gauges \u2191 12 cm".encode(), mtime=0))


def foreign() -> bytes:
    out = [
        record(
            "warcinfo",
            1,
            b"software: TestCrawler/1.0\r\nformat: WARC File Format 1.1\r\n",
            uri=None,
            content_type="application/warc-fields",
        ),
        record(
            "request",
            2,
            b"GET /latin HTTP/1.1\r\nHost: news.example\r\n\r\n",
            uri="https://news.example/latin",
            content_type="application/http; msgtype=request",
        ),
        # 1. Latin-1 HTML, decoded by its declared charset.
        response(
            3,
            "https://news.example/latin",
            "Content-Type: text/html; charset=ISO-8859-1\r\nServer: test\r\n",
            "<p>Caf\u00e9 owners protest</p>".encode("latin-1"),
        ),
        # 2. Chunked and gzip-encoded UTF-8; payload digest as SHA-256 in hex.
        response(
            4,
            "https://news.example/gzip",
            "Content-Type: text/plain; charset=utf-8\r\nContent-Encoding: gzip\r\n"
            "Transfer-Encoding: chunked\r\n",
            GZIP_BODY,
            payload_digest=sha256_hex(GZIP_BODY),
        ),
        # 3. An image: skipped, not an error.
        response(5, "https://news.example/pic.png", "Content-Type: image/png\r\n", b"\x89PNG\r\n"),
        # 4. A resource record without a charset (UTF-8).
        record(
            "resource",
            6,
            "River levels fell overnight \u2014 officials.".encode(),
            uri="https://news.example/river",
            content_type="text/plain",
            payload="River levels fell overnight \u2014 officials.".encode(),
        ),
        # 5. A revisit: skipped.
        record(
            "revisit",
            7,
            b"HTTP/1.1 200 OK\r\n\r\n",
            uri="https://news.example/latin",
            extra=(
                ("WARC-Profile", "http://netpreserve.org/warc/1.1/revisit/server-not-modified"),
            ),
        ),
        # 6. Not http(s): skipped.
        record(
            "resource",
            8,
            b"a file",
            uri="ftp://files.example/a.txt",
            content_type="text/plain",
        ),
        # 7. A wrong payload digest: refused.
        response(
            9,
            "https://news.example/tampered",
            "Content-Type: text/plain; charset=utf-8\r\n",
            b"Original text",
            payload_digest=sha1_b32(b"Other text"),
        ),
        # 8. Declared UTF-8, but the bytes are not: refused.
        response(
            10,
            "https://news.example/badutf8",
            "Content-Type: text/html; charset=utf-8\r\n",
            b"<p>bad \xff\xfe bytes</p>",
        ),
        # 9. Binary data labelled text: refused.
        response(
            11,
            "https://news.example/binary",
            "Content-Type: text/plain\r\n",
            b"\x00\x01\x02binary",
        ),
        # 10. An unknown charset: refused.
        response(
            12,
            "https://news.example/unknown",
            "Content-Type: text/plain; charset=x-no-such-charset\r\n",
            b"text",
        ),
    ]
    return b"".join(out)


def crawler() -> bytes:
    """What ordinary crawls hold besides pages: Heritrix `dns:` and Browsertrix `urn:` records."""
    dns = b"20240101000000\nnews.example.\t300\tIN\tA\t192.0.2.7\n"
    page = b"<html><body>Article</body></html>"
    return b"".join(
        [
            record(
                "warcinfo",
                1,
                b"software: Heritrix/3.4.0 http://crawler.archive.org\r\n",
                uri=None,
                content_type="application/warc-fields",
            ),
            record("response", 2, dns, uri="dns:news.example", content_type="text/dns"),
            response(
                3,
                "http://news.example/",
                "Content-Type: text/html; charset=UTF-8\r\nSet-Cookie: session=secret\r\n",
                page,
            ),
            record(
                "resource",
                4,
                b'{"url":"http://news.example/","title":"x"}',
                uri="urn:pageinfo:http://news.example/",
                content_type="application/json",
            ),
            record(
                "resource",
                5,
                b"Article",
                uri="urn:text:http://news.example/",
                content_type="text/plain",
            ),
        ]
    )


RUSSIAN = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438 \u0434\u043d\u044f"  # "news of the day"
JAPANESE = "\u4eca\u65e5\u306e\u30cb\u30e5\u30fc\u30b9"  # "today's news"
#: What pushes a `<meta>` past the 1,024 bytes a browser prescans.
PADDING = "<!-- " + "x" * 1100 + " -->"


def charsets() -> bytes:
    """Pages as `wget` saves them: the charset declared only in the page, or not at all."""
    pages = [
        # 1. windows-1251, declared only in <meta charset>.
        (
            "https://news.example/ru",
            "text/html",
            f'<html><head><meta charset="windows-1251"><title>{RUSSIAN}</title>'.encode("cp1251"),
        ),
        # 2. Shift_JIS, declared only in <meta http-equiv>.
        (
            "https://news.example/ja",
            "text/html",
            (
                '<html><head><meta http-equiv="Content-Type" '
                f'content="text/html; charset=Shift_JIS"><title>{JAPANESE}</title>'
            ).encode("shift_jis"),
        ),
        # 3. A UTF-8 byte order mark overrides the header's windows-1251.
        (
            "https://news.example/bom",
            "text/html; charset=windows-1251",
            b"\xef\xbb\xbf" + f"<p>{RUSSIAN}</p>".encode(),
        ),
        # 4. The header's KOI8-R overrides the page's <meta> windows-1251.
        (
            "https://news.example/koi8",
            "text/html; charset=koi8-r",
            f'<meta charset="windows-1251"><p>{RUSSIAN}</p>'.encode("koi8-r"),
        ),
        # 5. A <meta> after the first 1,024 bytes is not seen: not UTF-8, so windows-1252.
        (
            "https://news.example/late",
            "text/html",
            f'{PADDING}<meta charset="windows-1251"><p>{RUSSIAN}</p>'.encode("cp1251"),
        ),
        # 6. Nothing declared, valid UTF-8.
        ("https://news.example/plain", "text/html", f"<p>{RUSSIAN}</p>".encode()),
    ]
    return b"".join(
        response(number, uri, f"Content-Type: {content_type}\r\n", body)
        for number, (uri, content_type, body) in enumerate(pages, start=1)
    )


def http2() -> bytes:
    """A real warcio-written file (needs the warc extra) holding an HTTP/2 response.

    warcio is not the reader under test; it writes status lines as `HTTP/2 200`.
    """
    import io

    from warcio.statusandheaders import StatusAndHeaders
    from warcio.warcwriter import WARCWriter

    out = io.BytesIO()
    writer = WARCWriter(out, gzip=True, warc_version="WARC/1.1")
    body = b'<html><head><meta charset="utf-8"><title>Over HTTP/2</title></head></html>'
    for number, (uri, kind, http, payload) in enumerate(
        [
            (
                "https://news.example/h2",
                "request",
                StatusAndHeaders(
                    "GET /h2 HTTP/2", [("host", "news.example")], is_http_request=True
                ),
                b"",
            ),
            (
                "https://news.example/h2",
                "response",
                StatusAndHeaders(
                    "200",
                    [("content-type", "text/html"), ("content-length", str(len(body)))],
                    protocol="HTTP/2",
                ),
                body,
            ),
        ],
        start=1,
    ):
        record = writer.create_warc_record(
            uri,
            kind,
            payload=io.BytesIO(payload),
            http_headers=http,
            warc_headers_dict={
                "WARC-Date": "2024-03-05T08:15:00Z",
                "WARC-Record-ID": f"<urn:uuid:00000000-0000-4000-8000-{number:012d}>",
            },
        )
        writer.write_record(record)
    return out.getvalue()


ARTICLE = "<html><body><p>" + "Council votes on the river plan. " * 4 + "</p></body></html>"


def statuses() -> bytes:
    """Error pages, a redirect and truncated captures beside one ordinary page."""
    html = "Content-Type: text/html; charset=utf-8\r\n"
    gz = gzip.compress(ARTICLE.encode(), mtime=0)
    return b"".join(
        [
            response(1, "https://news.example/ok", html, b"<p>A page.</p>"),
            response(2, "https://news.example/gone", html, b"<h1>Not Found</h1>", "404 Not Found"),
            response(
                3, "https://news.example/boom", html, b"<h1>Oops</h1>", "500 Internal Server Error"
            ),
            response(
                4,
                "https://news.example/moved",
                html + "Location: https://news.example/ok\r\n",
                b"<a href=/ok>moved</a>",
                "301 Moved Permanently",
            ),
            # A 5 MB page of which the crawler kept 40 bytes.
            response(
                5,
                "https://news.example/long",
                html + "Content-Length: 5000000\r\n",
                ARTICLE.encode()[:40],
                extra=(("WARC-Truncated", "length"),),
            ),
            # A gzip body cut off when the connection dropped: what is there is readable.
            response(
                6,
                "https://news.example/cut",
                html + f"Content-Encoding: gzip\r\nContent-Length: {len(gz)}\r\n",
                gz[: len(gz) // 2],
                extra=(("WARC-Truncated", "disconnect"),),
            ),
        ]
    )


def main() -> None:
    (HERE / "crawler.warc").write_bytes(crawler())
    (HERE / "charsets.warc").write_bytes(charsets())
    (HERE / "http2.warc.gz").write_bytes(http2())
    (HERE / "statuses.warc").write_bytes(statuses())
    data = foreign()
    (HERE / "foreign.warc").write_bytes(data)
    members = b"".join(gzip.compress(r, mtime=0) for r in [data])
    (HERE / "truncated.warc.gz").write_bytes(members[: len(members) - 40])
    broken = bytearray(members)
    broken[-6] ^= 0xFF  # the CRC-32 in the trailer
    (HERE / "bad-crc.warc.gz").write_bytes(bytes(broken))
    (HERE / "truncated.warc").write_bytes(data[: len(data) - 100])
    (HERE / "not-warc.warc").write_bytes(b"<html>this is not a WARC file</html>\n")


if __name__ == "__main__":
    main()
