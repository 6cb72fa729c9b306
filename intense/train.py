"""Training: the objective of eq. 3 divided by n (`intense.objective`) minimised with AdamW,
model selection on validation loss.

    (1/|B|) sum_{i in B} l(model(x_i), y_i) + (Lambda / n) (sum_b ||W_b||^q)^(2/q)   + weight decay (encoders)

The trainer tells the model the training set size n (`MultimodalModel.set_training_size`), from
which eq. 3's weight Lambda / n follows. Data live in memory as tensors (`MultimodalData`),
already encoded, so an epoch is a loop over index slices with no per-sample work.
"""

from __future__ import annotations

import copy
import logging
import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor
from torch.nn.functional import binary_cross_entropy_with_logits, cross_entropy, l1_loss
from tqdm import tqdm

from .data.base import MultimodalData, Task
from .model_base import LossFn, MultimodalModel
from .objective import ENCODER_WEIGHT_DECAY

__all__ = [
    "TrainConfig",
    "FitResult",
    "task_loss",
    "evaluate",
    "correct",
    "optimizer_step",
    "fit",
    "train_steps",
    "chance_rate",
    "learned",
    "not_learned_because",
    "CLASS_BALANCES",
    "training_order",
]

LOG = logging.getLogger(__name__)


def task_loss(task: Task, class_weights: Tensor | None = None) -> LossFn:
    """Binary: logistic loss on one logit; multiclass: cross-entropy (optionally class
    weighted, for imbalanced data such as ENRICO); regression: L1 (MAE)."""
    if task == "binary":
        return lambda out, y: binary_cross_entropy_with_logits(out[:, 0], y.float())
    if task == "multiclass":
        return lambda out, y: cross_entropy(out, y.long(), weight=class_weights)
    if task == "regression":
        return lambda out, y: l1_loss(out[:, 0], y.float())
    raise ValueError(f"unknown task {task!r}: use 'binary', 'multiclass' or 'regression'")


def correct(out: Tensor, y: Tensor, task: Task) -> Tensor:
    """1.0 for each sample predicted right, 0.0 otherwise: binary, a positive logit for label 1;
    multiclass, the arg max; regression, the sign (samples with label 0 left out, App. E.4)."""
    if task == "binary":
        return ((out[:, 0] > 0).float() == y).float()
    if task == "multiclass":
        return (out.argmax(dim=1) == y.long()).float()
    # regression: sign agreement, samples with label 0 excluded (App. E.4)
    keep = y != 0
    return ((out[keep, 0] > 0) == (y[keep] > 0)).float()


def _check_finite(inputs: Sequence[Tensor]) -> None:
    for m, x in enumerate(inputs):
        if x.is_floating_point() and not torch.isfinite(x).all():
            raise ValueError(f"modality {m + 1} contains NaN or inf values; clean the inputs first")


def optimizer_step(
    model: MultimodalModel,
    optimizer: torch.optim.Optimizer,
    inputs: Sequence[Tensor],
    targets: Tensor,
    loss_fn: LossFn,
    grad_clip: float | None,
) -> float:
    """One AdamW step on eq. 3's objective; returns the objective."""
    objective = model.training_loss(inputs, targets, loss_fn)
    if not torch.isfinite(objective):
        raise FloatingPointError(f"training diverged (objective = {objective.item()}); lower the learning rate")
    optimizer.zero_grad(set_to_none=True)
    objective.backward()
    if grad_clip is not None:
        torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    optimizer.step()
    return objective.item()


@torch.no_grad()
def evaluate(model: MultimodalModel, data: MultimodalData, batch_size: int = 1024) -> dict[str, float]:
    """Mean loss (without the penalty) and accuracy of `model` on `data`, in eval mode."""
    was_training = model.training
    model.eval()
    loss_fn, total_loss, right, counted = task_loss(data.task, data.class_weights), 0.0, 0.0, 0
    with_zeros = 0.0  # regression: sign accuracy counting label 0 as positive (MultiBench's variant)
    for start in range(0, len(data), batch_size):
        inputs = [x[start : start + batch_size] for x in data.modalities]
        y = data.labels[start : start + batch_size]
        out = model(inputs)
        total_loss += loss_fn(out, y).item() * y.shape[0]
        hits = correct(out, y, data.task)
        right, counted = right + hits.sum().item(), counted + hits.numel()
        if data.task == "regression":
            with_zeros += ((out[:, 0] >= 0) == (y >= 0)).sum().item()
    model.train(was_training)
    metrics = {"loss": total_loss / len(data), "accuracy": right / counted if counted else math.nan}
    if data.task == "regression":
        metrics["accuracy_with_zeros"] = with_zeros / len(data)
    return metrics


