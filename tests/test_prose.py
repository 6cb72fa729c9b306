"""Numbers in the book's prose come from the records: a result typed into a notebook's markdown
or a book page would drift from the records with the next rerun, so the prose quotes it with
myst-nb's glue ({glue:text}`name`, set by the chapter's code) or prints it from code.

What may be typed, precisely (everything else with a digit is an error):

- mathematics ($...$, $$...$$, equation environments): formulas and protocol constants such as
  $\\Lambda = 0.05$, $p = 1$ or $10^{-3}$ are written as mathematics;
- code (`...` and fenced blocks), roles ({glue:text}`...`, {doc}`...`), link targets and HTML
  comments;
- references into the paper, the book and its tables: a number or list of numbers after
  `REFERENCE_WORDS` ("eq. 3", "Tables 1-2", "Sec. 3.3", "App. E.5", "Figs. 3, 4, 5 and 7",
  "row 6b");
- names that contain digits: the modalities M1, M2, ... (and M1×M2), "7-mer", "arXiv:...",
  "doi:...", a commit id after "commit", a seed by its number ("seed 0");
- years (1900-2099), the items of a numbered list ("1. "), the verdict rule's "95 % interval"
  and the paper's own words in quotation marks ("within a narrow 2% error margin").
"""

import json
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

REFERENCE_WORDS = (
    r"eqs?\.|Eqs?\.|equations?|Figs?\.|Figures?|Tables?|Secs?\.|Sections?|App\.|Appendix|Theorems?|Prop\.|"
    r"Proposition|Lemma|rows?|issues?|Step|Algorithm"
)
# a reference: the word, then numbers like 3, 3.3, E.5, 6b, 1-2, joined by commas, "and", "to"
REFERENCE = re.compile(
    rf"\b(?i:{REFERENCE_WORDS})\s+(?:[A-H]\.)?\d+[a-z]?(?:[.\-–]\d+[a-z]?)*"
    rf"(?:(?:,\s*|\s+and\s+|\s+to\s+|\s*[-–]\s*)(?:[A-H]\.)?\d+[a-z]?(?:[.\-–]\d+[a-z]?)*)*"
)
REMOVED = [
    re.compile(r"```.*?```", re.S),  # fenced code
    re.compile(r"<!--.*?-->", re.S),
    re.compile(r"\$\$.*?\$\$", re.S),
    re.compile(r"\\begin\{(equation|align|split)\*?\}.*?\\end\{\1\*?\}", re.S),
    re.compile(r"\$[^$]+\$"),
    re.compile(r"\{[a-z:]+\}`[^`]*`"),  # roles: {glue:text}`name`, {doc}`path`
    re.compile(r"`[^`]*`"),
    re.compile(r"\]\([^)]*\)"),  # link targets
    re.compile(r"https?://\S+"),
    re.compile(r"\b(?:arXiv|doi):\S+"),
    re.compile(r"\bcommit\s+[0-9a-f]{7,40}\b"),
    re.compile(r"\bseeds? \d+(?:-\d+)?\b"),  # a seed's number is its name
    REFERENCE,
    re.compile(r"\bM\d+(?:×M\d+)*\b"),  # modalities and their interactions
    re.compile(r"\b\d+-mers?\b"),
    re.compile(r"\"\d+(?:x\d+)*\""),  # block names, as the code writes them ("1x2")
    re.compile(r"\b(?:19|20)\d\d\b"),  # years
    re.compile(r"\b95 % (?:[\w()-]+ ){0,3}intervals?\b"),  # the verdict rule's level
    re.compile(r"[\"“][^\"”\n]*[\"”]"),  # the paper's words, quoted
    re.compile(r"^\s*\d+\.\s", re.M),  # numbered list items
    re.compile(r"^\s*[-*]?\s*\|.*$", re.M),  # (tables are checked below, cell by cell)
]
# Markdown tables: a first cell that is only the row's number
ROW_NUMBER = re.compile(r"^\s*\d+[a-z]?\s*$")


