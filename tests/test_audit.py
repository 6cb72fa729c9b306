"""The relevance audit (intense/audit.py): exact game-theoretic measures, block ablation, EMAP."""

import itertools
import math
import time
import warnings

import numpy as np
import pytest
import torch
from torch import nn

import intense.audit
from intense.audit import (
    _Fused,
    _mixed,
    audit,
    block_ablation,
    coalition_values,
    emap,
    encoded,
    moebius_transform,
    permutation_importance,
    shapley_values,
    spearman,
)
from intense.blocks import block_name
from intense.data.base import MultimodalData
from intense.model_base import MultimodalModel
from intense.models import MNL, InTense
from intense.train import evaluate

shapiq = pytest.importorskip("shapiq")


def game_from_terms(terms: dict[tuple[int, ...], float], n: int) -> dict[tuple[int, ...], float]:
    """v(S) = sum of the terms whose subset lies in S: its Moebius transform is `terms`."""
    coalitions = [c for k in range(n + 1) for c in itertools.combinations(range(n), k)]
    return {s: sum(w for t, w in terms.items() if set(t) <= set(s)) for s in coalitions}


def test_moebius_recovers_the_interaction_terms_of_a_known_game():
    terms = {(): 0.5, (0,): 0.1, (2,): 0.05, (0, 1): 0.2, (1, 2, 3): -0.15}
    mu = moebius_transform(game_from_terms(terms, 4), 4)
    for subset, value in mu.items():
        assert value == pytest.approx(terms.get(subset, 0.0), abs=1e-12), subset


def test_shapley_values_split_the_gain_and_match_shapiq():
    rng = np.random.default_rng(0)
    n = 4
    values = {c: float(rng.normal()) for k in range(n + 1) for c in itertools.combinations(range(n), k)}
    phi = shapley_values(values, n)
    assert sum(phi) == pytest.approx(values[tuple(range(n))] - values[()])

    def game(coalitions: np.ndarray) -> np.ndarray:
        return np.array([values[tuple(np.flatnonzero(row))] for row in coalitions])

    exact = shapiq.ExactComputer(game, n_players=n)
    sv = exact("SV")
    assert [sv[(m,)] for m in range(n)] == pytest.approx(phi)
    moebius = exact("Moebius")
    for subset, value in moebius_transform(values, n).items():
        if subset:  # shapiq keeps the empty set's value apart
            assert moebius[subset] == pytest.approx(value, abs=1e-9), subset


def test_permutation_importance_is_the_loss_from_dropping_one_player():
    values = game_from_terms({(0,): 0.3, (0, 1): 0.2}, 2)
    assert permutation_importance(values, 2) == pytest.approx([0.5, 0.2])


def test_spearman_with_ties_and_constant_input():
    assert spearman([1, 2, 3], [10, 20, 30]) == pytest.approx(1.0)
    assert spearman([1, 2, 3], [3, 2, 1]) == pytest.approx(-1.0)
    assert spearman([1, 1, 2], [1, 2, 3]) == pytest.approx(math.sqrt(3) / 2)
    assert math.isnan(spearman([1, 1, 1], [1, 2, 3]))


class XorOfSigns(MultimodalModel):
    """A fixed model whose logit is the XOR of the signs of modalities `pair` (others ignored)."""

    def __init__(self, pair: tuple[int, int]) -> None:
        super().__init__()
        self.pair = pair
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, inputs):
        a, b = (inputs[m][:, 0] > 0 for m in self.pair)
        return (2.0 * (a ^ b).float() - 1.0).unsqueeze(1) * 5 + 0 * self.dummy


def xor_data(n: int = 2000, seed: int = 0) -> MultimodalData:
    g = torch.Generator().manual_seed(seed)
    x = [torch.randn(n, 2, generator=g) for _ in range(3)]
    labels = ((x[0][:, 0] > 0) ^ (x[1][:, 0] > 0)).float()
    return MultimodalData("xor", x, labels, ["1", "2", "3"], "binary")


