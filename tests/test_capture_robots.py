"""robots.txt parsing and matching as RFC 9309 says (newsarchive.capture._robots)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from newsarchive.capture._robots import MAX_ROBOTS_BYTES, RobotsPolicy, parse

ROBOTS = b"""
# a comment
User-agent: *
Disallow: /private/
Allow: /private/open
Disallow: /*.pdf$
Disallow: /search

User-agent: newsarchive
User-agent: otherbot
Disallow: /archive/
Allow: /archive/public
Disallow: /page$
"""


@pytest.mark.parametrize(
    ("token", "path", "allowed"),
    [
        ("somebot", "/", True),
        ("somebot", "/private/x", False),
        ("somebot", "/private/open/y", True),  # longer allow wins
        ("somebot", "/file.pdf", False),
        ("somebot", "/file.pdf?x=1", True),  # $ anchors the end
        ("somebot", "/search?q=x", False),
        ("somebot", "/robots.txt", True),
        ("newsarchive", "/private/x", True),  # our own group replaces the * group
        ("newsarchive", "/archive/2024", False),
        ("newsarchive", "/archive/public/1", True),
        ("newsarchive", "/page", False),
        ("newsarchive", "/page2", True),
        ("otherbot", "/archive/x", False),
    ],
)
def test_matching(token: str, path: str, allowed: bool) -> None:
    assert parse(ROBOTS, token).allowed(path) is allowed


def test_allow_wins_a_tie() -> None:
    policy = parse(b"User-agent: *\nDisallow: /a\nAllow: /a\n", "x")
    assert policy.allowed("/a")


def test_user_agent_is_case_insensitive_and_empty_disallow_allows() -> None:
    policy = parse(
        b"User-Agent: NewsArchive\nDisallow:\n\nUser-agent: *\nDisallow: /\n", "newsarchive"
    )
    assert policy.allowed("/anything")


def test_percent_encoding_is_compared_in_one_form() -> None:
    policy = parse("User-agent: *\nDisallow: /caf\u00e9\n".encode(), "x")
    assert not policy.allowed("/caf%C3%A9/menu")
    assert not policy.allowed("/caf\u00e9")


@pytest.mark.parametrize(
    ("status", "allowed"), [(200, False), (404, True), (403, True), (500, False), (None, False)]
)
def test_status_decides_when_there_are_no_rules(status: int | None, allowed: bool) -> None:
    policy = RobotsPolicy.for_status(status, b"User-agent: *\nDisallow: /\n", "x", "test")
    assert policy.allowed("/story") is allowed


def test_only_the_first_500_kib_are_read() -> None:
    data = b"User-agent: *\n" + b"#" * MAX_ROBOTS_BYTES + b"\nDisallow: /\n"
    assert RobotsPolicy.for_status(200, data, "x", "test").allowed("/story")


@given(st.binary(max_size=2000), st.text(max_size=100))
def test_any_file_and_path_are_read_without_error(data: bytes, path: str) -> None:
    policy = parse(data, "newsarchive")
    assert policy.allowed("/" + path) in {True, False}
