"""The baselines of Table 2, specified by their papers' equations."""

import pytest
import torch

from intense import MLPEncoder
from intense.baselines import MRO, TFN, LFConcat, MulT, MultiRoute
from intense.baselines.mult import attention_dropout_for
from intense.data.base import MultimodalData
from intense.model_base import ENCODER_NORMS
from intense.runs import RunConfig, with_overrides
from intense.runs.factory import MODELS, build_model, reads
from intense.train import task_loss, train_steps


def encoders(n=3, d_in=4, d=5):
    return [MLPEncoder(d_in, d, hidden=(8,)) for _ in range(n)]


def xor_batch(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = [torch.randn(n, 4, generator=g) for _ in range(3)]
    y = ((x[0][:, 0] > 0) ^ (x[1][:, 0] > 0)).float()
    return x, y


METHODS = {
    "lf-concat": lambda out: LFConcat(encoders(), out),
    "tfn": lambda out: TFN(encoders(), out, latent_dim=3),
    "mro": lambda out: MRO(encoders(), out),
    "multiroute": lambda out: MultiRoute(encoders(), out),
    "mult": lambda out: MulT([4, 4, 4], out, d=8, heads=2, layers=1),
}


@pytest.mark.parametrize("name", METHODS)
@pytest.mark.parametrize("task,out", [("binary", 1), ("multiclass", 4), ("regression", 1)])
def test_every_method_gives_one_output_per_class_for_every_task(name, task, out):
    torch.manual_seed(0)
    model = METHODS[name](out)
    x, _ = xor_batch(8)
    inputs = [v.unsqueeze(1) for v in x] if name == "mult" else x  # MulT reads sequences
    assert model(inputs).shape == (8, out)


@pytest.mark.parametrize("name", METHODS)
def test_every_method_overfits_a_tiny_batch(name):
    torch.manual_seed(0)
    model = METHODS[name](1)
    x, y = xor_batch(32)
    inputs = [v.unsqueeze(1) for v in x] if name == "mult" else x
    losses = train_steps(model, inputs, y, task_loss("binary"), steps=150, batch_size=32, lr=1e-2)
    assert losses[-1] < 0.5 * losses[0]


def test_tfn_product_contains_each_unimodal_vector_unchanged():
    torch.manual_seed(0)
    model = TFN(encoders(), 1, latent_dim=3)
    features = [torch.randn(2, 5) for _ in range(3)]
    fused = model.fuse(features).reshape(2, 4, 4, 4)  # (B, r + 1, r + 1, r + 1)
    z = [proj(f) for proj, f in zip(model.projections, features)]
    assert torch.allclose(fused[:, :3, 3, 3], z[0])  # z^1 (x) 1 (x) 1
    assert torch.allclose(fused[:, 3, 3, :3], z[2])
    assert torch.allclose(fused[:, 3, 3, 3], torch.ones(2))  # the constant
    assert torch.allclose(fused[:, :3, :3, 3], z[0][:, :, None] * z[1][:, None, :])  # bimodal term


def test_mro_bimodal_loss_sends_no_gradient_into_the_unimodal_head():
    torch.manual_seed(0)
    model = MRO(encoders(), 1).eval()  # no dropout: the forward passes below agree
    x, y = xor_batch(16)
    loss = task_loss("binary")
    h = model.order_outputs(x)
    unimodal_params = [p for s, head in zip(model.subsets, model.heads) if len(s) == 1 for p in head.parameters()]
    bimodal_term = loss(h[0].detach() + h[1], y)  # the second term of MRO's objective
    grads = torch.autograd.grad(bimodal_term, unimodal_params, allow_unused=True)
    assert all(g is None or torch.all(g == 0) for g in grads)
    # the whole objective: unimodal head is trained only by its own term
    full = model.training_loss(x, y, loss)
    own = loss(model.order_outputs(x)[0], y)
    g_full = torch.autograd.grad(full, unimodal_params)
    g_own = torch.autograd.grad(own, unimodal_params)
    assert all(torch.allclose(a, b, atol=1e-6) for a, b in zip(g_full, g_own))


def test_mro_predicts_the_sum_of_its_order_heads():
    model = MRO(encoders(), 1).eval()
    x, _ = xor_batch(4)
    assert torch.allclose(model(x), sum(model.order_outputs(x)))


def test_routing_coefficients_of_each_input_sum_to_one_over_concepts():
    torch.manual_seed(0)
    model = MultiRoute(encoders(), 4)
    x, _ = xor_batch(8)
    logits, r, p, u = model.route(x)
    assert p.shape == (8, 7) and u.shape[:3] == (8, 7, 4)
    assert r.shape == (8, 7, 4) and torch.allclose(r.sum(dim=2), torch.ones(8, 7))
    assert model.feature_names == ["1", "2", "3", "1x2", "1x3", "2x3", "1x2x3"]


def test_multiroute_global_scores_sum_to_one_over_features():
    from intense.data import MultimodalData

    x, y = xor_batch(20)
    model = MultiRoute(encoders(), 1)
    scores = model.relevance(MultimodalData("xor", x, y, ["1", "2", "3"], "binary"))
    assert set(scores) == set(model.feature_names) and sum(scores.values()) == pytest.approx(1.0)
    assert model.relevance() == {}  # needs data


def test_multiroute_aggregations_sum_to_one_and_the_label_one_follows_the_routing():
    from intense.baselines.routing import AGGREGATIONS
    from intense.data import MultimodalData

    torch.manual_seed(0)
    x, y = xor_batch(64)
    data = MultimodalData("xor", x, y, ["1", "2", "3"], "binary")
    model = MultiRoute(encoders(), 1).eval()
    for how in AGGREGATIONS:
        scores = model.relevance(data, how=how)
        assert sum(scores.values()) == pytest.approx(1.0) and min(scores.values()) >= 0, how
    _, r, _, _ = model.route(x)
    own = r[torch.arange(64), :, y.long()]  # r_{i, y}: every feature's routing to the sample's class
    expected = own.mean(dim=0) / own.mean(dim=0).sum()
    assert list(model.relevance(data, how="label").values()) == pytest.approx(expected.tolist(), rel=1e-5)
    with pytest.raises(ValueError, match="unknown aggregation"):
        model.relevance(data, how="mean")


def test_mult_output_ignores_padded_steps():
    torch.manual_seed(0)
    model = MulT([3, 2], 1, d=8, heads=2, layers=2).eval()
    a, b = torch.randn(1, 5, 3), torch.randn(1, 4, 2)
    padded_a = torch.cat([torch.zeros(1, 3, 3), a], dim=1)  # three padded steps in front
    assert torch.allclose(model([a, b]), model([padded_a, b]), atol=1e-5)
    unmasked = MulT([3, 2], 1, d=8, heads=2, layers=2, mask_padding=False).eval()
    unmasked.load_state_dict(model.state_dict())
    assert not torch.allclose(unmasked([a, b]), unmasked([padded_a, b]), atol=1e-5)


def test_mult_attention_dropout_follows_mults_defaults_per_target():
    """MulT's code drops attention weights into the text stream only (0.1; audio and vision 0)."""
    assert attention_dropout_for(["vision", "audio", "text"]) == [0.0, 0.0, 0.1]
    model = MulT([3, 2], 1, d=8, heads=2, layers=1, attention_dropout=[0.0, 0.1])
    into = {target: blocks[0].attention.dropout for (target, _), blocks in zip(model.pairs, model.crossmodal)}
    assert into == {0: 0.0, 1: 0.1}
    assert [blocks[0].attention.dropout for blocks in model.self_attention] == [0.0, 0.1]
    with pytest.raises(ValueError, match="one value per modality"):
        MulT([3, 2], 1, d=8, heads=2, layers=1, attention_dropout=[0.1])


@pytest.mark.parametrize("name", ["lf-concat", "tfn", "mro", "multiroute"])
def test_every_baseline_reads_vbn_normalised_encoder_outputs_unless_asked_for_the_published_form(name):
    """A fair comparison: the same VBN (eq. 5) on the encoders' outputs that MNL and InTense
    have; encoder_norm="none" is the baseline as published, reading the raw outputs."""
    classes = {"lf-concat": LFConcat, "tfn": TFN, "mro": MRO, "multiroute": MultiRoute}

    def build(**kwargs):
        torch.manual_seed(0)
        return classes[name]([MLPEncoder(4, 5, hidden=(8,)) for _ in range(3)], 4, **kwargs)

    fair = build()
    assert fair.encoder_norms is not None
    x = [torch.randn(64, 4) * 30 + 7, torch.randn(64, 4), torch.randn(64, 4)]  # one modality far off scale
    features = fair.encode(x)
    for f in features:  # centred, one unit of squared norm per sample on average (eq. 6-7)
        assert f.mean(0).abs().max() < 1e-5 and (f.pow(2).sum(1).mean() - 1).abs() < 1e-3
    published = build(encoder_norm="none")
    assert published.encoder_norms is None
    raw = published.encode(x)
    assert raw[0].pow(2).sum(1).mean() > 10  # the raw outputs keep the input's scale
    assert all(torch.equal(r, e(xm)) for r, e, xm in zip(raw, published.encoders, x))
    with pytest.raises(ValueError, match="encoder_norm must be one of"):
        build(encoder_norm="batchnorm")


@pytest.mark.parametrize("name", list(MODELS))
def test_exactly_the_models_that_read_encoder_norm_are_built_differently_by_it(name):
    """`reads(model, "encoder_norm")`, which decides whether a record can be stale in it, says
    what the builders do: the models it names get VBN on their encoder outputs or none, the
    others are the same model either way."""
    images = [torch.randn(8, 1, 16, 16), torch.randn(8, 1, 16, 16)]
    data = MultimodalData("toy", images, torch.arange(8) % 2, ["1", "2"], "binary")
    config = RunConfig.for_dataset("avmnist-rebuilt", model=name, modality=1 if name == "unimodal" else None)
    built = {
        norm: set(build_model(with_overrides(config, encoder_norm=norm), data).state_dict()) for norm in ENCODER_NORMS
    }
    assert (built["vbn"] != built["none"]) == reads(name, "encoder_norm")
