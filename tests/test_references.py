"""The README and the docstrings point only at what exists: every equation of the README's index
at a function whose docstring opens with that equation, every file they name in the repository."""

import ast
import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()
# the equations a newcomer looks up: the main text's, and eq. 25 and eq. 26 of the appendix
INDEXED = set(range(1, 11)) | {25, 26}
# the files whose docstrings are read
SOURCES = sorted(p for folder in ("intense", "benchmarks", "experiments") for p in (ROOT / folder).rglob("*.py"))
# a file name: folders, a name, an extension of the repository's files (a '<placeholder>' is no name)
FILE = re.compile(r"(?<![\w/.~$<>-])((?:[\w-]+/)*[\w.-]+\.(?:py|md|ipynb|json|yml|yaml|toml|zip))\b")
# names in examples of the command line: what a user writes, not a file of the repository
EXAMPLE_OUTPUTS = {
    "RUN.json",
    "run.json",
    "audit.json",
    "mosi.json",
    "out.ipynb",
}


def equation_numbers(text: str) -> set[int]:
    """{5, 6, 7} for 'eq. 5-7', {3, 25} for 'eq. 3 and eq. 25'."""
    numbers = set()
    for first, last in re.findall(r"eq\. (\d+)(?:-(\d+))?", text):
        numbers |= set(range(int(first), int(last or first) + 1))
    return numbers


def equation_index() -> list[tuple[int, str]]:
    """(equation, dotted name) for every row of the README's table."""
    start = README.index("## Where each equation lives")
    section = README[start : README.index("\n## ", start + 1)]
    return [(int(n), where) for n, where in re.findall(r"^\| eq\. (\d+) \|.*\| `([\w.]+)` \|$", section, re.M)]


def resolve(dotted: str) -> object:
    """The object a dotted name names: the longest importable module, then attributes."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for attribute in parts[cut:]:
            obj = getattr(obj, attribute)
        return obj
    raise ImportError(dotted)


def test_the_readme_indexes_every_equation_once():
    assert sorted(n for n, _ in equation_index()) == sorted(INDEXED)


@pytest.mark.parametrize(("number", "where"), equation_index())
def test_each_indexed_function_opens_its_docstring_with_its_equation(number, where):
    doc = inspect.getdoc(resolve(where)) or ""
    assert doc.startswith("eq. "), f"{where}'s docstring does not open with its equation: {doc[:60]!r}"
    opening = doc.split(":")[0]  # the clause before the first colon names the equations
    assert number in equation_numbers(opening), f"{where} opens with {opening!r}, not eq. {number}"


def docstrings(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    nodes = [tree, *(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef))]
    return [doc for node in nodes if (doc := ast.get_docstring(node))]


def missing_files(text: str) -> list[str]:
    """The file names in `text` that the repository lacks: a path under one of its top-level
    folders that does not exist, or a bare name that no file of the repository has."""
    top = {p.name for p in ROOT.iterdir()}
    names = {p.name for folder in ("intense", "tests", "book", "notebooks", "benchmarks", "experiments")
             for p in (ROOT / folder).rglob("*")} | top  # fmt: skip
    missing = []
    for name in FILE.findall(text):
        if name in EXAMPLE_OUTPUTS:
            continue
        if "/" in name:
            if name.split("/")[0] in top and not (ROOT / name).exists():
                missing.append(name)
        elif name not in names:
            missing.append(name)
    return missing


def test_the_readme_names_only_files_that_exist():
    assert missing_files(README) == []


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_docstrings_name_only_files_that_exist(path):
    assert [name for doc in docstrings(path) for name in missing_files(doc)] == []


def test_a_missing_file_is_found():
    """The check itself: a name the repository lacks fails, one it has and an example pass."""
    text = "see DESIGN.md, intense/nowhere.py, intense/norms.py, book/mnl.md and RUN.json"
    assert missing_files(text) == ["DESIGN.md", "intense/nowhere.py"]
