"""The trainer: model selection on validation, LR decay, clipping, tasks, bad input."""

import re
import time

import pytest
import torch

from intense import MNL, PAPER_LAMBDA, MLPEncoder, penalty_weight, train_steps
from intense.data import MultimodalData, gaussian_parity
from intense.train import TrainConfig, correct, evaluate, fit, optimizer_step, task_loss


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
    m.set_training_size(len(data))  # eq. 3's Lambda / n, as fit sets it
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


def test_the_default_penalty_weight_is_eq3s_lambda_over_the_n_training_samples():
    """Left out, `reg_param` is eq. 3's Lambda / n: unresolved (a clear error) until the trainer
    gives the model n; given, it is the weight on the mean loss as it stands."""
    m, train = model(), toy(48, 0)
    with pytest.raises(ValueError, match="training set size n"):
        m.penalty()
    fit(m, train, toy(16, 1), TrainConfig(epochs=1, batch_size=16, progress=False))
    assert m.penalty_weight() == PAPER_LAMBDA / 48
    x, y = [x[:20] for x in train.modalities], train.labels[:20]
    train_steps(m, x, y[:, None], lambda out, t: task_loss("binary")(out, t[:, 0]), steps=1, batch_size=8)
    assert m.penalty_weight() == penalty_weight(20) == PAPER_LAMBDA / 20  # n of the latest training
    given = MNL([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 1, reg_param=0.3)
    fit(given, train, toy(16, 1), TrainConfig(epochs=1, batch_size=16, progress=False))
    assert given.penalty_weight() == 0.3


def test_divergence_is_reported_not_trained_through():
    m, data = model(), toy(32, 0)
    m.set_training_size(len(data))
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
    with pytest.raises(ValueError, match="^class_balance='sampler' needs class labels; a regression task has none$"):
        training_order(regression, "sampler", torch.Generator())
    draws = []
    for global_seed in (1, 2):  # the draws come from the generator given, not the global one
        torch.manual_seed(global_seed)
        draws.append(training_order(data, "sampler", torch.Generator().manual_seed(3)))
    assert torch.equal(draws[0], draws[1])


def test_class_balance_by_loss_weights_only_the_loss_and_by_sampler_only_the_draws(monkeypatch):
    import intense.train as train_module

    data = _imbalanced(200, 0)
    data.class_weights = torch.tensor([0.1, 0.5, 2.0, 4.0])
    seen, orders = [], []
    real, real_order = train_module.task_loss, train_module.training_order
    monkeypatch.setattr(
        train_module, "task_loss", lambda task, weights=None: seen.append(weights) or real(task, weights)
    )
    monkeypatch.setattr(
        train_module, "training_order", lambda data, balance, g: orders.append(balance) or real_order(data, balance, g)
    )
    for balance in train_module.CLASS_BALANCES:
        seen.clear()
        orders.clear()
        torch.manual_seed(0)
        m = MNL([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 4)
        fit(m, data, data, TrainConfig(epochs=1, batch_size=50, class_balance=balance, progress=False))
        training_weights = seen[0]  # fit's own loss; evaluate's come after it
        assert (training_weights is data.class_weights) == (balance == "loss"), balance
        assert orders == [balance]  # the epoch's draws follow the configured balance
    with pytest.raises(ValueError, match="class_balance must be one of"):
        TrainConfig(class_balance="oversample")


def _scripted_fit(monkeypatch, n, batch_size, val_metrics, **config):
    """fit with optimizer_step and evaluate replaced by scripts: step k returns k, epoch e's
    validation gives val_metrics[e - 1]; returns the result, each step's arguments and the
    model's weights as each epoch ended (deep copies)."""
    import copy

    import intense.train as train_module

    steps, snapshots = [], []

    def step(model, optimizer, inputs, targets, loss_fn, grad_clip):
        steps.append({"batch": targets.shape[0], "grad_clip": grad_clip})
        with torch.no_grad():  # a change of the weights that each epoch's snapshot can tell apart
            next(model.parameters()).add_(1.0)
        return float(len(steps))

    def scripted_evaluate(model, data, batch_size=1024):
        snapshots.append(copy.deepcopy(model.state_dict()))
        return dict(val_metrics[len(snapshots) - 1])

    monkeypatch.setattr(train_module, "optimizer_step", step)
    monkeypatch.setattr(train_module, "evaluate", scripted_evaluate)
    settings = {"epochs": len(val_metrics), "batch_size": batch_size, "progress": False} | config
    result = fit(model(), toy(n, 0), toy(16, 1), TrainConfig(**settings))
    return result, steps, snapshots


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")  # the scripted steps
def test_an_epoch_steps_on_every_batch_of_two_or_more_and_records_the_mean_of_its_objectives(monkeypatch):
    """66 samples in batches of 32: 32, 32 and a last batch of 2 (taken: two samples give batch
    statistics); 65 samples: the last batch of 1 is skipped, and the epoch's objective is the
    mean over the steps taken."""
    flat = [{"loss": 1.0, "accuracy": 0.5}] * 2
    result, steps, _ = _scripted_fit(monkeypatch, 66, 32, flat, grad_clip=0.7)
    assert [s["batch"] for s in steps] == [32, 32, 2] * 2
    assert all(s["grad_clip"] == 0.7 for s in steps)  # the configured clipping reaches every step
    assert [h["train_objective"] for h in result.history] == [2.0, 5.0]  # (1+2+3)/3, (4+5+6)/3
    result, steps, _ = _scripted_fit(monkeypatch, 65, 32, flat)
    assert [s["batch"] for s in steps] == [32, 32] * 2
    assert [h["train_objective"] for h in result.history] == [1.5, 3.5]


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")  # the scripted steps
def test_the_two_selections_keep_the_weights_of_their_own_epochs(monkeypatch, caplog):
    """Least validation loss (epoch 2) is the model fit leaves; the highest validation accuracy
    (epoch 3, the first of a tie) is kept aside; both are the weights as those epochs ended, not
    views of weights trained on afterwards. Whether the run learned is read at the kept epoch."""
    scripted = [(3.0, 0.5), (1.0, 0.6), (2.0, 0.9), (4.0, 0.9)]
    metrics = [{"loss": loss, "accuracy": acc} for loss, acc in scripted]
    with caplog.at_level("WARNING", logger="intense.train"):
        result, _, snapshots = _scripted_fit(monkeypatch, 64, 32, metrics, learned_above=0.55)
    assert result.best_epoch == 2 and result.best_val_loss == 1.0
    assert result.by_val_accuracy["epoch"] == 3 and result.by_val_accuracy["val"]["accuracy"] == 0.9
    for state, epoch in ((result.selected_state, 2), (result.by_val_accuracy["state"], 3)):
        assert all(torch.equal(state[k], snapshots[epoch - 1][k]) for k in state)
        assert not all(torch.equal(state[k], snapshots[-1][k]) for k in state)
    assert not caplog.records  # epoch 2's accuracy 0.6 passes 0.55 (epoch 1's 0.5 would not)
    with caplog.at_level("WARNING", logger="intense.train"):
        _scripted_fit(monkeypatch, 64, 32, metrics, learned_above=0.65)
    assert "validation accuracy 0.600 is below the data set's threshold 0.650" in caplog.text
    assert caplog.text.rstrip().endswith("its relevance scores describe an untrained fusion layer, not the data")


@pytest.mark.filterwarnings("ignore:Detected call of:UserWarning")  # the scripted steps
def test_a_tie_in_validation_loss_keeps_the_earlier_epoch_and_a_loss_never_finite_is_an_error(monkeypatch):
    tie = [{"loss": 1.0, "accuracy": 0.9}, {"loss": 1.0, "accuracy": 0.9}]
    result, _, _ = _scripted_fit(monkeypatch, 64, 32, tie)
    assert result.best_epoch == 1
    nan = [{"loss": float("nan"), "accuracy": 0.5}]
    with pytest.raises(FloatingPointError, match="^the validation loss was never finite; lower the learning rate$"):
        _scripted_fit(monkeypatch, 64, 32, nan)


def test_fit_gives_the_optimiser_both_weight_decays_and_draws_batches_from_its_own_seed(monkeypatch):
    m, calls = model(), []
    real = m.param_groups
    monkeypatch.setattr(m, "param_groups", lambda *args: calls.append(args) or real(*args))
    fit(m, toy(64, 0), toy(16, 1), TrainConfig(epochs=1, weight_decay=0.3, fusion_weight_decay=0.2, progress=False))
    assert calls == [(0.3, 0.2)]
    runs = []
    for global_seed in (1, 2):  # the global generator differs; the run's seed does not
        torch.manual_seed(global_seed)
        m = MNL([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 1)
        m.load_state_dict(model().state_dict())
        torch.manual_seed(global_seed)
        runs.append(fit(m, toy(64, 0), toy(16, 1), TrainConfig(epochs=2, seed=5, progress=False)).history)
    assert [h["train_objective"] for h in runs[0]] == [h["train_objective"] for h in runs[1]]


def test_accuracy_counts_a_logit_of_zero_as_the_negative_class_and_the_arg_max_as_the_class():
    class Fixed(torch.nn.Module):
        def __init__(self, out):
            super().__init__()
            self.out = out

        def forward(self, inputs):
            return self.out

    binary = MultimodalData("b", [torch.zeros(3, 1)], torch.tensor([0.0, 1.0, 0.0]), ["1"], "binary")
    assert evaluate(Fixed(torch.tensor([[0.0], [1.0], [-1.0]])), binary)["accuracy"] == 1.0
    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    labels = torch.tensor([1, 0, 2, 2])
    multiclass = MultimodalData("m", [torch.zeros(4, 1)], labels, ["1"], "multiclass", n_classes=3)
    assert evaluate(Fixed(logits), multiclass)["accuracy"] == 0.75
    regression = MultimodalData("r", [torch.zeros(2, 1)], torch.tensor([-1.0, 0.5]), ["1"], "regression")
    assert evaluate(Fixed(torch.tensor([[0.0], [0.0]])), regression)["accuracy"] == 0.5  # 0 is not > 0


def test_the_chance_rate_is_the_share_of_the_most_common_class_or_sign():
    from intense.train import chance_rate

    signs = MultimodalData("r", [torch.zeros(4, 1)], torch.tensor([0.5, 0.25, -2.0, 0.0]), ["1"], "regression")
    assert chance_rate(signs) == pytest.approx(2 / 3)  # label 0 left out; small labels are positive
    one = MultimodalData("b", [torch.zeros(1, 1)], torch.tensor([1.0]), ["1"], "binary")
    assert chance_rate(one) == 1.0


def test_a_weighted_cross_entropy_uses_the_class_weights_it_is_given():
    out, y, weights = torch.randn(6, 3), torch.tensor([0, 1, 2, 2, 1, 0]), torch.tensor([0.2, 1.0, 3.0])
    expected = torch.nn.functional.cross_entropy(out, y, weight=weights)
    assert task_loss("multiclass", weights)(out, y).item() == pytest.approx(expected.item())
    assert task_loss("multiclass", weights)(out, y).item() != pytest.approx(task_loss("multiclass")(out, y).item())


def test_train_steps_checks_its_input_and_draws_batches_from_its_own_seed():
    data = toy(40, 0)
    loss = lambda out, t: task_loss("binary")(out, t)  # noqa: E731
    with pytest.raises(ValueError, match=r"every modality needs 40 samples, got \[40, 39\]"):
        train_steps(model(), [data.modalities[0], data.modalities[1][:39]], data.labels, loss)
    for steps, batch_size in ((0, 8), (1, 1)):
        with pytest.raises(ValueError, match="need steps >= 1 and batch_size >= 2"):
            train_steps(model(), data.modalities, data.labels, loss, steps=steps, batch_size=batch_size)
    histories = []
    for global_seed in (1, 2):
        m = model()
        torch.manual_seed(global_seed)  # the global generator differs between the two runs
        histories.append(train_steps(m, data.modalities, data.labels, loss, steps=3, batch_size=2, seed=7))
    assert histories[0] == histories[1] and len(histories[0]) == 3
    assert all(isinstance(h, float) for h in histories[0])
    other = train_steps(model(), data.modalities, data.labels, loss, steps=3, batch_size=2, seed=8)
    assert other != histories[0]  # another seed, other batches


def test_train_steps_defaults_are_300_steps_of_64_samples_at_lr_1e_2_from_seed_0_quietly(capsys):
    data = toy(200, 0)
    loss = lambda out, t: task_loss("binary")(out, t)  # noqa: E731
    default = train_steps(model(), data.modalities, data.labels, loss)
    explicit = train_steps(model(), data.modalities, data.labels, loss, steps=300, batch_size=64, lr=1e-2, seed=0)
    assert default == explicit and len(default) == 300
    assert capsys.readouterr().err == ""  # no progress bar unless asked
    train_steps(model(), data.modalities, data.labels, loss, steps=2, progress=True)
    assert re.search(r"(^|\r)training: ", capsys.readouterr().err)
    slower = train_steps(model(), data.modalities, data.labels, loss, lr=1e-3)
    assert slower != default  # the learning rate reaches the optimiser


def test_train_config_accepts_each_bound_and_rejects_the_value_just_past_it():
    for bound in (
        {"patience": 1},
        {"weight_decay": 0.0, "fusion_weight_decay": 0.0},
        {"epochs": 1, "batch_size": 2, "lr": 1e-12, "scheduler_gamma": 1.0},
    ):
        TrainConfig(**bound)
    rejected = {
        "patience must be at least 1": [{"patience": 0}],
        "weight decays must be >= 0": [{"weight_decay": -0.1}, {"fusion_weight_decay": -0.1}],
        re.escape("need epochs >= 1, batch_size >= 2, lr > 0 and 0 < scheduler_gamma <= 1"): [
            {"epochs": 0},
            {"batch_size": 1},
            {"lr": 0.0},
            {"scheduler_gamma": 0.0},
        ],
    }
    for message, cases in rejected.items():
        for case in cases:
            with pytest.raises(ValueError, match=message):
                TrainConfig(**case)


def test_each_epoch_records_its_number_its_times_and_the_relevance_on_the_validation_split(capsys):
    class Recording(MNL):
        def relevance(self, data=None):
            self.seen = data
            return super().relevance(data)

    torch.manual_seed(0)
    m, train, val = Recording([MLPEncoder(3, 4, hidden=(8,)) for _ in range(2)], 1), toy(64, 0), toy(16, 1)
    before = time.perf_counter()
    result = fit(m, train, val, TrainConfig(epochs=2, batch_size=32, progress=True))
    elapsed = time.perf_counter() - before
    assert [h["epoch"] for h in result.history] == [1, 2] and m.seen is val
    for h in result.history:
        assert 0 < h["train_seconds"] <= h["epoch_seconds"] <= elapsed
    # the progress bar: the data set's name, one tick per batch (2 epochs of 2), the validation
    # metrics, and cleared when training ends
    err = capsys.readouterr().err
    assert "toy" in err and " 4/4 [" in err and "val_loss=" in err and "val_acc=" in err
    assert re.search(r" 4/4 \[[^\r\n]*\r +\r", err)  # the last frame blanked out, no line left
    assert re.search(r"val_loss=\d+\.\d{3}", err) and re.search(r"val_acc=\d\.\d{3}", err)
    fit(m, train, val, TrainConfig(epochs=1, batch_size=32, progress=False))  # no bar
    assert "%|" not in capsys.readouterr().err


def test_a_model_with_one_parameter_group_trains_with_the_decayed_lr_recorded():
    """The baselines have no separate fusion layer: one AdamW group."""
    from intense.model_base import MultimodalModel

    class Concat(MultimodalModel):
        def __init__(self):
            super().__init__()
            self.linear = torch.nn.Linear(6, 1)

        def forward(self, inputs):
            return self.linear(torch.cat(list(inputs), dim=1))

    torch.manual_seed(0)
    m = Concat()
    assert len(m.param_groups(0.0)) == 1
    result = fit(m, toy(64, 0), toy(16, 1), TrainConfig(epochs=2, batch_size=32, lr=0.1, scheduler_gamma=0.5))
    assert [h["lr"] for h in result.history] == pytest.approx([0.1, 0.05])


def test_a_prediction_is_right_by_the_sign_of_its_logit_or_its_arg_max():
    """binary: a positive logit predicts 1 (a logit of exactly 0 predicts 0); multiclass: the
    arg max; regression: the sign, a prediction of 0 counting as negative, label 0 left out."""
    logits = torch.tensor([[2.0], [0.0], [-1.0], [0.0]])
    assert correct(logits, torch.tensor([1.0, 0.0, 1.0, 1.0]), "binary").tolist() == [1.0, 1.0, 0.0, 0.0]
    scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.1, 0.4]])
    assert correct(scores, torch.tensor([1, 2]), "multiclass").tolist() == [1.0, 0.0]
    regression = correct(logits, torch.tensor([0.5, -2.0, 0.0, 1.0]), "regression")
    assert regression.tolist() == [1.0, 1.0, 0.0]  # the third sample (label 0) is left out
