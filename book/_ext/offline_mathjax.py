"""Serve MathJax from the installed `django-static-mathjax` wheel instead of a CDN.

Sphinx's default `mathjax_path` points at a CDN, so without a network the book would show raw
TeX. `_config.yml` sets `mathjax_path: mathjax/tex-chtml.js` (relative to `_static`); this
extension copies MathJax 3's es5 bundle, fonts included, into `_static/mathjax` of the build.
"""

from __future__ import annotations

import shutil
from importlib.resources import files
from pathlib import Path

from sphinx.application import Sphinx


def mathjax_bundle() -> Path:
    bundle = Path(str(files("mathjax"))) / "static" / "mathjax" / "es5"
    if not (bundle / "tex-chtml.js").is_file():
        raise RuntimeError(f"MathJax not found at {bundle}; install the book's dependencies: pip install -e '.[book]'")
    return bundle


def copy_mathjax(app: Sphinx, exception: Exception | None) -> None:
    if exception is None and app.builder.format == "html":
        shutil.copytree(mathjax_bundle(), Path(app.outdir) / "_static" / "mathjax", dirs_exist_ok=True)


def setup(app: Sphinx) -> dict[str, bool]:
    mathjax_bundle()  # fail early, with the fix, if the package is missing
    app.connect("build-finished", copy_mathjax)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