def chance_rate(data: MultimodalData) -> float:
    """The accuracy of always predicting the most common label (for regression: the most
    common sign among the non-zero labels, as the accuracy counts them)."""
    y = data.labels
    if data.task == "regression":
        y = (y[y != 0] > 0).long()
    counts = torch.bincount(y.long().flatten())
    return (counts.max() / counts.sum()).item() if counts.sum() > 0 else math.nan


def not_learned_because(val_accuracy: float, chance: float, n_val: int, threshold: float | None = None) -> str | None:
    """None when a run learned its task, else the rule it failed, with the numbers: validation
    accuracy at least `threshold` when one is set for the data set (the synthetic tasks: 0.75),
    else at least 5 points and 3 standard errors above the chance rate (`chance_rate` of the
    validation split)."""
    if threshold is not None:
        if val_accuracy >= threshold:
            return None
        return (
            f"validation accuracy {val_accuracy:.3f} is below the data set's threshold {threshold:.3f} "
            f"(chance: {chance:.3f})"
        )
    needed = chance + max(0.05, 3 * math.sqrt(chance * (1 - chance) / max(n_val, 1)))
    if val_accuracy >= needed:
        return None
    return (
        f"validation accuracy {val_accuracy:.3f} is not clearly above chance ({chance:.3f}): a run counts as "
        f"learned from {needed:.3f}, 5 points and 3 standard errors above chance"
    )


def learned(val_accuracy: float, chance: float, n_val: int, threshold: float | None = None) -> bool:
    """Whether a run learned its task (`not_learned_because` says which rule it failed)."""
    return not_learned_because(val_accuracy, chance, n_val, threshold) is None


# how a run balances imbalanced classes (`MultimodalData.class_weights`, e.g. ENRICO's topics):
# weights in the loss, a sampler that draws training samples with probability 1 / class count
# (MultiBench's `WeightedRandomSampler`), or neither
CLASS_BALANCES = ("loss", "sampler", "none")


def training_order(train: MultimodalData, class_balance: str, generator: torch.Generator) -> Tensor:
    """The order in which one epoch visits the training samples: a permutation, or under
    "sampler" len(train) draws with replacement, sample i with probability proportional to
    1 / (count of its class) (every class drawn equally often in expectation)."""
    if class_balance != "sampler":
        return torch.randperm(len(train), generator=generator)
    if train.task == "regression":
        raise ValueError("class_balance='sampler' needs class labels; a regression task has none")
    labels = train.labels.long().cpu()
    weights = 1.0 / torch.bincount(labels).float()[labels]  # (n,)
    return torch.multinomial(weights, len(train), replacement=True, generator=generator)


@dataclass
class TrainConfig:
    epochs: int = 20
    batch_size: int = 32
    lr: float = 1e-3
    weight_decay: float = ENCODER_WEIGHT_DECAY  # AdamW, on everything below the fusion layer (eq. 25)
    fusion_weight_decay: float = 0.0  # AdamW on the fusion layer (eq. 3: none; its penalty instead)
    scheduler_gamma: float = 0.9  # exponential LR decay per epoch
    grad_clip: float | None = 1.0  # max gradient norm; None disables clipping
    seed: int = 0
    progress: bool = True
    learned_above: float | None = None  # see `learned`; None: clearly above chance
    patience: int | None = None  # stop after this many epochs without a lower validation loss
    class_balance: str = "loss"  # see CLASS_BALANCES

    def __post_init__(self) -> None:
        if self.class_balance not in CLASS_BALANCES:
            raise ValueError(f"class_balance must be one of {list(CLASS_BALANCES)}, got {self.class_balance!r}")
        if self.patience is not None and self.patience < 1:
            raise ValueError(f"patience must be at least 1 epoch (or None), got {self.patience}")
        if self.weight_decay < 0 or self.fusion_weight_decay < 0:
            raise ValueError(f"weight decays must be >= 0, got {self.weight_decay}, {self.fusion_weight_decay}")
        if self.epochs < 1 or self.batch_size < 2 or self.lr <= 0 or not 0 < self.scheduler_gamma <= 1:
            raise ValueError(f"need epochs >= 1, batch_size >= 2, lr > 0 and 0 < scheduler_gamma <= 1; got {self}")


@dataclass
class FitResult:
    history: list[dict] = field(default_factory=list)  # per epoch: losses, accuracy, relevance
    best_epoch: int = 0
    best_val_loss: float = math.inf
    selected_state: dict | None = None  # the weights of `best_epoch` (the model keeps them)
    # the other protocol: the epoch with the highest validation accuracy ("epoch", "val", "state")
    by_val_accuracy: dict = field(default_factory=dict)


