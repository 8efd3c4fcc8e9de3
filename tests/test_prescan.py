"""The HTML Standard's prescan of the first bytes of a page for a declared encoding."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive._prescan import Declared, prescan


@pytest.mark.parametrize(
    ("page", "encoding"),
    [
        (b"<meta charset=shift_jis>", "Shift_JIS"),
        (b'<META CHARSET="Windows-1251">', "windows-1251"),
        (b"<meta charset='koi8-r'>", "KOI8-R"),
        (b"<meta/charset=big5>", "Big5"),
        (b"<meta\tcharset = euc-jp >", "EUC-JP"),
        (b'<meta http-equiv=Content-Type content="text/html; charset=koi8-r">', "KOI8-R"),
        # The order of the attributes does not matter; the pragma is needed.
        (b'<meta content="text/html; charset=gbk" http-equiv="content-type">', "GBK"),
        (
            b"<meta content=\"text/html;charset='iso-8859-2'\" http-equiv=content-type>",
            "ISO-8859-2",
        ),
        # Labels are the Encoding Standard's: latin1 is windows-1252, and so on.
        (b"<meta charset=latin1>", "windows-1252"),
        (b"<meta charset=gb2312>", "GBK"),
        # In a <meta>, UTF-16 means UTF-8 and x-user-defined windows-1252.
        (b"<meta charset=utf-16>", "UTF-8"),
        (b"<meta charset=utf-16be>", "UTF-8"),
        (b"<meta charset=x-user-defined>", "windows-1252"),
        # Comments, other tags and their attribute values are passed over.
        (b"<!-- <meta charset=big5> --><meta charset=gbk>", "GBK"),
        (b"<!--><meta charset=big5>", "Big5"),  # "<!-->" is a whole comment
        (b'<p title="<meta charset=big5>"><meta charset=euc-kr>', "EUC-KR"),
        (b"<metadata charset=big5><meta charset=euc-jp>", "EUC-JP"),
        (b"<!DOCTYPE html><?php x ?></div><meta charset=iso-8859-5>", "ISO-8859-5"),
        # An unknown label is passed over; the next <meta> can still declare.
        (b"<meta charset=bogus><meta charset=latin2>", "ISO-8859-2"),
        # An attribute given twice: the first counts.
        (b"<meta charset=big5 charset=gbk>", "Big5"),
        # An XML declaration, when no <meta> declares.
        (b'<?xml version="1.0" encoding="ISO-8859-2"?><html>', "ISO-8859-2"),
        (b"<\x00?\x00x\x00m\x00l\x00", "UTF-16LE"),
        (b"\x00<\x00?\x00x\x00m\x00l", "UTF-16BE"),
        # The scan knows nothing of scripts (as in browsers).
        (b'<script>document.write("<meta charset=big5>")</script>', "Big5"),
    ],
)
def test_declared_encodings_are_found(page: bytes, encoding: str) -> None:
    found = prescan(page)
    assert found is not None
    assert found.encoding == encoding


@pytest.mark.parametrize(
    "page",
    [
        b"",
        b"<p>no declaration</p>",
        # http-equiv content-type is needed for a content attribute.
        b'<meta content="text/html; charset=koi8-r">',
        b'<meta http-equiv=refresh content="0; charset=koi8-r">',
        # A failed charset attribute is not replaced by content.
        b'<meta charset=bogus http-equiv=content-type content="charset=big5">',
        # Running out of bytes inside a tag, a value or a comment ends the scan.
        b'<meta charset="big5',
        b"<!-- <meta charset=big5>",
        b"<meta charset=big5",
        # The replacement's unknown cousins are not labels.
        b"<meta charset=utf-32>",
        b"<meta charset=x-mac-roman-ish>",
        # An XML declaration only counts at the very start.
        b' <?xml version="1.0" encoding="ISO-8859-2"?>',
        b'<?xml version="1.0" encoding="bad label"?>',
    ],
)
def test_nothing_declared_is_none(page: bytes) -> None:
    assert prescan(page) is None


def test_the_label_is_kept_as_declared() -> None:
    assert prescan(b"<meta charset=' Shift_JIS '>") == Declared("Shift_JIS", " shift_jis ")


@given(st.binary(max_size=300))
def test_any_bytes_give_an_answer_or_none(data: bytes) -> None:
    found = prescan(data)
    assert found is None or isinstance(found.encoding, str)


@given(st.binary(max_size=200))
def test_a_meta_after_any_comment_is_found(noise: bytes) -> None:
    comment = b"<!--" + noise.replace(b"-->", b"") + b"-->"
    found = prescan(comment + b"<meta charset=big5>")
    assert found is not None
    assert found.encoding == "Big5"