def typed_numbers(text: str) -> list[str]:
    """The numbers in `text` (markdown) that are typed in, with a little context each."""
    tables = [line for line in text.splitlines() if line.lstrip().startswith("|")]
    for pattern in REMOVED:
        text = pattern.sub(" ", text)
    found = re.finditer(r"\d+(?:[.,\u2009 ]\d{3})*(?:\.\d+)?", text)
    hits = [f"{m.group()} in ...{text[max(0, m.start() - 40) : m.end() + 20]}...".replace("\n", " ") for m in found]
    for line in tables:
        for i, cell in enumerate(line.strip().strip("|").split("|")):
            if (i == 0 and ROW_NUMBER.match(cell)) or re.fullmatch(r"\s*:?-+:?\s*", cell):
                continue  # a row's number, or the header's rule
            hits += [f"table cell: {c.strip()}" for c in typed_numbers_in_cell(cell)]
    return hits


def typed_numbers_in_cell(cell: str) -> list[str]:
    for pattern in REMOVED[:-1]:
        cell = pattern.sub(" ", cell)
    return [cell] if re.search(r"\d", cell) else []


def prose() -> dict[str, str]:
    """Every markdown cell of the chapters and every book page (its markdown), by name."""
    texts = {}
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(notebook.read_text())["cells"]
        for i, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                texts[f"{notebook.name}, cell {i}"] = "".join(cell["source"])
    for page in sorted((ROOT / "book").glob("*.md")):
        text = page.read_text()
        text = re.sub(r"\A---.*?---", " ", text, flags=re.S)  # front matter
        text = re.sub(r"```\{code-cell\}.*?```", " ", text, flags=re.S)
        texts[page.name] = text
    return texts


def test_no_result_number_is_typed_into_the_prose():
    typed = {name: hits for name, text in prose().items() if (hits := typed_numbers(text))}
    report = "\n".join(f"{name}: {hit!r}" for name, hits in typed.items() for hit in hits)
    assert not typed, f"numbers typed into the prose (glue them from the records):\n{report}"


@pytest.mark.parametrize(
    "text, typed",
    [
        ("InTense reaches 34.4 % on ENRICO.", True),
        ("in 9 of 10 seeds", True),
        ("a table cell\n\n| a | b |\n|---|---|\n| InTense | 50.8 |\n", True),
        ("eq. 3, Tables 1-2, Sec. 3.3, App. E.5, Figs. 3, 4, 5 and 7, row 6b", False),
        ("$\\Lambda = 0.05$ and $p = 1$ on M1×M2 and M7, a 7-mer", False),
        ("{glue:text}`accuracy` %, see {doc}`../notebooks/fig3_synthgene`", False),
        ("`--lr 1e-3`, arXiv:2405.04671, doi:10.24963/ijcai.2024/557, commit bdce965, in 2024", False),
        ("with its 95 % interval", False),
        ("| 6b | MulT | x |", False),
        ("| 6b | MulT | 50 |", True),
    ],
)
def test_the_rule_tells_a_typed_result_from_what_may_be_typed(text, typed):
    assert bool(typed_numbers(text)) == typed, typed_numbers(text)


def test_a_chapters_engine_is_out_of_sight_and_its_parameters_in_sight():
    """The cell that sets a chapter up (its `Chapter`, the engine that makes or reads its runs)
    is removed from view; the parameters cell, which a reader changes to rerun it, stays shown."""
    for notebook in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
        tags = [set(c["metadata"].get("tags", [])) for c in cells]
        assert "parameters" in tags[0] and not tags[0] & {"remove-input", "hide-input", "remove-cell"}, notebook.name
        for cell, tagged in zip(cells, tags):
            if re.search(r"\bChapter\(", "".join(cell["source"])):
                assert "remove-input" in tagged, f"{notebook.name}: the cell that builds the chapter is shown"


# a chapter's reading of its evidence: at most about 150 words (a reader's paragraph, not a log)
READING_WORDS = 150
READING = re.compile(r"^\*\*Reading[^*]*\*\*.*?(?=^#|\Z)", re.M | re.S)


def readings(text: str) -> list[str]:
    """The readings in a text: from a bold "Reading…" to the next heading or the end."""
    return READING.findall(text)


def test_every_reading_is_short():
    found = [(name, len(r.split())) for name, text in prose().items() for r in readings(text)]
    assert len(found) > 10, "the rule no longer finds the chapters' readings"
    long = [(name, words) for name, words in found if words > READING_WORDS]
    assert not long, f"readings of more than {READING_WORDS} words: {long}"


def test_a_reading_ends_at_the_next_heading():
    text = "**Reading.** one two three\n\n## The levers\n\nfour five"
    assert [r.split() for r in readings(text)] == [["**Reading.**", "one", "two", "three"]]
