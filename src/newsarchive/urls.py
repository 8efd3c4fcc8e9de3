"""Source URLs: which ones a record accepts, and the canonical form that groups captures.

Accepted (`check_url`): an absolute `http` or `https` URL (scheme in any case)
with `//` and a non-empty host, at most `MAX_URL_LENGTH` characters. Refused:
other schemes, relative URLs, a password in the userinfo (credentials must not
be archived; a bare user name is allowed), whitespace, control or invisible
formatting characters, backslashes (browsers read `\\` as `/`, so
`https://evil.example\\@good.example/` means two things), more than one `@`,
`%` in the host, a host that is not valid (ASCII: letters, digits, `-`, `_`,
dot-separated, one trailing dot allowed, `xn--` labels must decode;
otherwise IDNA 2008 via UTS 46), a
bad IPv6 literal, a port that is not a number up to 65535, a lone surrogate
(a str that is not Unicode text, as `json.loads('"\\ud800"')` makes). Non-ASCII
characters in path and query (IRIs) are accepted.

Canonical form, format v1 (`canonicalize_url`); canonicalizers in the wild
disagree, so these rules are part of the record format, and changing any of
them is a format version change. Applied in this order:

1. Scheme and host lower-cased; a non-ASCII host becomes its IDNA A-label
   (`idna.encode(host, uts46=True)`); an IPv6 literal is lower-cased and
   compressed; an IPv4 address is kept; a trailing dot in the host is kept.
2. A bare user name is kept, percent-encoding normalized as in rule 4.
3. The port loses leading zeros and is dropped when it is the scheme's default
   (80 for http, 443 for https) or empty.
4. Percent-encoding is normalized (RFC 3986 §6.2.2): escapes of unreserved
   characters (`A-Z a-z 0-9 - . _ ~`) are decoded, all other escapes are kept
   with upper-case hex (`%2f` becomes `%2F`, never `/`); non-ASCII characters
   (as UTF-8) and `" < > ^ ` { | }` are percent-encoded; a `%` not followed
   by two hex digits becomes `%25`. This applies to user name, path and query.
5. An empty path becomes `/`; dot segments are removed (RFC 3986 §5.2.4),
   after rule 4, so `%2E%2E` counts as `..`.
6. The query is split on `&` only; parameters whose key (percent-decoded,
   ASCII lower-cased) starts with `utm_` or is in `TRACKING_PARAMETERS` are
   removed, as are empty parameters; the others keep their order and
   spelling. An empty query loses its `?`.
7. The fragment is dropped.

Example: `HTTP://EXAMPLE.com:80/%7euser/./a/../b` → `http://example.com/~user/b`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import unquote

import idna

from newsarchive.errors import InvalidURL

__all__ = [
    "MAX_URL_LENGTH",
    "TRACKING_PARAMETERS",
    "TRACKING_PREFIXES",
    "canonicalize_url",
    "check_url",
]

MAX_URL_LENGTH: Final = 8192
TRACKING_PREFIXES: Final = ("utm_",)
TRACKING_PARAMETERS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "gclsrc",
        "dclid",
        "gbraid",
        "wbraid",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "yclid",
        "igshid",
        "twclid",
        "ttclid",
        "_ga",
        "_gl",
        "mkt_tok",
        "oly_anon_id",
        "oly_enc_id",
        "vero_id",
        "_hsenc",
        "_hsmi",
        "__hstc",
        "__hssc",
        "__hsfp",
        "hsctatracking",
    }
)
_DEFAULT_PORTS: Final = {"http": "80", "https": "443"}
_SCHEME: Final = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
# Whitespace, C0/C1 controls, and invisible formatting (zero-width, bidi, BOM).
_FORBIDDEN: Final = re.compile(
    r"[\x00-\x20\x7f-\x9f\u00a0\u1680\u180e\u2000-\u200f\u2028-\u202f\u205f\u2060-\u206f"
    r"\u3000\ufeff\\\ud800-\udfff]"
)
_ASCII_HOST: Final = re.compile(r"[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*\.?")
_PORT: Final = re.compile(r"[0-9]*")
_NEEDS_WORK: Final = re.compile(r"""[%"<>^`{|}]|[^\x00-\x7f]""")
_PCT_TOKEN: Final = re.compile(r"""%[0-9A-Fa-f]{2}|%|["<>^`{|}]|[^\x00-\x7f]+""")
# A URL already in canonical form needs no work, and most source URLs are one:
# lower-case scheme and host (no `xn--`, no trailing dot), no userinfo or port,
# a non-empty path and a query made only of characters no rule rewrites (no
# `%`, no non-ASCII, no `#`). `_canonical_as_is` adds what a pattern cannot say.
_PLAIN: Final = re.compile(
    r"https?://[a-z0-9-]+(?:\.[a-z0-9-]+)*(/[A-Za-z0-9._~!$&'()*+,;=:@/-]*)"
    r"(?:\?([A-Za-z0-9._~!$&'()*+,;=:@/?-]+))?"
)
_UNRESERVED: Final = frozenset(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
)


