"""The registry of claims (intense.repro.registry): one declaration per claim, the golden
verdict file, readings, pending records, the change since the previous scoreboard, and the
scoreboard's rows."""

import json
import re
from dataclasses import asdict, replace
from pathlib import Path

import pandas as pd
import pytest

from intense.repro import registry
from intense.repro.claims import reaches_paper, top_block_is
from intense.repro.registry import (
    BEFORE_COMMIT,
    BEFORE_FILE,
    BEYOND,
    CLAIMS,
    DATA_SETTINGS,
    RETIRED_ROWS,
    SECTIONS,
    SETTING_WORDS,
    VERDICTS_FILE,
    Claim,
    Reading,
    Records,
    Scoreboard,
    before_rows,
    differences,
    judge,
    judgements,
    verdict_file,
)
from intense.repro.store import RESULTS_DIR, load_results
from intense.repro.suites import real_data_parts
from intense.repro.verdicts import INCONCLUSIVE, NOT_CHECKED, NOT_REPRODUCED, OUTCOME_COLOURS, REPRODUCED, Verdict
from intense.runs import run_file_name

ROOT = Path(__file__).resolve().parent.parent
FIG4 = "notebooks/fig4_synthgene_tri"


def write_runs(folder: Path, relevances: list[dict], model: str = "intense") -> None:
    """Run records as `load_runs` reads them, one per relevance dict (seed = its index)."""
    folder.mkdir(parents=True)
    for seed, relevance in enumerate(relevances):
        metrics = {"accuracy": 0.9, "loss": 0.3}
        record = {
            "config": {"dataset": "synthgene-tri", "model": model, "seed": seed, "environment": {"git_dirty": False}},
            "test": metrics,
            "val": metrics,
            "learned": True,
            "best_epoch": 5,
            "relevance": relevance,
            "history": [{"epoch": 1, "relevance": relevance}],
        }
        (folder / f"{model}_seed{seed}.json").write_text(json.dumps(record))


def toy_claim(readings=()) -> Claim:
    check = lambda r: top_block_is(r.runs("tri", "intense"), "1x2")  # noqa: E731
    return Claim(
        id="toy", section="Fig. 4", says="M1×M2 on top", paper="—", chapter=FIG4, check=check, readings=readings
    )


@pytest.mark.slow
def test_the_committed_verdict_file_holds_every_verdict_as_the_records_give_it():
    """Recomputed from the committed records: a verdict that changes (a rerun, a new record, a
    changed test) fails here until `python -m intense.repro.registry` rewrites the file, so the
    change shows in review."""
    written = json.loads((RESULTS_DIR / VERDICTS_FILE).read_text())
    computed = json.loads(json.dumps(verdict_file(judgements())))
    assert not differences(written, computed), "\n".join(differences(written, computed))


def test_a_changed_outcome_estimate_or_claim_is_a_difference():
    file = {"a": {"claim": "x", "outcome": REPRODUCED, "estimate": 0.9, "interval": [0.5, 1.0], "readings": {}}}
    assert differences(file, json.loads(json.dumps(file))) == []
    for key, value in (("outcome", INCONCLUSIVE), ("estimate", 0.8), ("interval", [0.4, 1.0])):
        changed = {"a": file["a"] | {key: value}}
        assert differences(file, changed) == [f"a: {key} was {file['a'][key]!r}, is {value!r}"]
    assert differences(file, {}) == ["a: only in the file"]
    assert differences(file, {"a": file["a"] | {"estimate": 0.9 + 1e-12}}) == []  # float rounding


def test_the_file_holds_each_verdict_and_a_changed_one_is_found(tmp_path):
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 6)
    claims = {"toy": toy_claim()}
    found = {c.id: judge(c, Records(tmp_path)) for c in claims.values()}
    payload = verdict_file(found)
    (tmp_path / VERDICTS_FILE).write_text(json.dumps(payload))
    assert payload["toy"]["outcome"] == REPRODUCED and payload["toy"]["estimate"] == 1.0
    payload["toy"]["outcome"] = NOT_REPRODUCED
    assert differences(payload, verdict_file(found)) == ["toy: outcome was 'NOT REPRODUCED', is 'REPRODUCED'"]


