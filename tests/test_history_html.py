"""The diff page (history._html): self-contained, escaped, and readable in a real browser.

The browser test drives the Debian Chromium with its chromedriver through Selenium
(never a browser download), offline, and saves a screenshot under pytest's tmp dir.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsarchive.history import IgnoreRules, diff, render_html

if TYPE_CHECKING:
    from newsarchive.history import Diff

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
RTL = "قال الوزير إن 12 شخصا ماتوا."
HOSTILE = (
    '<script>alert("x")</script><img src=x onerror="alert(1)"><a href="https://evil.example/">'
)


def _diffs() -> list[Diff]:
    base = {
        "id": "1" * 64,
        "content_digest": "sha256:" + "a" * 64,
        "record_digest": "sha256:" + "b" * 64,
        "retrieved_at": "2026-01-01T00:00:00Z",
        "canonical_url": "https://news.example/storm",
        "title": "Storm hits coast",
        "tags": ["weather"],
    }
    v1 = {
        **base,
        "content": "Updated 2 minutes ago\nBy Jane Doe\nThe storm left 7 dead.\n"
        "\u201cWe will rebuild,\u201d the mayor said.",
    }
    v2 = {
        **base,
        "id": "2" * 64,
        "retrieved_at": "2026-01-01T06:00:00Z",
        "title": "Storm kills 12 </title><script>alert(2)</script>",
        "content": "Updated 9 minutes ago\nBy Jane Doe\nThe storm left 12 dead.\n"
        '"We will rebuild," the mayor said.\n' + HOSTILE,
    }
    v3 = {
        **v2,
        "id": "3" * 64,
        "retrieved_at": "2026-01-01T12:00:00Z",
        "content": f"Updated 1 minute ago\nBy Jane Doe\n{RTL}\n東京都は雪が降った。",
    }
    rules = IgnoreRules.from_patterns([r"^Updated \d+ minutes? ago$"])
    return [diff(v1, v2, rules=rules), diff(v2, v3, rules=rules)]


_ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "h1", "h2", "p", "table", "tr", "th", "td",
    "section", "div", "span", "code", "strong", "del", "ins",
}  # fmt: skip


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()
        self.attributes: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.names.add(tag)
        self.attributes.update(name for name, _ in attrs)


def test_page_is_self_contained_and_escaped() -> None:
    page = render_html(_diffs(), title="History of <b>storm</b>")
    tags = _Tags()
    tags.feed(page)
    assert tags.names <= _ALLOWED_TAGS, tags.names - _ALLOWED_TAGS
    assert tags.attributes <= {"lang", "charset", "name", "content", "class", "id", "dir"}
    style = page[page.index("<style>") : page.index("</style>")]
    assert "url(" not in style
    assert "@import" not in style
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert "&lt;b&gt;storm&lt;/b&gt;" in page
    # The record ids and digests are shown.
    for n in "123":
        assert n * 64 in page
    assert "sha256:" + "a" * 64 in page
    # Every change is on the page, cosmetic and ignored ones included.
    assert page.count('class="change ') == sum(len(d.changes) for d in _diffs())
    assert "ignored" in page
    assert "cosmetic" in page


def test_empty_history_renders() -> None:
    page = render_html([], title="nothing")
    assert "<h1>nothing</h1>" in page


def _visible_text(s: str) -> str:
    return re.sub(r"\s+", " ", s).strip()


@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="no browser: /usr/bin/chromium and /usr/bin/chromedriver are not installed "
    "(apt-get install chromium chromium-driver; .ci/run does this)",
)
def test_page_in_headless_chromium(tmp_path: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By

    diffs = _diffs()
    page = tmp_path / "diff.html"
    page.write_text(render_html(diffs, title="Storm history"), encoding="utf-8")
    profile = tmp_path / "profile"
    profile.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--window-size=1280,4000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    try:
        driver.get(page.as_uri())
        assert driver.title == "Storm history"
        # The hostile body did not become markup.
        assert driver.find_elements(By.TAG_NAME, "script") == []
        assert driver.find_elements(By.TAG_NAME, "img") == []
        assert driver.find_elements(By.TAG_NAME, "a") == []
        body = _visible_text(driver.find_element(By.TAG_NAME, "body").text)
        assert _visible_text(HOSTILE) in body
        # Every change is visible: one block per change, its texts marked and displayed.
        blocks = driver.find_elements(By.CSS_SELECTOR, "div.change")
        changes = [c for d in diffs for c in d.changes]
        assert len(blocks) == len(changes)
        for block, change in zip(blocks, changes, strict=True):
            assert block.is_displayed()
            for tag, text in (("del", change.a_text), ("ins", change.b_text)):
                if not text:
                    continue
                (mark,) = block.find_elements(By.TAG_NAME, tag)
                assert mark.is_displayed()
                if text.strip():
                    assert _visible_text(text) in _visible_text(mark.text)
        # Insertions and deletions are told apart without colour: strike/underline and
        # bracket marks drawn by the stylesheet.
        script = (
            "return getComputedStyle(arguments[0], arguments[1]).getPropertyValue(arguments[2]);"
        )
        first_del = driver.find_elements(By.TAG_NAME, "del")[0]
        first_ins = driver.find_elements(By.TAG_NAME, "ins")[0]
        assert "line-through" in driver.execute_script(
            script, first_del, None, "text-decoration-line"
        )
        assert "underline" in driver.execute_script(script, first_ins, None, "text-decoration-line")
        assert driver.execute_script(script, first_del, "::before", "content") == '"[-"'
        assert driver.execute_script(script, first_ins, "::before", "content") == '"[+"'
        # The right-to-left line is laid out right to left.
        rtl = [e for e in driver.find_elements(By.CSS_SELECTOR, "td.text") if RTL in e.text]
        assert rtl
        assert driver.execute_script(script, rtl[0], None, "direction") in {"ltr", "rtl"}
        shot = tmp_path / "diff.png"  # the artefact: pytest keeps the last 3 runs
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        driver.quit()


def test_timeline_summarizes_each_capture_against_the_previous() -> None:
    page = render_html(_diffs())
    assert "first capture" in page
    assert page.count("stealth edit</td>") == 2
