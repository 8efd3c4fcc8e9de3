"""Sniffing and decoding a page's text encoding as browsers do (BOM, header, meta, fallback)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive._encoding import (
    PRESCAN_BYTES,
    Sniffed,
    TextDecodingError,
    decode,
    decode_document,
    sniff,
    sniff_encoding,
)
from newsarchive._webencodings import web_encoding
from newsarchive.errors import NewsArchiveError

RUSSIAN = "\u041d\u043e\u0432\u043e\u0441\u0442\u0438"
JAPANESE = "\u4eca\u65e5\u306e\u30cb\u30e5\u30fc\u30b9"


def test_windows_1251_declared_only_in_meta() -> None:
    body = f'<meta charset="windows-1251"><p>{RUSSIAN}</p>'.encode("cp1251")
    text, sniffed = decode_document(body, "text/html")
    assert text == f'<meta charset="windows-1251"><p>{RUSSIAN}</p>'
    assert (sniffed.encoding, sniffed.source) == ("windows-1251", "meta")


def test_shift_jis_declared_only_in_http_equiv() -> None:
    page = (
        '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">'
        f"<h1>{JAPANESE}</h1>"
    )
    text, sniffed = decode_document(page.encode("shift_jis"), "text/html")
    assert text == page
    assert (sniffed.encoding, sniffed.source, sniffed.label) == ("Shift_JIS", "meta", "shift_jis")


@pytest.mark.parametrize(
    ("bom", "encoding", "codec"),
    [
        (b"\xef\xbb\xbf", "UTF-8", "utf-8"),
        (b"\xfe\xff", "UTF-16BE", "utf-16-be"),
        (b"\xff\xfe", "UTF-16LE", "utf-16-le"),
    ],
)
def test_a_bom_overrides_the_header_and_meta(bom: bytes, encoding: str, codec: str) -> None:
    page = f"<meta charset=windows-1251><p>{RUSSIAN}</p>"
    text, sniffed = decode_document(bom + page.encode(codec), "text/html; charset=koi8-r")
    assert text == page
    assert (sniffed.encoding, sniffed.source, sniffed.bom) == (encoding, "bom", len(bom))


def test_the_header_overrides_meta() -> None:
    page = f"<meta charset=windows-1251><p>{RUSSIAN}</p>"
    text, sniffed = decode_document(page.encode("koi8-r"), "text/html; charset=KOI8-R")
    assert text == page
    assert (sniffed.encoding, sniffed.source, sniffed.label) == ("KOI8-R", "header", "KOI8-R")


def test_a_meta_after_the_first_1024_bytes_is_ignored() -> None:
    padding = "<!--" + "x" * PRESCAN_BYTES + "-->"
    body = f"{padding}<meta charset=windows-1251><p>{RUSSIAN}</p>".encode("cp1251")
    sniffed = sniff(body, "text/html")
    assert (sniffed.encoding, sniffed.source) == ("windows-1252", "default")
    # Just inside the limit it counts.
    near = body[len(padding) - PRESCAN_BYTES + 40 :]
    assert sniff_encoding(near, "text/html") == "windows-1251"


@pytest.mark.parametrize(
    ("body", "encoding"),
    [
        ("caf\u00e9 \u2014 ok".encode(), "UTF-8"),
        (b"caf\xe9 \x93q\x94 \x81", "windows-1252"),  # not UTF-8; 0x81 is kept (U+0081)
        (b"", "UTF-8"),
    ],
)
def test_the_fallback_is_utf8_when_valid_else_windows_1252(body: bytes, encoding: str) -> None:
    text, sniffed = decode_document(body, "text/html")
    assert (sniffed.encoding, sniffed.source) == (encoding, "default")
    if encoding == "windows-1252":
        assert text == "caf\u00e9 \u201cq\u201d \x81"


def test_meta_is_read_only_in_html() -> None:
    body = b"<meta charset=windows-1251>\xcd\xee"
    assert sniff_encoding(body, "text/plain") == "windows-1252"
    assert sniff_encoding(body, "application/xhtml+xml") == "windows-1252"
    assert sniff_encoding(body, "TEXT/HTML") == "windows-1251"
    assert sniff_encoding(body, None) == "windows-1251"  # unknown type: read as HTML


@pytest.mark.parametrize(
    ("content_type", "encoding"),
    [
        ("text/html; charset=iso-8859-1", "windows-1252"),
        ("text/html; charset=us-ascii", "windows-1252"),
        ('text/html; charset="utf-8"', "UTF-8"),
        ("text/html;charset=GB2312", "GBK"),
        ("text/html; charset=utf-16", "UTF-16LE"),  # no BOM: little-endian
        # Python's names of web encodings are taken in a header too.
        ("text/html; charset=latin-1", "windows-1252"),
        ("text/html; charset=cp932", "Shift_JIS"),
        ("text/html; charset=euc_kr", "EUC-KR"),
        # An empty charset is no declaration.
        ("text/html; charset=", "UTF-8"),
    ],
)
def test_header_labels(content_type: str, encoding: str) -> None:
    assert sniff_encoding(b"<p>x</p>", content_type) == encoding


@pytest.mark.parametrize(
    "charset", ["x-no-such-charset", "base64", "utf-7", "x-user-defined", "hz-gb-2312", "utf-32"]
)
def test_a_header_charset_for_no_web_text_encoding_is_refused(charset: str) -> None:
    with pytest.raises(TextDecodingError) as info:
        sniff(b"<p>x</p>", f"text/html; charset={charset}")
    assert isinstance(info.value, NewsArchiveError)
    assert info.value.code == "bad-charset"
    assert charset in str(info.value)


def test_a_replacement_label_in_meta_is_refused_when_decoding() -> None:
    body = b"<meta charset=iso-2022-kr><p>x</p>"
    sniffed = sniff(body, "text/html")
    assert sniffed.encoding == "replacement"
    with pytest.raises(TextDecodingError, match="not a web text encoding"):
        decode(body, sniffed)


def test_invalid_bytes_in_the_declared_encoding_are_refused_and_named() -> None:
    with pytest.raises(TextDecodingError) as info:
        decode_document(b"<p>bad \xff\xfe</p>", "text/html; charset=utf-8")
    assert str(info.value) == (
        "not valid UTF-8 at byte 7 (invalid start byte); "
        "UTF-8 from the Content-Type charset 'utf-8'"
    )


def test_windows_125x_read_undefined_bytes_as_c1_controls() -> None:
    sniffed = Sniffed("windows-1250", "header", "windows-1250")
    assert decode(b"\x81\x8a", sniffed) == "\x81\u0160"


def test_labels_are_the_encoding_standards() -> None:
    assert web_encoding(" LATIN1\t") == "windows-1252"
    assert web_encoding("unicode-1-1-utf-8") == "UTF-8"
    assert web_encoding("ks_c_5601-1987") == "EUC-KR"
    assert web_encoding("iso-2022-kr") == "replacement"
    assert web_encoding("latin-1") is None
    assert web_encoding("utf\u0130-8") is None  # non-ASCII is never folded


@given(st.binary(max_size=400), st.sampled_from([None, "text/html", "text/plain"]))
def test_any_bytes_are_decoded_or_refused_with_our_error(
    body: bytes, content_type: str | None
) -> None:
    try:
        text, sniffed = decode_document(body, content_type)
    except TextDecodingError:
        return
    assert sniffed.source in {"bom", "meta", "default"}
    assert isinstance(text, str)


def test_a_page_cut_off_leaves_out_a_cut_character_only_when_not_final() -> None:
    body = "caf\u00e9".encode()[:-1]
    with pytest.raises(TextDecodingError):
        decode_document(body, "text/plain; charset=utf-8")
    assert decode_document(body, "text/plain; charset=utf-8", final=False)[0] == "caf"
    # Nothing declared: the cut character does not make it windows-1252.
    text, sniffed = decode_document(body, "text/html", final=False)
    assert (text, sniffed.encoding) == ("caf", "UTF-8")


def test_other_undefined_bytes_of_windows_125x_stay_invalid() -> None:
    sniffed = Sniffed("windows-1253", "header", "windows-1253")
    assert decode(b"\x81", sniffed) == "\x81"
    with pytest.raises(TextDecodingError, match="at byte 1"):
        decode(b"a\xaa", sniffed)  # 0xAA is no character of windows-1253


@given(
    st.sampled_from(
        [
            ("windows-1251", "cp1251"),
            ("Shift_JIS", "cp932"),
            ("koi8-r", "koi8-r"),
            ("euc-kr", "cp949"),
            ("gb2312", "gb18030"),
            ("big5", "big5hkscs"),
            ("iso-8859-2", "iso8859-2"),
            ("utf-8", "utf-8"),
        ]
    ),
    st.text(st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]), max_size=200),
    st.sampled_from(
        ['<meta charset="{}">', "<meta http-equiv=content-type content='text/html;charset={}'>"]
    ),
)
def test_any_page_declared_in_meta_is_read_with_the_encoding_it_declares(
    encodings: tuple[str, str], text: str, declaration: str
) -> None:
    label, codec = encodings
    body = (declaration.format(label) + text).encode(codec, "ignore")  # what it can hold
    decoded, sniffed = decode_document(body, "text/html")
    assert decoded == body.decode(codec)
    assert decoded.startswith(declaration.format(label))
    assert sniffed.source == "meta"