def _quote(url: str) -> str:
    return repr(url if len(url) <= 80 else url[:77] + "...")


def _fail(url: str, why: str) -> InvalidURL:
    return InvalidURL(f"'url' must be an absolute http(s) URL: {why} (got {_quote(url)})")


def _split(url: str) -> tuple[str, str, str, str, str | None]:
    """Check `url` and split it into scheme, userinfo, host, port and the rest (path?query)."""
    if not isinstance(url, str):
        raise TypeError(f"url must be str, not {type(url).__name__}")
    if len(url) > MAX_URL_LENGTH:
        raise _fail(url, f"longer than {MAX_URL_LENGTH} characters")
    bad = _FORBIDDEN.search(url)
    if bad is not None:
        char = bad.group()
        if char == "\\":
            what = "a backslash"
        elif "\ud800" <= char <= "\udfff":
            what = f"a lone surrogate (U+{ord(char):04X}, not Unicode text)"
        else:
            what = f"whitespace or an invisible/control character (U+{ord(char):04X})"
        raise _fail(url, f"it contains {what} at position {bad.start()}")
    scheme_match = _SCHEME.match(url)
    if scheme_match is None:
        raise _fail(url, "it is relative (no scheme)")
    scheme = scheme_match.group(1).lower()
    if scheme not in _DEFAULT_PORTS:
        raise _fail(url, f"the scheme is {scheme!r}")
    rest = url[scheme_match.end() :]
    if not rest.startswith("//"):
        raise _fail(url, "it has no '//host'")
    rest = rest[2:]
    cut = min(
        (i for i in (rest.find("/"), rest.find("?"), rest.find("#")) if i >= 0), default=len(rest)
    )
    authority, tail = rest[:cut], rest[cut:]
    userinfo, at, hostport = authority.rpartition("@")
    if at and "@" in userinfo:
        raise _fail(url, "more than one '@' in the authority")
    if ":" in userinfo:
        raise InvalidURL(
            f"'url' must not carry a password: credentials must not be archived (got "
            f"{_quote(url.replace(userinfo, userinfo.split(':')[0] + ':***'))})"
        )
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            raise _fail(url, "unclosed '[' in the host")
        host, port_part = hostport[: end + 1], hostport[end + 1 :]
        if port_part and not port_part.startswith(":"):
            raise _fail(url, "junk after the IPv6 address")
        port = port_part[1:]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise _fail(url, f"{host} is not an IPv6 address") from None
    else:
        host, _, port = hostport.partition(":")
        if ":" in port:
            raise _fail(url, "more than one ':' in the host")
    if not host:
        raise _fail(url, "the host is empty")
    if "%" in host:
        raise _fail(url, "'%' in the host")
    if not _PORT.fullmatch(port) or (port and int(port) > 65535):
        raise _fail(url, f"the port {port[:20]!r} is not a number from 0 to 65535")
    if not host.startswith("["):
        host = _check_host(url, host)
    return scheme, (userinfo if at else ""), host, port, tail


