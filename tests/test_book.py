"""The built book: it builds strictly (warnings are errors) and renders math without a network;
and what a reader sees, every page opened in headless Chromium. One module, so that one build
serves both under pytest-xdist (`--dist loadscope` keeps a module on one worker).

The browser tests fail on a MathJax error, TeX left unrendered, an image that did not load, an equation cut off
at the left or too wide without a sideways scroll, a verdict box wider than the content
column, a printed line or warning that runs past its box, or anything loaded from the
network; at 1280 px and at a phone's 420 px. Needs
Debian's `chromium` and `chromium-driver` and the `selenium` package; without them the test
skips and says how to install them, except where INTENSE_REQUIRE_BROWSER=1 (CI sets it),
where a missing browser is a failure.
"""

import os
import re
import shutil
from pathlib import Path

import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_book_builds_strictly_with_offline_mathjax_and_figures(built_book):
    html = built_book
    pages = {p.relative_to(html).as_posix(): p.read_text() for p in html.rglob("*.html")}
    for page in [
        "book/intro.html",
        "book/mnl.html",
        "book/intense.html",
        "notebooks/theorem1.html",
        "notebooks/theorem2.html",
        "notebooks/what_can_go_wrong.html",
        "notebooks/speed.html",
    ]:
        assert page in pages, f"{page} missing from the build"
    # MathJax comes from the build's own _static folder, never from a CDN
    assert (html / "_static" / "mathjax" / "tex-chtml.js").is_file()
    assert (html / "_static" / "mathjax" / "output" / "chtml" / "fonts" / "woff-v2").is_dir()
    for name, text in pages.items():
        for src in re.findall(r'<script[^>]+src="([^"]*mathjax[^"]*)"', text):
            assert not src.startswith("http"), f"{name} loads MathJax from {src}"
    # each notebook chapter shows at least one figure, and states its verdict
    for page in ["notebooks/theorem1.html", "notebooks/theorem2.html", "notebooks/what_can_go_wrong.html"]:
        assert re.search(r'<img [^>]*src="[^"]+\.png"', pages[page]), f"{page} has no figure"
        assert "REPRODUCED" in pages[page], f"{page} states no verdict"


@pytest.mark.slow
def test_every_chapter_built_on_records_links_to_them_and_the_links_resolve(built_book):
    html = built_book
    linked = set()
    for page in (html / "notebooks").glob("*.html"):
        hrefs = re.findall(r'href="(\.\./results/[^"]+)"', page.read_text())
        for href in hrefs:
            assert (page.parent / href).resolve().is_file(), f"{page.name} links to missing {href}"
        linked |= {page.stem} if hrefs else set()
    # every chapter that shows committed runs or results files (the theorem checks compute theirs)
    built_on_records = {
        nb.stem
        for nb in (ROOT / "notebooks").glob("*.ipynb")
        if re.search(r"notebook_runs\(|show_records\(|chapter\.runs\(", nb.read_text())
    }
    assert built_on_records >= {"fig3_synthgene", "table1_real_world", "speed", "learning"}  # the search finds them
    assert built_on_records <= linked, f"chapters without a link to their records: {built_on_records - linked}"


@pytest.mark.slow
def test_every_claim_is_shown_in_its_chapter_under_its_own_anchor(built_book):
    """The scoreboard links each claim to chapter.html#id; the chapter shows the claim's verdict
    there (`Chapter.verdict`), once."""
    from intense.repro.registry import CLAIMS

    for claim in CLAIMS.values():
        page = (built_book / f"{claim.chapter}.html").read_text()
        assert page.count(f'id="{claim.id}"') == 1, f"{claim.id} is not shown once in {claim.chapter}"
    intro = (built_book / "book" / "intro.html").read_text()
    assert all(f'href="../{c.chapter}.html#{c.id}"' in intro for c in CLAIMS.values())


try:
    from selenium.common.exceptions import TimeoutException, WebDriverException
    from selenium.webdriver.support.wait import WebDriverWait
