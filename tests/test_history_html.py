"""The diff page (history._html): self-contained, escaped, and readable in a real browser.

The browser test drives the Debian Chromium with its chromedriver through Selenium
(never a browser download), offline, and saves a screenshot under pytest's tmp dir.
"""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from newsarchive.history import (
    IgnoreRules,
    build_history,
    diff,
    render_history_html,
    render_html,
    summarize,
)

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

    from newsarchive.history import Capture, Diff, History

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


needs_chromium = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="no browser: /usr/bin/chromium and /usr/bin/chromedriver are not installed "
    "(apt-get install chromium chromium-driver; .ci/run does this)",
)


def _chromium(tmp_path: Path) -> WebDriver:
    """Debian's headless Chromium through its chromedriver, offline-minded, with the
    network requests it makes logged (performance log)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

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
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))


@needs_chromium
def test_page_in_headless_chromium(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    diffs = _diffs()
    page = tmp_path / "diff.html"
    page.write_text(render_html(diffs, title="Storm history"), encoding="utf-8")
    driver = _chromium(tmp_path)
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


# -- the page of a whole history (render_history_html) ----------------------------------


def _history() -> History:
    d = _diffs()
    v1, v2, v3 = (
        {**_record(c), "url": "https://news.example/storm"} for c in (d[0].a, d[0].b, d[1].b)
    )
    events = [
        {"type": "capture", "record_id": v2["id"], "at": "2026-01-01T08:00:00Z",
         "outcome": "failure", "detail": "https://news.example/storm: 404: the page vanished"},
        {"type": "capture", "record_id": v3["id"], "at": "2026-01-02T00:00:00Z",
         "outcome": "success", "detail": "fetched again <b>unchanged</b>"},
    ]  # fmt: skip
    rules = IgnoreRules.from_patterns([r"^Updated \d+ minutes? ago$"])
    return build_history([v3, v1, v2], events=events, rules=rules, text="12 dead")


def _record(c: Capture) -> dict[str, object]:
    """The record dict behind a capture of `_diffs()` (ids and times from the fixture)."""
    d = _diffs()
    content = {d[0].a.id: d[0].a_content, d[0].b.id: d[0].b_content, d[1].b.id: d[1].b_content}
    return {
        "id": c.id,
        "retrieved_at": c.retrieved_at,
        "title": c.title,
        "content_digest": c.content_digest,
        "record_digest": c.record_digest,
        "canonical_url": c.url,
        "content": content[c.id],
    }


def test_history_page_is_self_contained_and_escaped() -> None:
    h = _history()
    page = render_history_html(h)
    tags = _Tags()
    tags.feed(page)
    assert tags.names <= _ALLOWED_TAGS | {"q"}, tags.names - _ALLOWED_TAGS
    assert tags.attributes <= {
        "lang",
        "charset",
        "name",
        "content",
        "class",
        "id",
        "dir",
        "colspan",
    }
    assert "<title>History of https://news.example/storm</title>" in page
    assert "&lt;b&gt;unchanged&lt;/b&gt;" in page  # an event's detail is text too
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in page
    assert page.count('<tr class="capture">') == 3
    assert page.count('<tr class="event vanished">') == 1
    assert page.count('<tr class="event back">') == 1
    # The third capture (12:00) came after the 404 (08:00): it is "back"; the success
    # event of the next day stored no record: a recapture.
    assert page.count('<tr class="event recapture">') == 1
    assert page.count('class="change ') == sum(len(d.changes) for d in h.diffs)
    assert '<table id="phrase">' in page


def _requests(driver: WebDriver) -> list[tuple[str, str]]:
    """(document URL, request URL) of every request logged (Network.requestWillBeSent)."""
    out = []
    for entry in driver.get_log("performance"):  # type: ignore[no-untyped-call]
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            params = message["params"]
            out.append((params.get("documentURL", ""), params["request"]["url"]))
    return out


@needs_chromium
def test_history_page_in_headless_chromium(tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    h = _history()
    page = tmp_path / "history.html"
    page.write_text(render_history_html(h, title="Storm, every capture"), encoding="utf-8")
    driver = _chromium(tmp_path)
    try:
        _requests(driver)  # drop what the browser's own start-up page asked for
        driver.get(page.as_uri())
        assert driver.title == "Storm, every capture"
        assert driver.find_elements(By.TAG_NAME, "script") == []
        # The timeline: one row per entry, in order, each saying what it is.
        rows = driver.find_elements(By.CSS_SELECTOR, "#timeline tr.capture, #timeline tr.event")
        assert len(rows) == len(h.entries)
        for row, entry in zip(rows, h.entries, strict=True):
            assert row.is_displayed()
            text = _visible_text(row.text)
            assert entry.at in text
            assert (entry.record_id or "-") in text
        texts = [_visible_text(r.text) for r in rows]
        assert "first capture" in texts[0]
        s = summarize(h.diffs[0])
        assert f"changed, +{s.words_added}/-{s.words_removed} words" in texts[1]
        assert "headline changed, stealth edit" in texts[1]
        assert "vanished: the page answered 404/410" in texts[2]
        assert "back: captured again after it vanished" in texts[3]
        assert "captured again, no new record (fetched again <b>unchanged</b>)" in texts[5]
        # The phrase's span: from the second capture, gone in the third.
        phrase = _visible_text(driver.find_element(By.ID, "phrase").text)
        assert h.phrase_spans[0].appeared_id in phrase
        assert h.phrase_spans[0].vanished_id in phrase  # type: ignore[operator]
        # Every change of every pair is shown, marked without colour alone.
        blocks = driver.find_elements(By.CSS_SELECTOR, "div.change")
        changes = [c for d in h.diffs for c in d.changes]
        assert len(blocks) == len(changes)
        for block, change in zip(blocks, changes, strict=True):
            assert block.is_displayed()
            for tag, txt in (("del", change.a_text), ("ins", change.b_text)):
                if txt.strip():
                    (mark,) = block.find_elements(By.TAG_NAME, tag)
                    assert _visible_text(txt) in _visible_text(mark.text)
        number = next(c for c in changes if "number" in c.labels)
        assert number.a_text == "7"
        assert any(d.text == "7" for d in driver.find_elements(By.TAG_NAME, "del"))
        assert any(i.text == "12" for i in driver.find_elements(By.TAG_NAME, "ins"))
        # Nothing but the page itself was requested (the browser's own chrome:// start
        # page may still be logging its resources: those are not the page's).
        requests = [url for doc, url in _requests(driver) if not doc.startswith("chrome")]
        assert requests == [page.as_uri()]
        resources = driver.execute_script("return performance.getEntriesByType('resource').length")
        assert resources == 0
        shot = tmp_path / "history.png"
        assert driver.save_screenshot(str(shot))
        assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    finally:
        driver.quit()


def test_empty_history_page_renders() -> None:
    page = render_history_html(build_history([]))
    assert "<h1>History of an article</h1>" in page
    assert page.count("<tr") == 1  # the heading row only
