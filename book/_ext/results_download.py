"""Put the committed records beside the chapters, so every figure's data can be downloaded.

Each chapter names the records behind its figures and tables (`intense.repro.notebook.
show_records`) with a link relative to the chapter's page: `../results/<folder>.zip` or
`../results/<file>.json`. This extension copies `results/` into the built site and writes one
zip per folder.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from sphinx.application import Sphinx

from intense.repro.store import RESULTS_DIR as RESULTS


def copy_results(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "results"
    shutil.rmtree(target, ignore_errors=True)  # a rebuild shows no record that was deleted since
    shutil.copytree(RESULTS, target)
    for folder in sorted(p for p in RESULTS.rglob("*") if p.is_dir()):
        name = folder.relative_to(RESULTS)
        shutil.make_archive(str(target / name), "zip", root_dir=RESULTS, base_dir=str(name))


def setup(app: Sphinx) -> dict[str, bool]:
    if not RESULTS.is_dir():
        raise RuntimeError(f"no results folder at {RESULTS}: the book shows the committed records")
    app.connect("build-finished", copy_results)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