except ImportError:  # the `browser` fixture skips (or fails in CI) with instructions
    TimeoutException = WebDriverException = TimeoutError

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
INSTALL = "apt-get install chromium chromium-driver, and pip install -e '.[test]' (selenium)"

# run in the page once MathJax has typeset it; returns what a reader would notice
INSPECT = r"""
const done = arguments[arguments.length - 1];
const inspect = () => {
  const article = document.querySelector("article") || document.querySelector("main") || document.body;
  // the column a reader sees: the article, or the window where the article is wider
  const box = article.getBoundingClientRect();
  const column = {left: box.left, right: Math.min(box.right, document.documentElement.clientWidth)};
  const text = (() => {
    const copy = article.cloneNode(true);
    copy.querySelectorAll("pre, code, .highlight, mjx-container, script, style").forEach(e => e.remove());
    return copy.innerText;
  })();
  const raw = (text.match(/\$\$|\\begin\{|\\end\{|\\tag\{|\\frac|\\sum_|\\mathbb/g) || []);
  const images = Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src);
  // a display equation must start inside its box, and a wider one must scroll sideways
  const equations = Array.from(document.querySelectorAll('mjx-container[display="true"]')).filter(e => {
    const box = e.parentElement, math = e.querySelector("mjx-math") || e;
    const outer = box.getBoundingClientRect(), inner = math.getBoundingClientRect();
    const scrolls = ["auto", "scroll"].includes(getComputedStyle(box).overflowX);
    return inner.left < outer.left - 1 || (inner.right > outer.right + 1 && !scrolls);
  }).map(e => e.textContent.slice(0, 60));
  const verdicts = Array.from(document.querySelectorAll(".intense-verdict")).filter(e => {
    const box = e.getBoundingClientRect();
    return box.right > column.right + 1 || e.scrollWidth > e.clientWidth + 1;
  }).map(e => e.textContent.slice(0, 80));
  // a table wider than the column must sit in a box that scrolls sideways, not be cut off
  const scrollsInColumn = e => ["auto", "scroll"].includes(getComputedStyle(e).overflowX)
    && e.getBoundingClientRect().right <= column.right + 1;
  const tables = Array.from(article.querySelectorAll("table")).filter(t => {
    if (t.getBoundingClientRect().right <= column.right + 1) return false;
    for (let e = t.parentElement; e && e !== article; e = e.parentElement) {
      if (scrollsInColumn(e)) return false;
    }
    return true;
  }).map(t => t.textContent.slice(0, 60));
  // a figure shown at under 60 % of its size has text too small to read, except on a phone,
  // where it fits the screen and links to its full-size image
  const phone = document.documentElement.clientWidth < 720;
  const linked = i => i.closest("a") && i.closest("a").getAttribute("href") === i.getAttribute("src");
  const figures = Array.from(article.querySelectorAll("div.cell_output img"))
    .filter(i => i.naturalWidth > 0 && i.getBoundingClientRect().width < 0.6 * i.naturalWidth)
    .filter(i => !(phone && linked(i)))
    .map(i => `${i.src.split("/").pop()}: ${Math.round(i.getBoundingClientRect().width)} of ${i.naturalWidth} px`);
  // printed lines and warnings must wrap: nobody scrolls sideways to read one
  const warnings = Array.from(document.querySelectorAll("div.output.stderr pre, div.output.stream pre"))
    .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.textContent.slice(0, 80));
  // one search control in view: the theme's top bar repeated the sidebar's on a wide window
  const searches = Array.from(document.querySelectorAll(".search-button__button, form.bd-search"))
    .filter(e => e.getClientRects().length > 0 && e.getBoundingClientRect().width > 0);
  const search = searches.length === 1 ? [] : [`${searches.length} search controls in view`];
  const network = performance.getEntriesByType("resource").map(r => r.name)
    .filter(n => !n.startsWith("file:") && !n.startsWith("data:") && !n.startsWith("blob:"));
  return {
    errors: Array.from(document.querySelectorAll("mjx-merror")).map(e => e.textContent),
    raw: raw, images: images, equations: equations, verdicts: verdicts, warnings: warnings, tables: tables,
    figures: figures, search: search, network: network,
  };
};
// MathJax rejects its start-up promise when typesetting throws; that, and an error in the
// inspection itself, is reported as found, never left to run into the script timeout
const report = (what, err) => done({[what]: [String((err && err.stack) || err)]});
const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
ready.then(() => {
  try { done(inspect()); } catch (err) { report("javascript", err); }
}, err => report("mathjax", err));
"""

