"""End to end: `newsearch serve` as a real gunicorn subprocess on a free port (building its index on first start),
driven in headless Chromium with Playwright as a user would: type a query, follow a facet, page, open an article;
search quotes, open a speaker's page with its chart, go on to the article.

Uses Debian's chromium (`playwright install` cannot download browsers here); skipped, with the reason shown,
only where no Chromium can be had.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import REPO
from .test_web import ARTICLES, HARBOUR_TOTAL, XSS_HEADLINE

CHROMIUM = os.environ.get("NEWSEARCH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_healthy(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"newsearch serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                return json.load(r)
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"{url} not healthy after {timeout}s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    """`newsearch serve` on a corpus with no index yet; yields its base URL."""
    root = tmp_path_factory.mktemp("serve")
    corpus = root / "corpus"
    corpus.mkdir()
    (corpus / "articles.jsonl").write_text("\n".join(json.dumps(a) for a in ARTICLES), encoding="utf-8")
    port = _free_port()
    log = root / "serve.log"
    cmd = [sys.executable, "-m", "search", "--index", str(root / "index"), "--corpus", str(corpus), "serve",
           "--host", "127.0.0.1", "--port", str(port), "--workers", "2"]
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        health = _wait_healthy(base + "/healthz", proc, log)
        assert (health["status"], health["articles"]) == ("ok", len(ARTICLES))  # the index was built before serving
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # gunicorn's master and its workers: a graceful stop
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert "building one from" in log.read_text()


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed")
    if not Path(CHROMIUM).is_file():
        pytest.skip(f"no Chromium at {CHROMIUM}: install Debian's chromium package (apt-get install chromium)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(java_script_enabled=True)
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    pg.problems = []  # dialogs (an injected alert()) and console errors (a CSP violation) seen on the page
    pg.on("dialog", lambda d: (pg.problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("console", lambda m: pg.problems.append(f"console: {m.text}") if m.type == "error" else None)
    yield pg
    context.close()


def test_search_facet_paging_and_article(server: str, page) -> None:
    page.goto(server + "/")
    page.get_by_role("searchbox", name="Search news").fill("harbour")
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=harbour*")
    status = page.get_by_role("status")
    assert status.inner_text().startswith(f"{HARBOUR_TOTAL} results")
    hits = page.locator("li.hit")
    assert hits.count() == 10
    assert page.locator("li.hit h2 mark").first.inner_text().lower() == "harbour"

    # Follow a facet: only Business articles, shown as an active filter that can be removed.
    page.get_by_role("complementary", name="Refine").get_by_role("link", name="Business").click()
    page.wait_for_url("**section=Business*")
    assert status.inner_text().startswith("3 results")
    assert all("Business" in m for m in page.locator("li.hit p.meta").all_inner_texts())
    page.get_by_role("link", name="Remove filter Section: Business").click()
    page.wait_for_url(lambda url: "section=" not in url)
    assert status.inner_text().startswith(f"{HARBOUR_TOTAL} results")

    # Page on: the second page holds the rest and says it is the current page.
    page.get_by_role("navigation", name="Pages").get_by_role("link", name="Next").click()
    page.wait_for_url("**page=2*")
    assert hits.count() == HARBOUR_TOTAL - 10
    assert page.locator("nav.pages [aria-current=page]").inner_text() == "2"

    # Open an article from the results.
    first = hits.first.get_by_role("heading").get_by_role("link")
    headline = first.inner_text()
    first.click()
    page.wait_for_url("**/articles/*")
    assert page.get_by_role("heading", level=1).inner_text() == headline
    assert page.get_by_role("heading", name="Related articles").is_visible()
    assert page.problems == []


def test_sort_and_dates_from_the_form_and_an_article_with_quotes(server: str, page) -> None:
    page.goto(server + "/search?q=harbour")
    page.get_by_text("Sort and dates").click()
    page.get_by_label("Sort by").select_option("oldest")
    page.get_by_label("From").fill("2023-01-01")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**sort=oldest*")
    dates = page.locator("li.hit time").all_inner_texts()
    assert dates == ["2023-02-02", "2023-04-01", "2023-06-30", "2024-01-05"]
    page.get_by_role("link", name="Storm damages harbour wall").click()
    quotes = page.get_by_role("region", name="Who said what")
    assert "never seen waves like it" in quotes.inner_text()
    assert quotes.get_by_role("link", name="Marta Quist").is_visible()
    assert page.problems == []


def test_markup_in_an_article_stays_text_in_the_browser(server: str, page) -> None:
    page.goto(server + "/search?q=markup")
    link = page.locator("li.hit h2 a").first
    assert link.inner_text().startswith("<script>alert('headline')</script>")
    assert page.locator("main img, main script").count() == 0
    link.click()
    page.wait_for_url("**/articles/*")
    assert page.get_by_role("heading", level=1).inner_text() == XSS_HEADLINE
    assert page.locator("main img, main script").count() == 0
    assert page.problems == []  # no alert() ran, no CSP violation


def test_readable_on_a_phone(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    pg = context.new_page()
    pg.goto(server + "/search?q=harbour")  # fully usable with JavaScript off
    assert pg.locator("li.hit").count() == 10
    width = pg.evaluate("document.documentElement.scrollWidth")  # evaluate runs even with page scripts off
    assert width <= 375, f"the page scrolls sideways on a phone: {width}px wide"
    context.close()


def test_quote_search_a_speaker_page_and_back_to_the_article(server: str, page) -> None:
    page.goto(server + "/")
    page.get_by_role("navigation", name="Sections").get_by_role("link", name="Quotes").click()
    page.wait_for_url("**/quotes")
    page.get_by_role("searchbox", name="Search quotes").fill("waves")
    page.keyboard.press("Enter")
    page.wait_for_url("**/quotes?q=waves*")
    assert page.get_by_role("status").inner_text().startswith("1 quotation")
    quote = page.locator("li.quote-hit").first
    assert quote.locator("blockquote").inner_text() == "We have never seen waves like it,"
    assert quote.locator("blockquote mark").inner_text() == "waves"
    assert "First seen 2024-01-05 · seen in 1 article" in quote.inner_text()

    # A facet adds a filter; the chip removes it again.
    page.get_by_role("complementary", name="Refine").get_by_role("link", name="direct").click()
    page.wait_for_url("**kind=direct*")
    assert page.get_by_role("status").inner_text().startswith("1 quotation")
    page.get_by_role("link", name="Remove filter Direct or indirect: direct").click()
    page.wait_for_url(lambda url: "kind=" not in url)

    # The speaker's page: counts, a drawn timeline, everything said, each article linked.
    page.locator("li.quote-hit").first.get_by_role("link", name="Marta Quist").click()
    page.wait_for_url("**/sources/marta-quist")
    assert page.get_by_role("heading", level=1).inner_text() == "Marta Quist"
    assert page.get_by_role("img", name="Quotes per month").is_visible()
    bars = page.locator("figure.timeline svg rect")
    assert bars.count() == 1 and bars.first.bounding_box()["height"] > 10
    said = page.get_by_role("region", name="What Marta Quist said")
    assert said.locator("blockquote").all_inner_texts() == ["We have never seen waves like it,"]
    said.get_by_role("link", name="Storm damages harbour wall").click()
    page.wait_for_url("**/articles/*")
    assert page.get_by_role("heading", level=1).inner_text() == "Storm damages harbour wall"
    page.get_by_role("region", name="Who said what").get_by_role("link", name="Marta Quist").click()
    page.wait_for_url("**/sources/marta-quist")
    assert page.problems == []  # no CSP violation: the chart is plain SVG, no script, no inline style


def test_quote_pages_readable_on_a_phone(server: str, browser) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, java_script_enabled=False)
    pg = context.new_page()
    for url, item in (("/quotes", "li.quote-hit"), ("/sources/marta-quist", "li.quote-hit"),
                      ("/sources", "ol.sources li")):
        pg.goto(server + url)  # fully usable with JavaScript off
        assert pg.locator(item).count() >= 1, url
        width = pg.evaluate("document.documentElement.scrollWidth")
        assert width <= 375, f"{url} scrolls sideways on a phone: {width}px wide"
    context.close()
