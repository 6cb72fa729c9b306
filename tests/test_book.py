"""The book builds strictly (warnings are errors) and renders math without a network."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_book_builds_strictly_with_offline_mathjax_and_figures(tmp_path):
    jupyter_book = Path(sys.executable).parent / "jupyter-book"
    env = {**os.environ, "INTENSE_MODE": "results"}  # the book shows the committed results
    build = subprocess.run(
        [str(jupyter_book), "build", str(ROOT), "--path-output", str(tmp_path), "--all", "-W", "--keep-going"],
        capture_output=True,
        text=True,
        env=env,
        timeout=1800,
    )
    assert build.returncode == 0, build.stdout[-5000:] + build.stderr[-5000:]
    html = tmp_path / "_build" / "html"
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
