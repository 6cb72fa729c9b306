"""Modality encoders: padding of affect sequences is invisible to GRU and Transformer."""

import torch

from intense.encoders import GRUEncoder, LeNet, TransformerEncoder, front_padding_mask


def padded_pair():
    torch.manual_seed(0)
    x = torch.randn(3, 7, 5)
    x[0, :3] = 0  # sample 0: 3 padded steps at the front
    return x


def test_front_padding_mask_marks_leading_zero_steps_only():
    x = padded_pair()
    x[1, 4] = 0  # a zero step *inside* a sequence is data, not padding
    mask = front_padding_mask(x)
    assert mask.sum(1).tolist() == [3, 0, 0]
    assert front_padding_mask(torch.zeros(1, 4, 2)).tolist() == [[True, True, True, False]]


def test_gru_and_transformer_ignore_front_padding():
    x = padded_pair()
    for encoder in (GRUEncoder(5, 4), TransformerEncoder(5, 4, d_model=10, heads=5, layers=2)):
        encoder.train()
        encoder(x)  # update batch statistics once
        encoder.eval()
        full = encoder(x)[0]
        trimmed = encoder(x[:1, 3:])[0]
        assert torch.allclose(full, trimmed, atol=1e-5), type(encoder).__name__


def test_lenet_maps_images_of_any_size_to_out_features():
    assert LeNet(3, 6, layers=3)(torch.randn(2, 3, 64, 32)).shape == (2, 6)
    assert LeNet(1, 6, layers=4, stride=2)(torch.randn(2, 1, 112, 112)).shape == (2, 6)