def test_claims_are_declared_once_in_the_papers_order_then_beyond_it():
    ids = list(CLAIMS)
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z0-9-]+", i, re.IGNORECASE) for i in ids)
    order = [SECTIONS.index(c.section) for c in CLAIMS.values()]  # a section outside SECTIONS: ValueError
    assert order == sorted(order), "claims out of the paper's order"
    assert CLAIMS[ids[-1]].section == BEYOND and not CLAIMS[ids[0]].beyond
    assert len({c.says for c in CLAIMS.values()}) == len(CLAIMS), "two claims say the same"
    for c in CLAIMS.values():
        assert (c.check is None) == bool(c.reason), f"{c.id}: a claim is checked, or says why not"
        assert len({r.name for r in c.readings}) == len(c.readings), f"{c.id}: two readings of one name"


def test_each_row_of_the_previous_scoreboard_is_continued_by_one_claim_or_retired_with_a_reason():
    payload = load_results(RESULTS_DIR / BEFORE_FILE)
    assert payload["config"]["commit"].startswith(BEFORE_COMMIT)
    old = before_rows()
    continued = [text for c in CLAIMS.values() for text in c.before.values()]
    assert sorted(continued + list(RETIRED_ROWS)) == sorted(old), (
        "a row of the previous scoreboard is lost or kept twice"
    )
    assert all(RETIRED_ROWS.values()), "a retired row says why"
    readings = {c.id: {r.name for r in c.readings} | {""} for c in CLAIMS.values()}
    for c in CLAIMS.values():
        assert set(c.before) <= readings[c.id], f"{c.id}: `before` names a reading it does not have"


def test_a_reading_that_changes_the_outcome_is_marked_with_its_kind(tmp_path):
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 6)
    write_runs(tmp_path / "tri-lambda", [{"1": 0.1, "1x2": 0.1, "1x2x3": 0.8}] * 6)
    same = Reading("last epoch", transform=lambda runs: runs)
    other = Reading("another Λ", {"tri": "tri-lambda"}, kind="Λ")
    pending = Reading("a Λ not run", {"tri": "tri-missing"}, kind="Λ")
    selection = Reading("another checkpoint", {"tri": "tri-lambda"}, kind="protocol")
    found = judge(toy_claim((same, other, pending, selection)), Records(tmp_path))
    assert found.verdict.outcome == REPRODUCED and found.verdict.claim == "M1×M2 on top"
    assert found.readings["another Λ"].outcome == NOT_REPRODUCED
    assert found.readings["a Λ not run"].outcome == NOT_CHECKED
    assert "records pending" in found.readings["a Λ not run"].reason
    assert found.differs() == ["another Λ", "another checkpoint"]
    assert found.differs(kind="Λ") == ["another Λ"]  # what a chapter asks: does it change with Λ?
    row = Scoreboard([found])._repr_html_()
    # one note per kind of reading, each naming its readings once
    assert "changes with Λ under: another Λ (NOT REPRODUCED)<" in row
    assert "depends on the checkpoint selection: another checkpoint (NOT REPRODUCED)<" in row
    assert row.count("another checkpoint") == 1
    assert 'href="../notebooks/fig4_synthgene_tri.html#toy"' in row
    chapter = found._repr_html_()
    assert 'id="toy"' in chapter and "(differs)" in chapter and "Records pending for: a Λ not run" in chapter


def test_a_claim_without_records_is_not_checked_and_says_they_are_pending(tmp_path):
    found = judge(toy_claim(), Records(tmp_path))
    assert found.verdict.outcome == NOT_CHECKED and "records pending: no records in results/tri" in found.verdict.reason


def test_the_scoreboard_says_why_the_rule_could_not_decide(tmp_path):
    """Too few learned seeds: the row says so beside the estimate, not only the chapter."""
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 3)
    found = judge(toy_claim(), Records(tmp_path))
    assert found.verdict.outcome == INCONCLUSIVE and found.verdict.reason
    assert f"<small>{found.verdict.reason}</small>" in Scoreboard([found])._repr_html_()


