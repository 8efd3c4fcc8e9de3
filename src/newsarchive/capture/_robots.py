"""robots.txt as RFC 9309 (the Robots Exclusion Protocol) reads it: parsing and matching.

Pure functions: `parse` turns the file into rules for one product token, `allowed` says
whether a path may be fetched. What a fetch of robots.txt means (RFC 9309 section 2.3.1):
2xx, the rules in it; 4xx ("unavailable"), everything allowed; 5xx or no answer
("unreachable"), everything disallowed. `RobotsPolicy.for_status` says it.

Matching: the group whose user-agent line names our token (case-insensitive) or, if
none, the `*` group (several groups for the same agent are merged); the longest matching
rule wins, `allow` winning a tie; `*` matches any run of characters and a final `$`
anchors the end; paths compare percent-encoded (RFC 9309 section 2.2.2). `/robots.txt`
itself is always allowed. Files over 500 KiB are read to that size (section 2.5).
"""

from __future__ import annotations

import re
from typing import Final
from urllib.parse import quote, unquote

import attrs

__all__ = ["MAX_ROBOTS_BYTES", "RobotsPolicy", "parse"]

#: RFC 9309 section 2.5: crawlers must parse at least 500 kibibytes.
MAX_ROBOTS_BYTES: Final = 500 * 1024
_SAFE: Final = "/?=&;:@$,!*'()+-._~%"


def _normal(path: str) -> str:
    """A path in one percent-encoded form: escapes decoded where they stand for
    characters that need none, and every other character encoded as UTF-8."""
    return quote(unquote(path), safe=_SAFE)


@attrs.frozen
class _Rule:
    allow: bool
    path: str
    pattern: re.Pattern[str]

    @classmethod
    def of(cls, allow: bool, path: str) -> _Rule:
        normal = _normal(path)
        anchored = normal.endswith("$")
        body = normal.removesuffix("$") if anchored else normal
        regex = ".*".join(re.escape(part) for part in body.split("*"))
        return cls(allow, normal, re.compile(regex + ("$" if anchored else ""), re.DOTALL))


@attrs.frozen
class RobotsPolicy:
    """The rules of a robots.txt for one product token, and how they were obtained."""

    rules: tuple[_Rule, ...] = ()
    #: Everything allowed (robots.txt unavailable) or disallowed (unreachable).
    default_allow: bool = True
    #: For people: "robots.txt 200", "no robots.txt (404)", ...
    source: str = ""

    @classmethod
    def for_status(cls, status: int | None, body: bytes, token: str, source: str) -> RobotsPolicy:
        """The policy a fetch of robots.txt gives: status None means no answer."""
        if status is not None and 200 <= status < 300:
            return parse(body[:MAX_ROBOTS_BYTES], token, source=source)
        if status is not None and 400 <= status < 500:
            return cls((), default_allow=True, source=source)
        return cls((), default_allow=False, source=source)

    def allowed(self, path: str) -> bool:
        """Whether `path` (path and query of a URL, `/` at least) may be fetched."""
        target = _normal(path or "/")
        if target == "/robots.txt":
            return True
        if not self.rules:
            return self.default_allow
        best: _Rule | None = None
        for rule in self.rules:
            if rule.pattern.match(target) and (
                best is None
                or len(rule.path) > len(best.path)
                or (len(rule.path) == len(best.path) and rule.allow and not best.allow)
            ):
                best = rule
        return True if best is None else best.allow


def parse(data: bytes, token: str, *, source: str = "") -> RobotsPolicy:
    """The rules of a robots.txt file that apply to the product token `token`."""
    text = data.decode("utf-8", "replace")
    mine: list[_Rule] = []
    anyone: list[_Rule] = []
    agents: list[str] = []
    in_rules = False
    matched_mine = False
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "user-agent":
            if in_rules:  # a user-agent line after rules starts a new group
                agents, in_rules = [], False
            agents.append(value.lower())
        elif key in {"allow", "disallow"} and agents:
            in_rules = True
            matched_mine = matched_mine or token in agents
            if not value:
                continue  # an empty disallow allows everything: no rule
            rule = _Rule.of(key == "allow", value)
            if token in agents:
                mine.append(rule)
            elif "*" in agents:
                anyone.append(rule)
        elif key in {"allow", "disallow"}:
            continue
        elif agents:
            in_rules = True  # other records (crawl-delay, ...) end the user-agent lines too
    return RobotsPolicy(tuple(mine if matched_mine else anyone), default_allow=True, source=source)