def test_a_pairwise_interaction_shows_as_the_pairs_moebius_term_and_emap_loses_it():
    data, model = xor_data(), XorOfSigns((0, 1))
    values = coalition_values(model, data, repeats=3)
    mu = moebius_transform(values, 3)
    assert max((s for s in mu if s), key=mu.get) == (0, 1)  # accuracy 1 needs both together
    assert mu[(0, 1)] == pytest.approx(0.5, abs=0.05)
    assert abs(mu[(2,)]) < 0.03 and abs(mu[(0, 1, 2)]) < 0.05
    result = emap(model, data, partners=8)
    # the XOR has no additive part: what EMAP keeps is the split's sign imbalance, at best 3 of 4
    # quadrants right
    assert result["model_accuracy"] == 1.0 and result["emap_accuracy"] <= 0.76


def test_emap_of_an_additive_model_is_the_model():
    class Additive(MultimodalModel):
        def forward(self, inputs):
            return (inputs[0][:, :1] + 2 * inputs[1][:, :1] - 0.1) * 3

    data = xor_data()
    data = MultimodalData(
        "sum",
        data.modalities[:2],
        (data.modalities[0][:, 0] + 2 * data.modalities[1][:, 0] > 0.1).float(),
        ["1", "2"],
        "binary",
    )
    result = emap(Additive(), data, partners=16)
    assert result["emap_accuracy"] == pytest.approx(result["model_accuracy"], abs=0.02)