def test_a_verdict_on_records_made_with_other_settings_says_which(tmp_path):
    """Records of a real-data folder made with other settings than its part now asks for (here
    half the epochs and twice the learning rate) are not current: the verdict says so, naming the
    settings in words, on its row and in its chapter; records made as asked are current."""
    configs = [c for c in real_data_parts()["enrico-mlp"] if c.model == "intense"][:6]
    claim = Claim("toy", "Table 4", "M1×M2 on top", "—", FIG4, lambda r: top_block_is(r.runs("enrico-mlp"), "1x2"))
    for name, changes in (("asked", {}), ("older", {"epochs": configs[0].epochs // 2, "lr": configs[0].lr * 2})):
        folder = tmp_path / name / "enrico-mlp"
        folder.mkdir(parents=True)
        for config in configs:
            clean = {"environment": {"git_dirty": False}}  # made by committed code on a clean tree
            record = {"config": {**asdict(config), **changes, **clean}, "learned": True, "best_epoch": 5}
            record |= {"test": {"accuracy": 0.9, "loss": 0.3}, "val": {"accuracy": 0.9, "loss": 0.3}}
            record |= {"relevance": {"1": 0.1, "1x2": 0.8}, "history": []}
            (folder / run_file_name(config)).write_text(json.dumps(record))
    asked, older = (judge(claim, Records(tmp_path / name)) for name in ("asked", "older"))
    assert asked.current and not asked.outdated() and asked.verdict.outcome == older.verdict.outcome == REPRODUCED
    assert not older.current and older.changed == ("epochs", "lr")
    note = "from records made with other settings (epochs, learning rate) than the chapter now asks for"
    assert older.outdated() == note and note in Scoreboard([older])._repr_html_()
    assert "other settings" not in asked._repr_html_() + Scoreboard([asked])._repr_html_()
    assert "From records made with other settings (epochs, learning rate)" in older._repr_html_()


@pytest.mark.parametrize("setting", DATA_SETTINGS)
def test_a_verdict_on_records_measured_on_other_data_is_not_judged(tmp_path, setting):
    """Records made on other data than the chapter asks for (another split, data seed or share of
    the samples) measure accuracy on other test samples: neither the verdict nor its readings are
    judged, and the verdict says why, until they are rerun; other changed settings leave it
    judged (above). Records of another model in the same folder, which the claim does not read,
    do not count."""
    configs = [c for c in real_data_parts()["enrico-mlp"] if c.model in ("intense", "mnl")]
    other = {"split": "seeded", "data_seed": 1, "max_samples": 200}[setting]
    top = Claim(
        "toy", "Table 4", "M1×M2 on top", "—", FIG4, lambda r: top_block_is(r.runs("enrico-mlp", "intense"), "1x2")
    )
    top = replace(top, readings=(Reading("validation split", transform=lambda runs: runs),))
    for name, changed in (("intense", "intense"), ("mnl", "mnl")):
        folder = tmp_path / name / "enrico-mlp"
        folder.mkdir(parents=True)
        for config in configs:
            settings = asdict(config) | ({setting: other} if config.model == changed else {})
            record = {"config": settings | {"environment": {"git_dirty": False}}, "learned": True, "best_epoch": 5}
            record |= {"test": {"accuracy": 0.9, "loss": 0.3}, "val": {"accuracy": 0.9, "loss": 0.3}}
            record |= {"relevance": {"1": 0.1, "1x2": 0.8}, "history": []}
            (folder / run_file_name(config)).write_text(json.dumps(record))
    found, beside = (judge(top, Records(tmp_path / name)) for name in ("intense", "mnl"))
    words = SETTING_WORDS[setting]
    assert found.verdict.outcome == NOT_CHECKED and found.changed == (setting,)
    assert f"measured on other data ({words})" in found.verdict.reason
    assert [v.outcome for v in found.readings.values()] == [NOT_CHECKED]
    assert f"other settings ({words})" in found.outdated()
    assert beside.verdict.outcome == REPRODUCED and beside.current and not beside.changed


def test_only_the_records_of_the_methods_compared_decide_whether_a_verdict_is_current(tmp_path, monkeypatch):
    """A folder rerun for some methods only (InTense at the settings asked, MNL's records older):
    a claim that compares InTense alone is current, though it reads MNL's records too; one that
    compares MNL, or names no methods and reads MNL's records, is not; one that reads InTense's
    records alone is current."""
    monkeypatch.setattr(registry, "_selection_gaps", lambda dataset, results: {})
    folder = tmp_path / "enrico-mlp"
    folder.mkdir()
    for config in real_data_parts()["enrico-mlp"]:
        changes = {} if config.model == "intense" else {"epochs": config.epochs // 2}
        record = {"config": {**asdict(config), **changes, "environment": {"git_dirty": False}}, "learned": True}
        record |= {"test": {"accuracy": 0.9, "loss": 0.3}, "val": {"accuracy": 0.9, "loss": 0.3}, "best_epoch": 5}
        (folder / run_file_name(config)).write_text(json.dumps(record | {"relevance": {}, "history": []}))

    def both(r: Records) -> Verdict:  # reads MNL's records beside InTense's
        return reaches_paper(pd.concat([r.runs("enrico-mlp", "intense"), r.runs("enrico-mlp", "mnl")]), 50)

    read = Claim("toy", "Table 4", "InTense", "—", FIG4, both)
    alone, with_mnl = replace(read, tuned=("enrico", ("intense",))), replace(read, tuned=("enrico", ("intense", "mnl")))
    records = Records(tmp_path)
    assert judge(alone, records).current and not judge(alone, records).outdated()
    for claim in (with_mnl, read):
        assert not judge(claim, records).current and judge(claim, records).changed == ("epochs",)
    only = replace(read, check=lambda r: reaches_paper(r.runs("enrico-mlp", "intense"), 50))
    assert judge(only, records).current and not judge(only, records).changed


def test_a_verdict_resting_on_a_selection_short_of_the_rule_names_the_method(tmp_path, monkeypatch):
    """A method whose choice of learning rate and decay falls short of the selection rule: the
    rows of the claims that compare it say so; a claim that does not compare it does not."""
    monkeypatch.setattr(registry, "_selection_gaps", lambda dataset, results: {"mult": "1 of 15 grid points"})
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 6)
    compares = replace(toy_claim(), tuned=("enrico", ("intense", "mult")))
    other = replace(toy_claim(), tuned=("enrico", ("intense", "mnl")))
    found, not_found = judge(compares, Records(tmp_path)), judge(other, Records(tmp_path))
    said = "learning rate and decay short of the selection rule (MulT: 1 of 15 grid points)"
    assert found.tuning() == said and said in Scoreboard([found])._repr_html_()
    assert not not_found.tuning() and "selection rule" not in Scoreboard([not_found])._repr_html_()
    # the verdict file, for review, holds the same note
    assert verdict_file({"toy": found})["toy"]["selection_gaps"] == {"mult": "1 of 15 grid points"}
    assert verdict_file({"toy": not_found})["toy"]["selection_gaps"] == {}
    # methods that lack the same are named together
    gaps = {"mro": "no grid point", "mnl": "no grid point", "mult": "its choice made with other settings"}
    assert registry.tuning_note(gaps) == (
        "learning rate and decay short of the selection rule (MRO, MNL: no grid point; MulT: its choice made with "
        "other settings)"
    )


def test_a_smoke_run_judges_only_the_runs_it_made(tmp_path):
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 6)
    made = Records(tmp_path, tables={"other": pd.DataFrame()}, smoke=True)
    assert judge(toy_claim(), made).verdict.outcome == NOT_CHECKED  # the committed folder is not read


@pytest.mark.slow
def test_the_scoreboard_shows_every_claim_once_in_its_outcomes_colour():
    board = Scoreboard(judgements().values())
    html = board._repr_html_()
    assert html.count("<tr>") == len(CLAIMS) + 2  # a header row in each of its two tables
    for j in board:
        link = f'href="../{j.claim.chapter}.html#{j.claim.id}"'
        assert html.count(link) == 1, j.claim.id
        row = html[html.index(link) :].split("</tr>")[0]
        assert f'color:{OUTCOME_COLOURS[j.verdict.outcome]}">{j.verdict.outcome}</b>' in row
    counts = board.counts(beyond=False)
    assert sum(counts.values()) == sum(not c.beyond for c in CLAIMS.values())


def test_an_audit_claim_says_how_many_runs_it_left_out_for_want_of_an_audit(tmp_path):
    write_runs(tmp_path / "tri", [{"1": 0.1, "1x2": 0.8, "1x2x3": 0.1}] * 8)
    for path in sorted((tmp_path / "tri").glob("*.json"))[:6]:  # the first six runs were audited
        record = json.loads(path.read_text())
        record["audit"] = {"agreement": {"top_moebius": "1x2", "top_relevance": "1x2"}}
        path.write_text(json.dumps(record))
    verdict = registry._audit_share("tri", "intense", registry._top_agrees)(Records(tmp_path))
    assert verdict.outcome == REPRODUCED and verdict.seeds == 6
    assert "2 runs made before the audit existed have none and are left out" in verdict.details()


def test_the_paper_row_reading_leaves_out_the_pairs_that_row_orders_the_other_way():
    (reading,) = registry._paper_row_pairs("enrico")  # the paper's ENRICO row: MRO 49.2 above MNL 47.1
    assert reading.name == "only the pairs the paper's own row orders so (it has MRO above MNL)"
    assert registry._paper_row_pairs("mfeat") == ()  # not in the paper's Table 1
