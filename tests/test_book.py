"""The book builds strictly (warnings are errors) and renders math without a network."""

import re
from pathlib import Path

import pytest

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
        if re.search(r"notebook_runs\(|show_records\(", nb.read_text())
    }
    assert built_on_records >= {"fig3_synthgene", "table1_real_world", "speed", "learning"}  # the search finds them
    assert built_on_records <= linked, f"chapters without a link to their records: {built_on_records - linked}"