def fit(model: MultimodalModel, train: MultimodalData, val: MultimodalData, config: TrainConfig) -> FitResult:
    """Train for `config.epochs`, or until the validation loss has not fallen for
    `config.patience` epochs; keep the weights of the epoch with the lowest validation loss
    (App. E.4). The epoch with the highest validation accuracy is kept aside in the result.

    Classes are balanced as `config.class_balance` says, with the training split's class weights
    (`train.class_weights`): in the training loss ("loss"), or by sampling ("sampler"). The
    validation loss uses `val.class_weights` either way."""
    _check_finite(train.modalities)
    model.set_training_size(len(train))  # eq. 3's Lambda / n
    generator = torch.Generator().manual_seed(config.seed)
    groups = model.param_groups(config.weight_decay, config.fusion_weight_decay)
    optimizer = torch.optim.AdamW(groups, lr=config.lr)
    scheduler = torch.optim.lr_scheduler.ExponentialLR(optimizer, gamma=config.scheduler_gamma)
    class_weights = train.class_weights if config.class_balance == "loss" else None
    loss_fn, result = task_loss(train.task, class_weights), FitResult()
    batches = math.ceil(len(train) / config.batch_size)
    bar = tqdm(total=config.epochs * batches, desc=f"{train.name}", disable=not config.progress, leave=False)
    for epoch in range(1, config.epochs + 1):
        model.train()
        start = time.perf_counter()
        order = training_order(train, config.class_balance, generator).to(train.labels.device)
        total, steps = 0.0, 0
        for b in range(batches):
            index = order[b * config.batch_size : (b + 1) * config.batch_size]
            if index.numel() < 2:  # batch statistics need two samples
                continue
            inputs = [x[index] for x in train.modalities]
            total += optimizer_step(model, optimizer, inputs, train.labels[index], loss_fn, config.grad_clip)
            steps += 1
            bar.update()
        lr = optimizer.param_groups[0]["lr"]
        scheduler.step()
        train_seconds = time.perf_counter() - start
        val_metrics = evaluate(model, val)
        result.history.append(
            {
                "epoch": epoch,
                "lr": lr,
                "train_objective": total / steps,  # the mean over the epoch's steps
                "val_loss": val_metrics["loss"],
                "val_accuracy": val_metrics["accuracy"],
                "relevance": model.relevance(val),
                "train_seconds": train_seconds,
                "epoch_seconds": time.perf_counter() - start,
            }
        )
        bar.set_postfix(val_loss=f"{val_metrics['loss']:.3f}", val_acc=f"{val_metrics['accuracy']:.3f}")
        if val_metrics["loss"] < result.best_val_loss:
            result.best_epoch, result.best_val_loss = epoch, val_metrics["loss"]
            result.selected_state = copy.deepcopy(model.state_dict())
        if val_metrics["accuracy"] > result.by_val_accuracy.get("val", {}).get("accuracy", -math.inf):
            state = copy.deepcopy(model.state_dict())
            result.by_val_accuracy = {"epoch": epoch, "val": val_metrics, "state": state}
        if config.patience is not None and epoch - result.best_epoch >= config.patience:
            break  # the validation loss has been flat for `patience` epochs
    bar.close()
    if result.selected_state is None:
        raise FloatingPointError("the validation loss was never finite; lower the learning rate")
    model.load_state_dict(result.selected_state)
    model.eval()
    accuracy = result.history[result.best_epoch - 1]["val_accuracy"]
    reason = not_learned_because(accuracy, chance_rate(val), len(val), config.learned_above)
    if reason:
        LOG.warning(
            f"{train.name}: the model did not learn the task ({reason}); its relevance scores describe an "
            "untrained fusion layer, not the data"
        )
    return result


def train_steps(
    model: MultimodalModel,
    inputs: Sequence[Tensor],
    targets: Tensor,
    loss_fn: LossFn,
    *,
    steps: int = 300,
    batch_size: int = 64,
    lr: float = 1e-2,
    weight_decay: float = ENCODER_WEIGHT_DECAY,
    seed: int = 0,
    progress: bool = False,
) -> list[float]:
    """A fixed number of AdamW steps on random mini-batches of the n samples given (no
    validation); returns the objective per step (eq. 3 / n). For small in-memory experiments;
    `fit` is the full trainer."""
    n = targets.shape[0]
    if any(x.shape[0] != n for x in inputs):
        raise ValueError(f"every modality needs {n} samples, got {[x.shape[0] for x in inputs]}")
    if steps < 1 or batch_size < 2:
        raise ValueError(f"need steps >= 1 and batch_size >= 2, got {steps}, {batch_size}")
    _check_finite(inputs)
    model.set_training_size(n)  # eq. 3's Lambda / n
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.AdamW(model.param_groups(weight_decay), lr=lr)
    model.train()
    history = []
    for _ in tqdm(range(steps), desc="training", disable=not progress):
        batch = torch.randperm(n, generator=generator)[: min(batch_size, n)]
        history.append(optimizer_step(model, optimizer, [x[batch] for x in inputs], targets[batch], loss_fn, None))
    model.eval()
    return history
