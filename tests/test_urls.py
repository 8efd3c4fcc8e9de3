"""Which source URLs a record accepts, and the format v1 canonical form (`newsarchive.urls`)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.errors import InvalidURL
from newsarchive.urls import MAX_URL_LENGTH, _canonical_as_is, canonicalize_url, check_url

from .strategies import urls


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        # the example the format documents
        ("HTTP://EXAMPLE.com:80/%7euser/./a/../b", "http://example.com/~user/b"),
        # rule 1: case, IDNA, IPv6 compression, trailing dot kept
        ("https://Bücher.Example/", "https://xn--bcher-kva.example/"),
        ("https://[2001:DB8:0:0::1]:8443/x", "https://[2001:db8::1]:8443/x"),
        ("https://example.com./a", "https://example.com./a"),
        ("http://192.0.2.7/", "http://192.0.2.7/"),
        # rule 2: a bare user name is kept and normalized
        ("https://re%70orter@example.com/", "https://reporter@example.com/"),
        # rule 3: ports
        ("https://example.com:443/", "https://example.com/"),
        ("https://example.com:0443/", "https://example.com/"),
        ("http://example.com:/", "http://example.com/"),
        ("http://example.com:8080/", "http://example.com:8080/"),
        ("https://example.com:80/", "https://example.com:80/"),
        # rule 4: percent-encoding
        ("https://example.com/a%2fb", "https://example.com/a%2Fb"),
        ("https://example.com/%41%62%2D%7E", "https://example.com/Ab-~"),
        ("https://example.com/caf\u00e9", "https://example.com/caf%C3%A9"),
        ("https://example.com/50%", "https://example.com/50%25"),
        ("https://example.com/a{b}", "https://example.com/a%7Bb%7D"),
        # rule 5: empty path and dot segments, also encoded ones
        ("https://example.com", "https://example.com/"),
        ("https://example.com?q=1", "https://example.com/?q=1"),
        ("https://example.com/a/b/../../../c", "https://example.com/c"),
        ("https://example.com/a/%2E%2E/b", "https://example.com/b"),
        ("https://example.com/a/.", "https://example.com/a/"),
        # rule 6: tracking parameters, order and spelling of the rest kept
        ("https://example.com/?utm_source=x&b=2&a=1", "https://example.com/?b=2&a=1"),
        ("https://example.com/?UTM_Medium=x&FBCLID=y&gclid=z", "https://example.com/"),
        ("https://example.com/?%75tm_source=x&id=9", "https://example.com/?id=9"),
        ("https://example.com/?a=1&&b=2&", "https://example.com/?a=1&b=2"),
        ("https://example.com/?utmost=1", "https://example.com/?utmost=1"),
        ("https://example.com/?a=1;utm_source=x", "https://example.com/?a=1;utm_source=x"),
        # rule 7: the fragment is dropped
        ("https://example.com/story#comments", "https://example.com/story"),
        ("https://example.com/?#top", "https://example.com/"),
    ],
)
def test_canonical_form(url: str, canonical: str) -> None:
    assert check_url(url) == url
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("javascript:alert(1)", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("data:text/plain,hi", "scheme"),
        ("ftp://example.com/", "scheme"),
        ("/relative/path", "relative"),
        ("example.com/story", "relative"),
        ("https:example.com", "'//host'"),
        ("https://user:secret@example.com/", "password"),
        ("https://a@b@example.com/", "more than one '@'"),
        ("https://example.com/a b", "whitespace"),
        ("https://example.com/\u200bx", "invisible"),
        ("https://example.com/\u202ex", "invisible"),
        ("https://evil.example\\@good.example/", "backslash"),
        ("https:///path", "host is empty"),
        ("https://exa%41mple.com/", "'%' in the host"),
        ("https://exa_mple..com/", "not a valid host"),
        ("https://[::1/", "unclosed"),
        ("https://[::g]/", "not an IPv6"),
        ("https://[::1]x/", "junk"),
        ("https://example.com:99999/", "port"),
        ("https://example.com:8a/", "port"),
        ("https://example.com:1:2/", "more than one ':'"),
        ("https://\u2603\u2603.\u0000/", "invisible/control"),
        ("https://xn--a.example/", "invalid IDNA A-label"),
        ("https://" + "a" * MAX_URL_LENGTH, "longer than"),
    ],
)
def test_refusals_say_why(url: str, why: str) -> None:
    with pytest.raises(InvalidURL) as caught:
        check_url(url)
    assert why in str(caught.value)
    with pytest.raises(InvalidURL):
        canonicalize_url(url)


def test_password_is_not_echoed() -> None:
    with pytest.raises(InvalidURL) as caught:
        check_url("https://editor:hunter2@example.com/")
    assert "hunter2" not in str(caught.value)
    assert "editor:***" in str(caught.value)


def test_non_string_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        check_url(b"https://example.com/")  # type: ignore[arg-type]


@given(urls)
def test_canonical_form_is_accepted_and_idempotent(url: str) -> None:
    canonical = canonicalize_url(url)
    assert check_url(canonical) == canonical
    assert canonicalize_url(canonical) == canonical
    assert "#" not in canonical
    assert "utm_" not in canonical


@given(st.text(max_size=60), st.sampled_from(["", "http://", "https://", "HTTPS://a."]))
def test_arbitrary_text_raises_only_invalid_url(tail: str, prefix: str) -> None:
    try:
        canonical = canonicalize_url(prefix + tail)
    except InvalidURL:
        return
    assert canonicalize_url(canonical) == canonical


_plain_chars = st.sampled_from([*"abcXYZ019-._~!$&'()*+,;=:@/?%#", "/./", "/../", "xn--", "&&"])


@given(
    st.sampled_from(["http://", "https://", "HTTP://"]),
    st.sampled_from(["example.org", "a.b.example", "xn--bcher-kva.example", "xn--a.b", "Ex.org"]),
    st.lists(_plain_chars, max_size=12).map("".join),
)
def test_fast_path_agrees_with_the_rules(scheme: str, host: str, tail: str) -> None:
    # The already-canonical fast path may only answer where the full rules agree.
    url = scheme + host + tail
    if _canonical_as_is(url):
        assert canonicalize_url(url) == url
        assert check_url(url) == url


@given(urls)
def test_fast_path_taken_for_canonical_forms(url: str) -> None:
    canonical = canonicalize_url(url)
    has_escape = "%" in canonical
    if not has_escape and "/." not in canonical and not canonical.endswith("?"):
        assert _canonical_as_is(canonical)


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/\ud800",
        "https://example.com/?q=\udfff",
        "https://ex\ud800ample.com/",
        "https://user\udc00@example.com/",
    ],
)
def test_lone_surrogate_is_an_invalid_url(url: str) -> None:
    # Python's json module turns "\ud800" into such a str; encoding it raised
    # UnicodeEncodeError from canonicalize_url, and check_url accepted it.
    for function in (check_url, canonicalize_url):
        with pytest.raises(InvalidURL, match=r"lone surrogate \(U\+D[89A-F][0-9A-F]{2}") as info:
            function(url)
        assert info.value.code == "bad-url"
        str(info.value).encode("utf-8")  # the message itself is printable


@pytest.mark.parametrize(
    "url", ["https://Bücher../", "https://Bücher..example/", "https://.Bücher/"]
)
def test_an_idn_host_with_an_empty_label_is_refused(url: str) -> None:
    # "Bücher.." was accepted and canonicalized to "xn--bcher-kva..", which is refused:
    # found by the fuzzer's invariant that the canonical form is a fixed point.
    with pytest.raises(InvalidURL, match="not a valid international host name"):
        canonicalize_url(url)


# -- issue 16: boundaries the mutation run showed untested --------------------------------


def _of_length(length: int, prefix: str = "https://example.com/") -> str:
    return prefix + "a" * (length - len(prefix))


@pytest.mark.parametrize("prefix", ["https://example.com/", "https://Example.com/", "https://"])
def test_length_limit_is_exact(prefix: str) -> None:
    # "https://example.com/..." takes the fast path, "Example" and a bare host the full one.
    at_limit = _of_length(MAX_URL_LENGTH, prefix)
    assert check_url(at_limit) == at_limit
    assert len(canonicalize_url(at_limit)) >= MAX_URL_LENGTH
    over = _of_length(MAX_URL_LENGTH + 1, prefix)
    for function in (check_url, canonicalize_url):
        with pytest.raises(InvalidURL, match=f"longer than {MAX_URL_LENGTH} characters"):
            function(over)
    assert not _canonical_as_is(over)


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        ("https://example.com:65535/", "https://example.com:65535/"),
        ("https://example.com:000/", "https://example.com:0/"),
        ("https://example.com:0/", "https://example.com:0/"),
        ("http://[::1]/", "http://[::1]/"),
        ("http://[::FFFF:192.0.2.1]:8080/a", "http://[::ffff:c000:201]:8080/a"),
        ("https://example.com#top", "https://example.com/"),
        ("https://example.com/?a?b", "https://example.com/?a?b"),
        ("https://example.com?a?b#c?d", "https://example.com/?a?b"),
        ("https://Bücher.example./", "https://xn--bcher-kva.example./"),
        ("https://example.com/a/b/..", "https://example.com/a/"),
        ("https://example.com/a/b/../", "https://example.com/a/"),
        ("https://example.com/..", "https://example.com/"),
        ("https://example.com/?fbclid&id=1", "https://example.com/?id=1"),
        ("https://example.com/?gclid=a=b&id=1", "https://example.com/?id=1"),
        ("https://example.com/?id=a=b", "https://example.com/?id=a=b"),
        ("https://example.com/?fbclidx=1", "https://example.com/?fbclidx=1"),
        ("HTTPS://EXAMPLE.COM/A", "https://example.com/A"),
        ("https://r%C3%A9dacteur@example.com/", "https://r%C3%A9dacteur@example.com/"),
        ("https://r%c3%a9dacteur@example.com/", "https://r%C3%A9dacteur@example.com/"),
        ("https://user@example.com/", "https://user@example.com/"),
    ],
)
def test_canonical_form_at_the_edges(url: str, canonical: str) -> None:
    assert check_url(url) == url
    assert canonicalize_url(url) == canonical
    assert canonicalize_url(canonical) == canonical


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("https://example.com:65536/", "the port '65536' is not a number from 0 to 65535"),
        ("https://[::1]:65536/", "the port '65536'"),
        ("https://[::1]:x/", "the port 'x'"),
        ("HTTPS:/example.com/", "it has no '//host'"),
        ("mailto:a@example.com", "the scheme is 'mailto'"),
        ("https://a@b@example.com/", "more than one '@' in the authority"),
        ("https://exa mple.com/", "whitespace or an invisible/control character (U+0020)"),
        ("https://example.com/\u00a0", "(U+00A0) at position 20"),
        ("https://\u2603\u2603\u2603.\u0378/", "is not a valid international host name"),
        ("https://xn--a.example/", "'xn--a.example' holds an invalid IDNA A-label"),
        ("https://xn--A.example./", "holds an invalid IDNA A-label"),
    ],
)
def test_refusal_names_the_bad_part(url: str, why: str) -> None:
    for function in (check_url, canonicalize_url):
        with pytest.raises(InvalidURL) as caught:
            function(url)
        assert caught.value.code == "bad-url"
        assert why in str(caught.value)
        assert str(caught.value).startswith("'url' must be an absolute http(s) URL: ")


def test_long_url_is_shortened_in_the_message() -> None:
    url = "https://exa mple.com/" + "a" * 200
    with pytest.raises(InvalidURL) as caught:
        check_url(url)
    assert repr(url[:77] + "...") in str(caught.value)
    assert url not in str(caught.value)


def test_fast_path_declines_what_needs_work() -> None:
    assert _canonical_as_is("https://example.com/a")
    assert _canonical_as_is("https://example.com/a?b=1&c")
    assert not _canonical_as_is("https://example.com/a?b=1&&c")
    assert not _canonical_as_is("https://example.com/a?utm_x=1")
    assert not _canonical_as_is("https://example.com/./a")
    assert not _canonical_as_is("https://xn--bcher-kva.example/")
    assert not _canonical_as_is(b"https://example.com/")  # type: ignore[arg-type]


# -- mutation survivors: exact messages where they name the input, and two behaviours -----

_WHY = "'url' must be an absolute http(s) URL: "


@pytest.mark.parametrize(
    ("url", "why"),
    [
        ("/a", "it is relative (no scheme)"),
        ("https:a", "it has no '//host'"),
        ("https://a@b@c/", "more than one '@' in the authority"),
        ("https://[::1/", "unclosed '[' in the host"),
        ("https://[::1]]/", "junk after the IPv6 address"),  # the first ']' closes it
        ("https://a:1:2/", "more than one ':' in the host"),
        ("https://:80/", "the host is empty"),
        ("https://a%41/", "'%' in the host"),
        ("https://a\\b/", "it contains a backslash at position 9"),
        ("https://a:" + "1" * 30 + "/", f"the port {'1' * 20!r} is not a number from 0 to 65535"),
        ("https://" + "a_" * 40 + "..x/", f"{('a_' * 40)[:60]!r} is not a valid host name"),
        ("https://xn--a" + "b" * 70 + ".x/", f"{('xn--a' + 'b' * 70)[:60]!r} holds an invalid"),
        ("https://\u2603" * 1 + "\u0378" * 70 + "/", f"{('☃' + chr(0x378) * 70)[:60]!r} is not a"),
    ],
)
def test_refusal_messages_exactly(url: str, why: str) -> None:
    with pytest.raises(InvalidURL) as caught:
        canonicalize_url(url)
    assert str(caught.value).startswith(_WHY + why)


@pytest.mark.parametrize("length", [80, 81])
def test_the_url_in_a_message_is_cut_after_80_characters(length: int) -> None:
    url = "https://a b/" + "x" * (length - 12)
    with pytest.raises(InvalidURL) as caught:
        check_url(url)
    shown = url if length <= 80 else url[:77] + "..."
    assert str(caught.value).endswith(f"(got {shown!r})")


def test_type_error_names_the_type() -> None:
    with pytest.raises(TypeError, match=r"^url must be str, not bytes$"):
        canonicalize_url(b"https://a/")  # type: ignore[arg-type]


def test_the_first_hash_starts_the_fragment() -> None:
    assert canonicalize_url("https://example.com#a#b") == "https://example.com/"
    assert canonicalize_url("https://example.com/p#a/b?c") == "https://example.com/p"


def test_long_idn_host_with_an_empty_label_is_named_cut_at_60() -> None:
    host = "bücher." * 10 + "."
    with pytest.raises(InvalidURL) as caught:
        canonicalize_url(f"https://{host}/")
    assert str(caught.value).startswith(
        f"{_WHY}{host[:60]!r} is not a valid international host name"
    )
