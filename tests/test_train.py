"""The trainer: model selection on validation, LR decay, clipping, tasks, bad input."""

import pytest
import torch

from intense import MNL, MLPEncoder
from intense.data import MultimodalData, gaussian_parity
from intense.train import TrainConfig, evaluate, fit, optimizer_step, task_loss


def toy(n, seed):
    x, y = gaussian_parity(n, n_modalities=2, dim=3, interacting=(1,), seed=seed)
    return MultimodalData("toy", x, y, ["1", "2"], "binary")


def model():
    torch.manual_seed(0)
    return MNL([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 1)


def test_fit_keeps_the_epoch_with_lowest_validation_loss_and_decays_lr():
    m, val = model(), toy(64, 1)
    result = fit(
        m, toy(256, 0), val, TrainConfig(epochs=6, batch_size=32, lr=0.05, scheduler_gamma=0.5, progress=False)
    )
    losses = [h["val_loss"] for h in result.history]
    assert result.best_epoch == 1 + losses.index(min(losses))
    assert evaluate(m, val)["loss"] == pytest.approx(min(losses), rel=1e-5)
    assert [h["lr"] for h in result.history] == pytest.approx([0.05 * 0.5**e for e in range(6)])
    assert all(set(h["relevance"]) == {"1", "2"} for h in result.history)
    assert not m.training


def test_fit_learns_the_toy_task():
    m = model()
    fit(m, toy(512, 0), toy(128, 1), TrainConfig(epochs=5, batch_size=32, lr=1e-2, progress=False))
    assert evaluate(m, toy(256, 2))["accuracy"] > 0.85
    assert m.relevance()["1"] > m.relevance()["2"]


def test_gradient_clipping_bounds_the_gradient_norm():
    m = model()
    data = toy(32, 0)
    optimizer = torch.optim.AdamW(m.parameters(), lr=1e-3)
    huge = lambda out, y: 1e6 * task_loss("binary")(out, y)  # noqa: E731
    optimizer_step(m, optimizer, data.modalities, data.labels, huge, grad_clip=0.1)
    norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in m.parameters() if p.grad is not None]))
    assert norm <= 0.1 + 1e-6


def test_task_losses_and_regression_accuracy_with_and_without_zero_labels():
    out = torch.tensor([[2.0], [-1.0], [3.0], [0.5]])
    y = torch.tensor([1.0, -2.0, 0.0, -1.0])
    assert task_loss("regression")(out, y).item() == pytest.approx((1 + 1 + 3 + 1.5) / 4)
    data = MultimodalData("r", [torch.zeros(4, 1)], y, ["1"], "regression")

    class Fixed(torch.nn.Module):
        def forward(self, inputs):
            return out

    metrics = evaluate(Fixed(), data)
    assert metrics["accuracy"] == pytest.approx(2 / 3)  # the label-0 sample is skipped
    assert metrics["accuracy_with_zeros"] == pytest.approx(3 / 4)  # label 0 counts as positive
    with pytest.raises(ValueError, match="unknown task"):
        task_loss("ranking")


def test_bad_training_input():
    bad = toy(64, 0)
    bad.modalities[0][5, 1] = float("inf")
    with pytest.raises(ValueError, match="modality 1 contains NaN or inf"):
        fit(model(), bad, toy(16, 1), TrainConfig(epochs=1, progress=False))
    with pytest.raises(ValueError, match="scheduler_gamma"):
        TrainConfig(scheduler_gamma=1.5)
    with pytest.raises(ValueError, match=r"have \[4, 3\] samples"):
        MultimodalData("x", [torch.zeros(4, 1), torch.zeros(3, 1)], torch.zeros(4), ["1", "2"], "binary")


def test_divergence_is_reported_not_trained_through():
    m, data = model(), toy(32, 0)
    optimizer = torch.optim.AdamW(m.parameters(), lr=1e-3)
    nan_loss = lambda out, y: out.sum() * float("nan")  # noqa: E731
    with pytest.raises(FloatingPointError, match="diverged"):
        optimizer_step(m, optimizer, data.modalities, data.labels, nan_loss, grad_clip=None)


def test_training_stops_once_the_validation_loss_has_been_flat_for_patience_epochs():
    m, val = model(), toy(64, 1)
    # a learning rate so large that the validation loss soon stops improving
    result = fit(m, toy(256, 0), val, TrainConfig(epochs=40, batch_size=32, lr=0.5, patience=3, progress=False))
    epochs = len(result.history)
    assert epochs < 40 and epochs - result.best_epoch == 3  # stopped exactly `patience` epochs after the best
    losses = [h["val_loss"] for h in result.history]
    assert min(losses[result.best_epoch :]) >= losses[result.best_epoch - 1]  # none of the last 3 improved
    everything = fit(model(), toy(256, 0), val, TrainConfig(epochs=8, batch_size=32, lr=0.5, progress=False))
    assert len(everything.history) == 8  # without patience, every epoch
    with pytest.raises(ValueError, match="patience must be at least 1"):
        TrainConfig(patience=0)


def _imbalanced(n, seed):
    """Four classes with 70, 20, 7 and 3 % of the samples."""
    generator = torch.Generator().manual_seed(seed)
    labels = torch.multinomial(torch.tensor([0.7, 0.2, 0.07, 0.03]), n, replacement=True, generator=generator)
    x = [torch.randn(n, 3, generator=generator) + labels[:, None].float(), torch.randn(n, 3, generator=generator)]
    return MultimodalData("imbalanced", x, labels, ["1", "2"], "multiclass", n_classes=4)


def test_the_sampler_draws_every_class_about_equally_often_and_the_permutation_each_sample_once():
    from intense.train import training_order

    data = _imbalanced(2000, 0)
    sampled = training_order(data, "sampler", torch.Generator().manual_seed(0))
    drawn = torch.bincount(data.labels[sampled], minlength=4).float() / len(sampled)
    assert len(sampled) == len(data) and torch.allclose(drawn, torch.full((4,), 0.25), atol=0.04)
    for balance in ("loss", "none"):
        order = training_order(data, balance, torch.Generator().manual_seed(0))
        assert sorted(order.tolist()) == list(range(len(data)))  # a permutation: natural frequencies
    regression = MultimodalData("r", data.modalities, data.labels.float(), ["1", "2"], "regression")
    with pytest.raises(ValueError, match="needs class labels"):
        training_order(regression, "sampler", torch.Generator())


def test_class_balance_by_loss_weights_only_the_loss_and_by_sampler_only_the_draws(monkeypatch):
    import intense.train as train_module

    data = _imbalanced(200, 0)
    data.class_weights = torch.tensor([0.1, 0.5, 2.0, 4.0])
    seen = []
    real = train_module.task_loss
    monkeypatch.setattr(
        train_module, "task_loss", lambda task, weights=None: seen.append(weights) or real(task, weights)
    )
    for balance in train_module.CLASS_BALANCES:
        seen.clear()
        torch.manual_seed(0)
        m = MNL([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 4)
        fit(m, data, data, TrainConfig(epochs=1, batch_size=50, class_balance=balance, progress=False))
        training_weights = seen[0]  # fit's own loss; evaluate's come after it
        assert (training_weights is data.class_weights) == (balance == "loss"), balance
    with pytest.raises(ValueError, match="class_balance must be one of"):
        TrainConfig(class_balance="oversample")