def _check_host(url: str, host: str) -> str:
    """Return the host lower-cased (ASCII) or as an IDNA A-label."""
    if host.isascii():
        if not _ASCII_HOST.fullmatch(host):
            raise _fail(url, f"{host[:60]!r} is not a valid host name")
        host = host.lower()
        if "xn--" in host:  # an A-label must decode, or it names no host at all
            try:
                idna.decode(host.removesuffix("."), uts46=True)
            except (idna.IDNAError, UnicodeError, ValueError):
                raise _fail(url, f"{host[:60]!r} holds an invalid IDNA A-label") from None
        return host
    dot = "." if host.endswith(".") else ""
    try:
        encoded = idna.encode(host.removesuffix("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        raise _fail(url, f"{host[:60]!r} is not a valid international host name") from None
    if not _ASCII_HOST.fullmatch(encoded + dot):
        # idna keeps a trailing dot of its own ("Bücher.." gives "xn--bcher-kva."):
        # the canonical form must be a host this function accepts.
        raise _fail(url, f"{host[:60]!r} is not a valid international host name")
    return encoded + dot


def check_url(url: str) -> str:
    """Return `url` unchanged if a record may name it as its source; else raise `InvalidURL`."""
    if not _canonical_as_is(url):
        _split(url)
    return url


def _canonical_as_is(url: str) -> bool:
    """True when `url` is accepted and already canonical: the fast path of both functions.

    A property test holds it to the full rules: True only where
    `canonicalize_url(url) == url`.
    """
    match = _PLAIN.fullmatch(url) if type(url) is str and len(url) <= MAX_URL_LENGTH else None
    if match is None:
        return False
    path, query = match.groups()
    if "/." in path or "xn--" in url[: match.start(1)]:
        return False  # dot segments to remove, or an A-label to decode
    if query is None:
        return True
    return all(p and not _is_tracking(p) for p in query.split("&"))


def _normalize_escapes(component: str) -> str:
    if not _NEEDS_WORK.search(component):
        return component

    def fix(match: re.Match[str]) -> str:
        token = match.group()
        if token.startswith("%"):
            if len(token) == 1:
                return "%25"
            byte = int(token[1:], 16)
            return chr(byte) if byte in _UNRESERVED else token.upper()
        return "".join(f"%{b:02X}" for b in token.encode("utf-8"))

    return _PCT_TOKEN.sub(fix, component)


def _remove_dot_segments(path: str) -> str:
    # RFC 3986 §5.2.4, over segments rather than the character loop it specifies.
    out: list[str] = []
    segments = path.split("/")
    for i, segment in enumerate(segments):
        last = i == len(segments) - 1
        if segment == ".":
            if last:
                out.append("")
        elif segment == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(segment)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _is_tracking(parameter: str) -> bool:
    key = unquote(parameter.partition("=")[0]).lower()
    return key in TRACKING_PARAMETERS or key.startswith(TRACKING_PREFIXES)


def canonicalize_url(url: str) -> str:
    """The canonical form of `url` by the format v1 rules above (raises `InvalidURL`)."""
    if _canonical_as_is(url):
        return url
    scheme, userinfo, host, port, tail = _split(url)
    if host.startswith("["):
        host = f"[{ipaddress.IPv6Address(host[1:-1]).compressed}]"
    port = port.lstrip("0") or ("0" if port else "")
    netloc = host if not port or port == _DEFAULT_PORTS[scheme] else f"{host}:{port}"
    if userinfo:
        netloc = f"{_normalize_escapes(userinfo)}@{netloc}"
    tail = (tail or "").partition("#")[0]
    path, question, query = tail.partition("?")
    path = _remove_dot_segments(_normalize_escapes(path)) if path else "/"
    if question:
        kept = [p for p in _normalize_escapes(query).split("&") if p and not _is_tracking(p)]
        query = "&".join(kept)
    return f"{scheme}://{netloc}{path}" + (f"?{query}" if question and query else "")
