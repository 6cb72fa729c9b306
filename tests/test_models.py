"""MNL and InTense: blocks, relevance keys, ablation switch, training, errors."""

import copy

import pytest
import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits

from intense import MNL, VBN, InTense, IterBN, MLPEncoder, NaiveInteractionNorm, train_steps
from intense.blocks import interaction_blocks
from intense.data import gaussian_parity
from intense.models import MAX_FUSION_INPUTS


def encoders(n=3, d_in=4, d_out=6):
    return [MLPEncoder(d_in, d_out, hidden=(16,)) for _ in range(n)]


def inputs(n=3, batch=10, d_in=4):
    return [torch.randn(batch, d_in) for _ in range(n)]


def test_intense_default_models_every_interaction_of_order_two_and_more():
    model = InTense(encoders(), output_dim=2)
    assert model(inputs()).shape == (10, 2)
    assert list(model.relevance()) == ["1", "2", "3", "1x2", "1x3", "2x3", "1x2x3"]
    assert sum(model.relevance().values()) == pytest.approx(1.0)


def test_interactions_by_order_list_or_name():
    assert list(InTense(encoders(), 1, max_order=2).relevance()) == ["1", "2", "3", "1x2", "1x3", "2x3"]
    assert list(InTense(encoders(), 1, interactions=[(1, 3)]).relevance()) == ["1", "2", "3", "1x3"]
    named = InTense(encoders(), 1, interactions=[("t", "a")], modality_names=["a", "v", "t"])
    assert list(named.relevance()) == ["a", "v", "t", "axt"]


def test_interaction_blocks_are_told_from_modalities_by_their_names():
    assert interaction_blocks(["1", "2", "10", "1x2", "1x10", "1x2x10"]) == ["1x2", "1x10", "1x2x10"]
    # UCI mfeat's "pix" holds an "x" but is a modality
    assert interaction_blocks(["fou", "pix", "zer", "fouxpix", "pixxzer"]) == ["fouxpix", "pixxzer"]


def test_interaction_blocks_have_tf_latent_dim_per_factor():
    model = InTense(encoders(), 1, tf_latent_dim=3)
    assert model.head.block_dims == [6, 6, 6, 9, 9, 9, 27]


def test_mnl_has_only_unimodal_blocks():
    model = MNL(encoders(), output_dim=1)
    assert list(model.relevance()) == ["1", "2", "3"]
    assert model(inputs()).shape == (10, 1)


def test_naive_switch_replaces_iterbn():
    assert all(isinstance(n, IterBN) for n in InTense(encoders(), 1).interaction_norms)
    naive = InTense(encoders(), 1, interaction_norm="naive")
    assert all(isinstance(n, NaiveInteractionNorm) for n in naive.interaction_norms)
    assert naive(inputs()).shape == (10, 1)


def test_eval_mode_scores_a_single_sample():
    model = InTense(encoders(), 2)
    model(inputs(batch=32))
    model.eval()
    assert model(inputs(batch=1)).shape == (1, 2)


def test_fusion_layer_has_no_weight_decay_encoders_do():
    model = InTense(encoders(), 2)
    lower, fusion = model.param_groups(weight_decay=0.01)
    assert fusion["weight_decay"] == 0.0 and lower["weight_decay"] == 0.01
    assert {id(q) for q in fusion["params"]} == {id(model.head.linear.weight), id(model.head.linear.bias)}
    assert len(lower["params"]) + 2 == len(list(model.parameters()))


def test_bad_configuration_errors():
    with pytest.raises(ValueError, match="1 <= p"):
        InTense(encoders(), 1, p=0.5)
    with pytest.raises(ValueError, match="unknown modality 4"):
        InTense(encoders(), 1, interactions=[(1, 4)])
    with pytest.raises(ValueError, match="two or more distinct"):
        InTense(encoders(), 1, interactions=[(2, 2)])
    with pytest.raises(ValueError, match="max_order"):
        InTense(encoders(), 1, max_order=5)
    with pytest.raises(ValueError, match="interaction_norm"):
        InTense(encoders(), 1, interaction_norm="batchnorm")
    with pytest.raises(ValueError, match="encoder_dims"):
        InTense([nn.Sequential(nn.Linear(4, 6))], 1)
    with pytest.raises(ValueError, match="expected 3 modality inputs"):
        InTense(encoders(), 1)(inputs(n=2))


def test_interactions_too_large_for_memory_are_refused_before_anything_is_built():
    # every interaction of 10 modalities: the order-10 block alone has 8^10 features
    with pytest.raises(ValueError, match=r"1x2x3x4x5x6x7x8x9x10.*--max-order 2"):
        InTense(encoders(n=10), 1)
    assert len(InTense(encoders(n=10), 1, max_order=2).interactions) == 45


def test_training_rejects_non_finite_inputs():
    x, y = gaussian_parity(32, 3, 4)
    x[1][3, 0] = float("nan")
    with pytest.raises(ValueError, match="modality 2 contains NaN"):
        train_steps(InTense(encoders(), 1), x, y[:, None], binary_cross_entropy_with_logits, steps=1)