# seconds INSPECT may take on one page (0.3 s on a quiet machine)
SCRIPT_TIMEOUT = 60

# what the page was doing when INSPECT did not answer in time
STATE = r"""
const math = document.querySelectorAll(".math, .tex2jax_process, .mathjax_process");
return {
  readyState: document.readyState,
  mathjax: window.MathJax ? (MathJax.version || "its configuration only: the script did not run") : "absent",
  typeset: document.querySelectorAll("mjx-container").length,
  untypeset: Array.from(math).filter(e => !e.querySelector("mjx-container")).length,
};
"""


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and DRIVER):
        if os.environ.get("INTENSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"headless Chromium is required here but not installed: {INSTALL}")
        pytest.skip(f"no headless Chromium: {INSTALL}")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        if os.environ.get("INTENSE_REQUIRE_BROWSER") == "1":
            pytest.fail(f"selenium is required here but not installed: {INSTALL}")
        pytest.skip(f"selenium is not installed: {INSTALL}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--allow-file-access-from-files",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # the console, reported on a timeout
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.set_script_timeout(SCRIPT_TIMEOUT)
    yield driver
    driver.quit()


def open_page(browser, page: Path) -> None:
    """Open `page` and wait until it has loaded (its scripts run, intense.js's figure links made,
    its images in). Under load (the notebooks run beside this test in `make test`), chromedriver
    has returned from `get` while the new document had no body yet: the checks then ran on a
    page half parsed and reported what was not there yet. Raises TimeoutException after
    `SCRIPT_TIMEOUT` s."""
    uri = page.as_uri()
    browser.get(uri)
    loaded = "return document.readyState === 'complete' && document.body !== null && location.href"
    WebDriverWait(browser, SCRIPT_TIMEOUT, ignored_exceptions=(WebDriverException,)).until(
        lambda driver: driver.execute_script(loaded) == uri, f"{page.name} did not load within {SCRIPT_TIMEOUT} s"
    )


def inspect_pages(browser, html: Path, widths=(1280, 420)) -> dict[str, dict]:
    """For every page of the book, at each window width: what `INSPECT` found (problems only)."""
    problems = {}
    for width in widths:
        browser.set_window_size(width, 1000)
        for page in sorted(html.rglob("*.html")):
            if page.parent.name in ("_static", "_sources") or page.name in ("genindex.html", "search.html"):
                continue
            if 'http-equiv="Refresh"' in page.read_text():  # a redirect (index.html): its target is checked
                continue
            browser.get_log("browser")  # drop earlier pages' console messages
            try:
                open_page(browser, page)
                found = {k: v for k, v in browser.execute_async_script(INSPECT).items() if v}
            except TimeoutException as err:  # what the page was doing, and what it logged
                found = {
                    "timeout": f"no answer within {SCRIPT_TIMEOUT} s ({err.msg.strip()})",
                    "state": browser.execute_script(STATE),
                    "console": [entry["message"] for entry in browser.get_log("browser")],
                }
            if found:
                problems[f"{page.relative_to(html).as_posix()} at {width} px"] = found
    return problems


@pytest.mark.slow
def test_every_page_renders_for_a_reader(browser, built_book):
    problems = inspect_pages(browser, built_book)
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())


@pytest.mark.slow
def test_broken_equations_are_caught(browser, built_book, tmp_path):
    """The check itself can fail: a brace left open leaves TeX unrendered, a \\tag inside a
    split environment (what the book once had for eq. 3, 9 and 26) is a MathJax error, a failed
    MathJax start-up and an error in the inspection are reported (not left to time out), a
    warning that does not wrap runs past its box, a table wider than the column outside a
    scrolling box is cut off, a figure of 3000 px squeezed into the column is illegible, and a
    second search control in view is one too many."""
    broken = tmp_path / "html"
    shutil.copytree(built_book, broken)
    page = broken / "book" / "mnl.html"
    page.write_text(page.read_text().replace("\\Lambda", "\\Lambda_{", 1))
    page = broken / "book" / "intense.html"
    split = '<div class="math notranslate nohighlight">\\[\\begin{split}a\\\\ b\\tag{3}\\end{split}\\]</div>'
    page.write_text(page.read_text().replace("</article>", split + "</article>", 1))
    page = broken / "book" / "deviations.html"
    unwrapped = '<div class="output stderr"><pre style="white-space:pre">' + "stale " * 400 + "</pre></div>"
    page.write_text(page.read_text().replace("</article>", unwrapped + "</article>", 1))
    page = broken / "book" / "synthetic.html"
    wide = '<table style="width:3000px"><tr><td>cut off</td></tr></table>'
    page.write_text(page.read_text().replace("</article>", wide + "</article>", 1))
    # MathJax rejects its start-up promise when typesetting throws; the inspection can throw too
    page = broken / "book" / "real_world.html"
    failing = 'window.MathJax = {"startup": {"pageReady": () => Promise.reject(new Error("typesetting failed"))}, '
    page.write_text(page.read_text().replace("window.MathJax = {", failing, 1))
    page = broken / "book" / "intro.html"
    throwing = '<script>performance.getEntriesByType = () => { throw new Error("no entries"); };</script>'
    page.write_text(page.read_text().replace("</body>", throwing + "</body>", 1))
    page = broken / "notebooks" / "speed.html"
    Image.new("RGB", (3000, 200), "white").save(broken / "_images" / "wide.png")
    squeezed = '<div class="cell_output docutils container"><img src="../_images/wide.png" /></div>'
    page.write_text(page.read_text().replace("</article>", squeezed + "</article>", 1))
    page = broken / "book" / "changelog.html"
    second = '<button class="btn search-button__button">Search</button>'
    page.write_text(page.read_text().replace("</article>", second + "</article>", 1))
    problems = inspect_pages(browser, broken, widths=(1280,))
    assert [f.split(":")[0] for f in problems.get("notebooks/speed.html at 1280 px", {}).get("figures", [])] == [
        "wide.png"
    ]
    assert problems.get("book/mnl.html at 1280 px", {}).get("raw")
    assert "tag" in " ".join(problems.get("book/intense.html at 1280 px", {}).get("errors", []))
    assert problems.get("book/deviations.html at 1280 px", {}).get("warnings")
    assert problems.get("book/synthetic.html at 1280 px", {}).get("tables")
    assert "typesetting failed" in problems.get("book/real_world.html at 1280 px", {}).get("mathjax", [""])[0]
    assert "no entries" in problems.get("book/intro.html at 1280 px", {}).get("javascript", [""])[0]
    assert problems.get("book/changelog.html at 1280 px", {}).get("search") == ["2 search controls in view"]


# run once MathJax has typeset (and intense.js has fitted the equations): what is out of sight
# sideways. At every width: the page itself scrolling sideways, and any element of the article
# whose content is wider than its box and scrolls or is clipped there (a column, a verdict, an
# equation number). On a phone a data table may scroll inside its own box (no table of many
# columns fits 380 px); nothing else may.
HIDDEN = r"""
const done = arguments[arguments.length - 1];
const ready = (window.MathJax && MathJax.startup && MathJax.startup.promise) || Promise.resolve();
ready.then(() => requestAnimationFrame(() => {
  const root = document.documentElement;
  const article = document.querySelector("article") || document.body;
  const phone = root.clientWidth < 720;
  const hidden = Array.from(article.querySelectorAll("*")).filter(e => {
    if (e.scrollWidth <= e.clientWidth + 1) return false;
    // inline math: the theme clips it to its box, which a glyph's italic overhang passes by a
    // few pixels (nothing is cut); MathJax's own parts (stretchy rules, assistive MathML).
    // A wide display equation is its div.math, checked like every other box.
    if (e.matches("span.math") || e.closest("mjx-container")) return false;
    if (!["auto", "scroll", "hidden", "clip"].includes(getComputedStyle(e).overflowX)) return false;
    const table = e.querySelector("table");
    return !(phone && table && !e.closest(".intense-claim, .intense-verdict") && !table.matches(".intense-scoreboard"));
  }).map(e => `${e.tagName.toLowerCase()}.${e.className}: ${e.textContent.trim().slice(0, 60)}`);
  const page = root.scrollWidth > root.clientWidth + 1 ? [`${root.scrollWidth} px wide in ${root.clientWidth}`] : [];
  const figures = Array.from(article.querySelectorAll("div.cell_output img")).filter(i =>
    i.getBoundingClientRect().right > article.getBoundingClientRect().right + 1 || !i.closest("a")
  ).map(i => `${i.src.split("/").pop()}: not fitted or not linked to its full size`);
  done({page: page, hidden: hidden, figures: figures});
}));
"""


def reader_pages(html: Path) -> list[Path]:
    """The book's pages a reader opens (no search, index or redirect page)."""
    skipped = ("genindex.html", "search.html")
    return [
        page
        for page in sorted(html.rglob("*.html"))
        if page.parent.name not in ("_static", "_sources") and page.name not in skipped
        and 'http-equiv="Refresh"' not in page.read_text()
    ]  # fmt: skip


def hidden_sideways(browser, html: Path, widths=(1280, 420)) -> dict[str, dict]:
    """For every page at each window width: what `HIDDEN` found (problems only)."""
    problems = {}
    for width in widths:
        browser.set_window_size(width, 1000)
        for page in reader_pages(html):
            open_page(browser, page)
            if found := {k: v for k, v in browser.execute_async_script(HIDDEN).items() if v}:
                problems[f"{page.relative_to(html).as_posix()} at {width} px"] = found
    return problems


def with_additions(built_book: Path, folder: Path, additions: dict[str, str]) -> Path:
    """A copy of the built book in `folder` with HTML added to pages (page -> HTML, added to
    its article once the page has loaded, after intense.js)."""
    shutil.copytree(built_book, folder)
    for name, added in additions.items():
        page = folder / name
        script = f"document.querySelector('article').insertAdjacentHTML('beforeend', {added!r})"
        page.write_text(
            page.read_text().replace("</body>", f"<script>addEventListener('load', () => {script})</script></body>")
        )
    return folder


@pytest.mark.slow
def test_nothing_is_hidden_behind_a_sideways_scroll_and_the_check_can_fail(browser, built_book, tmp_path):
    problems = hidden_sideways(browser, built_book)
    assert not problems, "\n".join(f"{page}: {found}" for page, found in problems.items())
    # a table in a box that scrolls sideways at 1280 px, a page wider than the window, and a
    # figure without its link to the full-size image are each found
    table = '<table style="width:3000px"><tr><td>out of sight</td></tr></table>'
    broken = with_additions(
        built_book,
        tmp_path / "html",
        {
            "book/synthetic.html": f'<div style="overflow-x:auto">{table}</div>',
            "book/deviations.html": '<div style="width:3000px">a line wider than the window</div>',
            "notebooks/speed.html": '<div class="cell_output"><img src="../_images/unlinked.png"></div>',
        },
    )
    Image.new("RGB", (300, 200), "white").save(broken / "_images" / "unlinked.png")
    found = hidden_sideways(browser, broken, widths=(1280,))
    assert "out of sight" in " ".join(found.get("book/synthetic.html at 1280 px", {}).get("hidden", []))
    assert found.get("book/deviations.html at 1280 px", {}).get("page")
    assert "unlinked.png" in " ".join(found.get("notebooks/speed.html at 1280 px", {}).get("figures", []))