def test_block_ablation_of_a_zero_weight_block_changes_nothing():
    torch.manual_seed(0)
    data = xor_data(300)
    model = MNL([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1, encoder_dims=[4, 4, 4])
    model.eval()
    with torch.no_grad():
        model.head.linear.weight[:, 8:12] = 0.0  # modality 3's block
    effect = block_ablation(model, data, data)
    assert effect["3"]["accuracy_drop"] == 0.0 and effect["3"]["loss_increase"] == pytest.approx(0.0, abs=1e-6)
    assert set(effect) == {"1", "2", "3"}


class SignOf(MultimodalModel):
    """A fixed model that reads only modality `m`: a positive logit for a positive first feature."""

    def __init__(self, m: int) -> None:
        super().__init__()
        self.m = m
        self.dummy = nn.Parameter(torch.zeros(()))

    def forward(self, inputs):
        return inputs[self.m][:, :1] * 10 + 0 * self.dummy


def test_a_coalition_keeps_its_own_modalities_and_draws_the_others_from_other_samples():
    data = xor_data(2000)
    data = MultimodalData("sign", data.modalities, (data.modalities[1][:, 0] > 0).float(), ["1", "2", "3"], "binary")
    values = coalition_values(SignOf(1), data, repeats=3)
    for coalition, value in values.items():
        if 1 in coalition:
            assert value == 1.0, coalition  # the one modality the model reads is kept
        else:
            assert value == pytest.approx(0.5, abs=0.05), coalition  # drawn from other samples


def test_mixing_replaces_only_the_modalities_outside_the_coalition():
    data = MultimodalData(
        "d", [torch.arange(4.0)[:, None], -torch.arange(4.0)[:, None]], torch.tensor([0, 1, 2, 1]),
        ["a", "b"], "multiclass", n_classes=3, class_weights=torch.tensor([1.0, 2.0, 3.0]),
    )  # fmt: skip
    order = torch.tensor([3, 2, 1, 0])
    mixed = _mixed(data, (1,), order)
    assert mixed.modalities[0][:, 0].tolist() == [3.0, 2.0, 1.0, 0.0] and mixed.modalities[1] is data.modalities[1]
    assert (mixed.name, mixed.modality_names, mixed.task, mixed.n_classes) == ("d", ["a", "b"], "multiclass", 3)
    assert mixed.labels is data.labels and mixed.class_weights is data.class_weights


def three_class_data(n: int = 600, seed: int = 0) -> MultimodalData:
    """Three classes, read off two modalities additively (class = arg max of x1 + x2's first 3 features)."""
    g = torch.Generator().manual_seed(seed)
    x = [torch.randn(n, 3, generator=g) for _ in range(2)]
    return MultimodalData("three", x, (x[0] + x[1]).argmax(dim=1), ["1", "2"], "multiclass", n_classes=3)


def test_emap_scores_a_multiclass_model_by_its_arg_max_as_evaluate_does():
    class AdditiveThree(MultimodalModel):
        def forward(self, inputs):
            return inputs[0] + inputs[1]

    data = three_class_data()
    result = emap(AdditiveThree(), data, partners=8)
    assert result["model_accuracy"] == evaluate(AdditiveThree(), data)["accuracy"] == 1.0
    assert result["emap_accuracy"] == pytest.approx(1.0, abs=0.02)  # additive: EMAP is the model


def test_the_audit_is_its_measures_taken_one_by_one_with_their_defaults():
    """With the module's defaults (5 repeats, 16 EMAP partners, seed 0), every number of the
    audit is the measure's own: coalition values, Moebius terms, Shapley values, permutation
    importance, eq. 4's relevance, block ablation and EMAP."""
    torch.manual_seed(0)
    data = xor_data(300)
    model = InTense([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1, max_order=2).eval()
    before = time.perf_counter()
    result = audit(model, data, data)
    elapsed = time.perf_counter() - before
    values = coalition_values(model, data, repeats=5, seed=0)
    mu, names = moebius_transform(values, 3), ["1", "2", "3"]
    assert result["coalition_values"] == pytest.approx(
        {block_name(names, s) if s else "{}": v for s, v in values.items()}
    )
    ablation, relevance = block_ablation(model, data, data), model.relevance()
    assert set(result["blocks"]) == {"1", "2", "3", "1x2", "1x3", "2x3", "1x2x3"}
    for s in values:
        if s:
            block = result["blocks"][block_name(names, s)]
            assert block["moebius"] == pytest.approx(mu[s])
            if len(s) < 3:
                assert block["relevance"] == relevance[block_name(names, s)]
                assert block["loss_increase"] == pytest.approx(ablation[block_name(names, s)]["loss_increase"])
    for name, phi, perm in zip(names, shapley_values(values, 3), permutation_importance(values, 3)):
        assert result["modalities"][name] == pytest.approx({"shapley": phi, "permutation": perm})
    assert result["emap"] == pytest.approx(emap(model, data, partners=16, seed=0))
    assert (result["data"], result["samples"], result["repeats"]) == ("xor", 300, 5)
    assert 0 < result["seconds"] <= elapsed


def test_the_audit_gives_emap_its_partners_and_seed(monkeypatch):
    calls, real = [], intense.audit.emap
    monkeypatch.setattr(intense.audit, "emap", lambda m, d, p, s: calls.append((p, s)) or real(m, d, p, s))
    data = xor_data(100)
    model = MNL([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1)
    audit(model, data, data, repeats=1)
    audit(model, data, data, repeats=1, partners=3, seed=7)
    assert calls == [(16, 0), (3, 7)]


def test_beyond_the_exact_limit_the_audit_evaluates_only_the_leave_one_out_coalitions(monkeypatch):
    torch.manual_seed(0)
    data = xor_data(300)
    model = MNL([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1)
    monkeypatch.setattr(intense.audit, "EXACT_UP_TO", 3)  # 3 modalities: still exact
    assert "shapley" in audit(model, data, data, repeats=1, partners=1)["modalities"]["1"]
    monkeypatch.setattr(intense.audit, "EXACT_UP_TO", 2)
    result = audit(model, data, data, repeats=1, partners=1)
    assert set(result["coalition_values"]) == {"1x2x3", "2x3", "1x3", "1x2"}
    assert set(result["blocks"]) == {"1", "2", "3"} and "moebius" not in result["blocks"]["1"]
    assert set(result["modalities"]["1"]) == {"permutation"}
    values = coalition_values(model, data, repeats=1, coalitions=[(0, 1, 2), (1, 2), (0, 2), (0, 1)])
    assert result["modalities"]["1"]["permutation"] == pytest.approx(values[(0, 1, 2)] - values[(1, 2)])


def test_a_model_without_relevance_or_fusion_blocks_gets_the_measures_alone():
    data = xor_data(300)
    result = audit(XorOfSigns((0, 1)), data, data, repeats=2, partners=2)
    assert result["agreement"] == {} and result["blocks"]["1x2"] == pytest.approx({"moebius": 0.5}, abs=0.05)
    assert result["emap"]["model_accuracy"] == 1.0


def test_the_audit_asks_the_model_for_its_relevance_on_the_audited_split():
    """MultiRoute's relevance depends on its input: the audit passes the split it audits."""

    class Seen(XorOfSigns):
        def relevance(self, data=None):
            self.seen = data
            return {}

    data, model = xor_data(100), Seen((0, 1))
    audit(model, xor_data(50), data, repeats=1, partners=1)
    assert model.seen is data


def test_audit_reports_every_measure_and_the_agreement_with_relevance():
    torch.manual_seed(0)
    data = xor_data(300)
    model = MNL([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1, encoder_dims=[4, 4, 4])
    result = audit(model, data, data, repeats=2, partners=2)
    assert set(result["modalities"]) == {"1", "2", "3"}
    assert set(result["blocks"]) == {"1", "2", "3", "1x2", "1x3", "2x3", "1x2x3"}
    assert {"relevance", "moebius", "accuracy_drop"} <= set(result["blocks"]["1"])
    assert {"top_relevance", "spearman_moebius", "spearman_ablation", "spearman_shapley"} <= set(result["agreement"])
    assert result["samples"] == 300 and result["seconds"] > 0


def test_the_encoded_fast_path_gives_the_reference_paths_values():
    torch.manual_seed(0)
    data = xor_data(200)
    model = MNL([nn.Linear(2, 4), nn.Linear(2, 4), nn.Linear(2, 4)], 1, encoder_dims=[4, 4, 4]).eval()
    reference = coalition_values(model, data, repeats=2)  # the model on mixed raw inputs
    fast = coalition_values(_Fused(model), encoded(model, data), repeats=2)  # mixed encoder outputs
    assert fast == pytest.approx(reference)
    assert emap(_Fused(model), encoded(model, data), 4) == pytest.approx(emap(model, data, 4))


def test_spearman_is_undefined_for_a_constant_side_or_a_single_pair_without_a_numpy_warning():
    assert spearman([1, 2], [3, 4]) == pytest.approx(1.0)  # two pairs suffice
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning from np.corrcoef would fail here
        assert math.isnan(spearman([1, 2, 3], [5, 5, 5])) and math.isnan(spearman([1, 1, 1], [1, 2, 3]))
        assert math.isnan(spearman([7], [1]))


def test_the_agreement_names_each_measures_top_block_and_ranks_relevance_against_it():
    """The top block by relevance, by Moebius term and by ablation are each measure's own arg max,
    and each rank correlation is Spearman's over the blocks that have a relevance."""
    from intense.audit import _agreement

    blocks = {
        "1": {"relevance": 0.5, "moebius": 0.1, "accuracy_drop": 0.0, "loss_increase": 0.3},
        "2": {"relevance": 0.3, "moebius": 0.4, "accuracy_drop": 0.1, "loss_increase": 0.2},
        "1x2": {"relevance": 0.2, "moebius": 0.8, "accuracy_drop": 0.2, "loss_increase": 0.1},
        "3": {"moebius": 0.9},  # no relevance: left out
    }
    modalities = {"1": {"shapley": 0.2, "permutation": 0.1}, "2": {"shapley": 0.1, "permutation": 0.3}}
    relevance = {"1": 0.5, "2": 0.3, "1x2": 0.2}
    out = _agreement({"blocks": blocks, "modalities": modalities}, relevance)
    assert (out["top_relevance"], out["top_moebius"], out["top_ablation"]) == ("1", "1x2", "1")
    assert out["spearman_moebius"] == pytest.approx(spearman([0.5, 0.3, 0.2], [0.1, 0.4, 0.8]))
    assert out["spearman_ablation"] == pytest.approx(1.0)
    assert out["spearman_shapley"] == pytest.approx(1.0) and out["spearman_permutation"] == pytest.approx(-1.0)
    assert _agreement({"blocks": blocks, "modalities": modalities}, {}) == {}
    # beyond the exact limit (no Shapley values), and with one modality: no modality-level correlation
    no_shapley = {m: {"permutation": v["permutation"]} for m, v in modalities.items()}
    out = _agreement({"blocks": blocks, "modalities": no_shapley}, relevance)
    assert "spearman_shapley" not in out and "spearman_permutation" in out
    out = _agreement({"blocks": blocks, "modalities": {"1": modalities["1"]}}, relevance)
    assert "spearman_shapley" not in out and "spearman_permutation" not in out