def test_training_on_a_pure_interaction_puts_most_relevance_on_it():
    # the label is the XOR of modalities 1 and 2; modality 3 is noise
    torch.manual_seed(0)
    x, y = gaussian_parity(512, n_modalities=3, dim=4, interacting=(1, 2), seed=0)
    model = InTense([MLPEncoder(4, 8, hidden=(32,)) for _ in range(3)], 1, tf_latent_dim=4)
    history = train_steps(
        model, x, y[:, None], binary_cross_entropy_with_logits, steps=300, batch_size=128, lr=1e-2, seed=0
    )
    assert history[-1] < history[0]
    relevance = model.relevance()
    assert max(relevance, key=relevance.get) == "1x2"
    assert relevance["1x2"] > 0.5


def test_intense_defaults_are_the_papers():
    model = InTense(encoders(n=2), 1)
    assert model.head.p == 1.0 and model.head.reg_param is None  # eq. 3's Lambda / n, set by the trainer
    assert model.interaction_norm == "iterbn" and [n.dims for n in model.interaction_norms] == [[8, 8]]
    assert all((n.eps, n.momentum) == (1e-5, 0.1) for n in model.modules() if isinstance(n, VBN))


@pytest.mark.parametrize("scheme", ["iterbn", "naive", "naive-pairwise", "none"])
def test_eps_and_momentum_reach_every_normalisation_of_the_model(scheme):
    model = InTense(encoders(), 1, interaction_norm=scheme, eps=1e-3, momentum=0.3)
    assert model.interaction_norm == scheme
    # each scheme hands them on to the normalisations inside it (tests/test_vbn.py)
    assert all((n.eps, n.momentum) == (1e-3, 0.3) for n in [*model.modality_norms, *model.interaction_norms])


def test_a_one_dimensional_latent_space_is_allowed_zero_is_not():
    assert [n.dims for n in InTense(encoders(n=2), 1, tf_latent_dim=1).interaction_norms] == [[1, 1]]
    with pytest.raises(ValueError, match="tf_latent_dim must be >= 1, got 0"):
        InTense(encoders(n=2), 1, tf_latent_dim=0)


def test_the_fusion_layer_takes_exactly_max_fusion_inputs_interaction_features_and_no_more():
    side = int(MAX_FUSION_INPUTS**0.5)  # one pair of side x side features: exactly the limit
    assert side * side == MAX_FUSION_INPUTS
    assert InTense(encoders(n=2), 1, tf_latent_dim=side).head.block_dims[-1] == MAX_FUSION_INPUTS  # 16 MB of weights
    with pytest.raises(ValueError, match=r"at most 4,194,304 fit.*or a smaller tf_latent_dim"):
        InTense(encoders(n=2), 1, tf_latent_dim=side + 1)


def test_encoder_widths_given_by_hand_reach_the_blocks():
    opaque = [nn.Sequential(nn.Linear(4, 6)), nn.Sequential(nn.Linear(4, 5))]  # no out_dim to read
    model = InTense(opaque, 1, encoder_dims=[6, 5], max_order=2)
    assert model.head.block_dims == [6, 5, 64] and model.dims == [6, 5]


def test_the_fusion_init_reaches_the_head():
    torch.manual_seed(0)
    model = InTense(encoders(n=2), 1, fusion_init="equal-norm")
    norms = torch.stack([w.norm() for w in torch.split(model.head.linear.weight, model.head.block_dims, dim=1)])
    torch.testing.assert_close(norms, norms[0].expand(3))  # the 64-feature block no larger than the others


@pytest.mark.parametrize(
    "option", [{"interactions": ["12"]}, {"max_order": 2}, {"tf_latent_dim": 4}, {"interaction_norm": "naive"}]
)
def test_mnl_refuses_each_interaction_option_by_name(option):
    with pytest.raises(ValueError, match=rf"MNL has no interaction blocks: \['{next(iter(option))}'\] do not apply"):
        MNL(encoders(n=2), 1, **option)


@pytest.mark.parametrize("scheme", ["iterbn", "naive", "naive-pairwise", "none"])
def test_the_default_fast_path_and_the_reference_path_are_one_model(scheme):
    """InTense computes its blocks together by default (intense.vectorised, specified in
    tests/test_vectorised.py); `vectorised=False` block by block. Same model, train and eval,
    also after .double() replaces the buffers that the fast path reads."""
    torch.manual_seed(0)
    model = InTense(encoders(), 2, interaction_norm=scheme, tf_latent_dim=2)
    reference = copy.deepcopy(model)
    reference.vectorised = False
    x = inputs(batch=6)
    calls = []  # the fast path does not go through the per-block modules
    for m in (model, reference):
        m.interaction_norms[0].register_forward_hook(lambda module, args, out, m=m: calls.append(m))
    model(x), reference(x)
    model.fusion_blocks(model.encode(x)), reference.fusion_blocks(reference.encode(x))
    assert model.vectorised and calls == [reference, reference]
    for training in (True, False):
        model.train(training), reference.train(training)
        torch.testing.assert_close(model(x), reference(x))
        for a, b in zip(model.fusion_blocks(model.encode(x)), reference.fusion_blocks(reference.encode(x))):
            torch.testing.assert_close(a, b)
    model.double(), reference.double()
    torch.testing.assert_close(model([v.double() for v in x]), reference([v.double() for v in x]))
