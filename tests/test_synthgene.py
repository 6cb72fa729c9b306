"""SynthGene and SynthGene-Tri (App. C) generators."""

import numpy as np
import pytest
import torch

from intense.data import split_indices, synthgene, synthgene_parity
from intense.data.synthgene import ALPHABET, MOTIFS, encode


def as_strings(one_hot: torch.Tensor) -> list[str]:
    codes = one_hot.argmax(dim=1)  # (n, length)
    return ["".join(ALPHABET[c] for c in row) for row in codes.tolist()]


def carries(one_hot: torch.Tensor, motif: str) -> np.ndarray:
    return np.array([motif in s for s in as_strings(one_hot)])


def test_encoding_is_one_hot_of_the_codes_and_matches_a_per_sample_loop():
    codes = np.random.default_rng(0).integers(0, 4, size=(5, 12), dtype=np.uint8)
    encoded = encode(codes)
    assert encoded.shape == (5, 4, 12)
    for i in range(5):  # reference: one sample at a time
        expected = torch.zeros(4, 12)
        expected[torch.from_numpy(codes[i]).long(), torch.arange(12)] = 1.0
        torch.testing.assert_close(encoded[i], expected)


def test_synthgene_shapes_balance_and_determinism():
    data = synthgene(n=400, seed=3)
    assert len(data.modalities) == 10 and data.modalities[0].shape == (400, 4, 100)
    assert data.labels.sum().item() == 200
    again = synthgene(n=400, seed=3)
    assert all(torch.equal(a, b) for a, b in zip(data.modalities, again.modalities))
    assert not torch.equal(data.modalities[0], synthgene(n=400, seed=4).modalities[0])


def test_synthgene_inserts_class_specific_motifs_with_probability_p():
    data = synthgene(n=4000, seed=0)
    labels = data.labels.numpy().astype(bool)
    for m, p in {2: 0.2, 4: 0.3, 7: 0.5, 1: 0.0}.items():
        x = data.modalities[m - 1]
        own = np.where(labels, carries(x, MOTIFS[1]), carries(x, MOTIFS[0]))  # the label's 7-mer
        other = np.where(labels, carries(x, MOTIFS[0]), carries(x, MOTIFS[1]))  # the other class's
        assert own.mean() == pytest.approx(p + 0.006, abs=0.03), m  # + chance occurrences (~94/4^7)
        assert other.mean() < 0.02, m


def test_parity_label_is_xor_of_motif_presence_in_interacting_modalities():
    data = synthgene_parity(n=3000, n_modalities=3, interacting=(1, 2), seed=1)
    assert data.name == "synthgene-tri" and data.labels.sum().item() == 1500
    present = [carries(x, MOTIFS[0]) | carries(x, MOTIFS[1]) for x in data.modalities]
    labels = data.labels.numpy().astype(bool)
    assert ((present[0] ^ present[1]) == labels).mean() > 0.98
    # each interacting modality alone says nothing about the label, nor does the noise modality
    for m in range(3):
        assert abs(present[m][labels].mean() - present[m][~labels].mean()) < 0.06
    assert present[2].mean() < 0.03  # M3 carries no inserted 7-mer


def test_parity_of_three_modalities_with_a_noise_modality():
    data = synthgene_parity(n=2000, n_modalities=4, interacting=(1, 2, 3), seed=2)
    present = [carries(x, MOTIFS[0]) | carries(x, MOTIFS[1]) for x in data.modalities]
    labels = data.labels.numpy().astype(bool)
    assert ((present[0] ^ present[1] ^ present[2]) == labels).mean() > 0.97


def test_splits_are_disjoint_and_cover_the_data():
    splits = split_indices(1000, seed=0)
    sets = [set(v.tolist()) for v in splits.values()]
    assert [len(s) for s in sets] == [750, 125, 125]
    assert set().union(*sets) == set(range(1000)) and sum(map(len, sets)) == 1000


def test_bad_parameters():
    with pytest.raises(ValueError, match="interacting"):
        synthgene_parity(n=10, n_modalities=3, interacting=(1, 4))
    with pytest.raises(ValueError, match="probabilities"):
        synthgene(n=10, n_modalities=3, p={7: 0.5})
    with pytest.raises(ValueError, match="fractions"):
        split_indices(10, (0.5, 0.5, 0.5))
