"""Command line: python -m intense {train,sweep,audit} ... (python -m intense train --help).

Every run flag is a `RunConfig` field (name, type and help come from there). A flag that is
not given takes the data set's setting (`DATASET_SETTINGS`), else the generic default, so the
flags' defaults are the settings the book's results use.
"""

from __future__ import annotations

import argparse
import logging
import re
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

from ..threads import LONE_THREADS, use_threads
from .config import CHOSEN_SETTINGS, DATASET_SETTINGS, MODELS, RunConfig, flag_fields, generic_default
from .experiment import run
from .sweep import BACKENDS, sweep

__all__ = ["main", "parse_seeds"]


def _dataset_defaults() -> str:
    lines = ["settings that differ from the generic defaults, per data set:"]
    for dataset, settings in DATASET_SETTINGS.items():
        text = " ".join(
            f"--{k.replace('_', '-')} {' '.join(map(str, v)) if isinstance(v, list) else v}"
            for k, v in settings.items()
        )
        lines.append(f"  {dataset:<17} {text}")
    lines.append("settings chosen per method on validation data (where the flag is not given):")
    for dataset, methods in CHOSEN_SETTINGS.items():
        for model, chosen in methods.items():
            flags = " ".join(f"--{k.replace('_', '-')} {v:g}" for k, v in chosen.items())
            lines.append(f"  {dataset:<17} {model:<11} {flags}")
    return "\n".join(lines)


def _count(low: int, meaning: str):
    """An argparse type: a whole number >= `low`; the error names the flag (argparse adds it)."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = low - 1
        if value < low:
            raise argparse.ArgumentTypeError(f"must be a whole number >= {low} ({meaning}), got {text!r}")
        return value

    return parse


def _at_least_zero(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return value


THREADS_HELP = (
    f"torch threads of each run (default: $INTENSE_THREADS, else {LONE_THREADS} for a lone run and cores / "
    "workers for a sweep's workers; see intense/threads.py)"
)


def _add_run_flags(parser: argparse.ArgumentParser, sweep: bool = False) -> None:
    for f in flag_fields():
        kwargs = dict(f.metadata["flag"])
        default = generic_default(f.name)
        text = f.metadata["help"]
        if sweep and f.name in ("seed", "model"):  # a sweep takes --seeds and --models
            continue
        if sweep and f.name == "dataset":  # a sweep crosses data sets x models x seeds
            kwargs["nargs"] = "+"
            text = "data sets"
        own = any(f.name in settings for settings in DATASET_SETTINGS.values())
        parser.add_argument(
            "--" + f.name.replace("_", "-"), default=argparse.SUPPRESS, help=_help(text, default, own), **kwargs
        )
    parser.add_argument("--mlflow", action="store_true", help="also log to MLflow (needs: pip install mlflow)")
    parser.add_argument("--no-progress", action="store_true", help="hide the progress bar")


def _help(text: str, default: Any, own: bool) -> str:
    """A flag's help with its default said once: the help's own words where it states it
    ("default: ..."), else "(default: X)"; "or the data set's" where data sets set their own."""
    theirs = " or the data set's, see below" if own else ""
    if "default:" not in text:
        return f"{text} (default: {default}{theirs})"
    if theirs and re.search(r"\(default: [^)]*\)", text):
        return re.sub(r"\(default: ([^)]*)\)", lambda m: f"(default: {m.group(1)};{theirs})", text)
    return text + (f" ({theirs.strip()})" if theirs else "")


def _config(args: argparse.Namespace, dataset: str, **changes: Any) -> RunConfig:
    """The data set's settings, with the flags that were given, then `changes`."""
    given = {f.name: getattr(args, f.name) for f in flag_fields() if f.name in args and f.name != "dataset"}
    values = {**given, "progress": not args.no_progress, "mlflow": args.mlflow, **changes}
    return RunConfig.for_dataset(dataset, **values)


def _audit(args: argparse.Namespace) -> int:
    from ..audit import audit  # the audit needs nothing else of the CLI's commands
    from ..train import chance_rate, evaluate, not_learned_because
    from .checkpoint import load_checkpoint
    from .record import write_json

    model, config, splits = load_checkpoint(args.checkpoint, args.data_root)
    val = splits["val"]
    reason = not_learned_because(evaluate(model, val)["accuracy"], chance_rate(val), len(val), config.learned_above)
    if reason:
        LOG.warning(
            f"the audited model did not learn its task ({reason}): its relevance scores, and what this audit "
            "measures, describe an untrained model, not the data"
        )
    result = audit(model, splits["train"], splits[args.split], args.repeats, args.partners)
    print(format_audit(result, f"{config.model} on {config.dataset} ({args.split}, {result['samples']} samples)"))
    if args.output:
        settings = {k: str(v) if isinstance(v, Path) else v for k, v in vars(args).items() if k != "command"}
        write_json(args.output, {"config": settings, **result})
        print(f"wrote {args.output}")
    return 0


def format_audit(result: dict[str, Any], title: str) -> str:
    """An audit (intense.audit.audit) as aligned text."""
    lines = [title, f"{'block':<10}{'relevance':>11}{'Moebius':>10}{'ablation':>10}"]
    for name, b in result["blocks"].items():
        rel = f"{b['relevance']:.3f}" if "relevance" in b else "-"
        drop = f"{b['loss_increase']:+.3f}" if "loss_increase" in b else "-"
        lines.append(f"{name:<10}{rel:>11}{b['moebius']:>+10.3f}{drop:>10}")
    lines.append(f"{'modality':<10}{'Shapley':>11}{'permute':>10}")
    for name, m in result["modalities"].items():
        lines.append(f"{name:<10}{m['shapley']:>+11.3f}{m['permutation']:>+10.3f}")
    e = result["emap"]
    lines.append(f"accuracy {e['model_accuracy']:.3f}; its additive projection (EMAP) {e['emap_accuracy']:.3f}")
    if result["agreement"]:
        lines.append(
            "agreement with relevance: "
            + ", ".join(f"{k} {v:.2f}" if isinstance(v, float) else f"{k} {v}" for k, v in result["agreement"].items())
        )
    lines.append(
        "Moebius: accuracy the block's modalities add only together (coalition values, absent modalities "
        "taken from other samples); ablation: validation loss added when the block is set to its training mean"
    )
    return "\n".join(lines)


def parse_seeds(text: list[str]) -> list[int]:
    """["0-2", "7"] -> [0, 1, 2, 7]."""
    seeds = []
    for item in text:
        low, dash, high = item.partition("-")
        if dash and low.isdigit() and not high:
            raise ValueError(f"--seeds {item}: the range has no end; write both ends, e.g. {low}-{int(low) + 9}")
        if not low.isdigit() or (high and not high.isdigit()):
            raise ValueError(f"--seeds: cannot read seeds {item!r}; write e.g. 0-9 or 3")
        if high and int(high) < int(low):
            raise ValueError(f"--seeds {item}: the range runs backwards; write {high}-{low}")
        seeds += list(range(int(low), int(high) + 1)) if high else [int(low)]
    return seeds


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m intense", description="InTense: interpretable tensor fusion")
    commands = parser.add_subparsers(dest="command", required=True)
    formatter = argparse.RawDescriptionHelpFormatter

    train = commands.add_parser(
        "train",
        help="train and evaluate one model, write RUN.json",
        epilog=_dataset_defaults(),
        formatter_class=formatter,
    )
    train.add_argument("--output", type=Path, required=True, help="where to write the run record (JSON)")
    train.add_argument("--save-model", type=Path, help="also write the trained model (a checkpoint for `audit`)")
    train.add_argument("--threads", type=_count(1, "torch threads"), help=THREADS_HELP)
    _add_run_flags(train)

    check = commands.add_parser(
        "audit",
        help="do a trained model's relevance scores tell the truth? (Shapley, Moebius, ablation, EMAP)",
        description="Model-agnostic measures of each modality's and interaction's contribution beside "
        "eq. 4's relevance (see intense/audit.py), on a checkpoint written by train --save-model.",
    )
    check.add_argument("checkpoint", type=Path, help="a checkpoint written by train --save-model")
    check.add_argument("--split", choices=("val", "test"), default="val", help="split to audit on (default: val)")
    check.add_argument("--repeats", type=int, default=5, help="permutations per coalition value (default: 5)")
    check.add_argument("--partners", type=int, default=16, help="EMAP: partner samples (default: 16)")
    check.add_argument("--output", type=Path, help="also write the audit as JSON")
    check.add_argument("--data-root", help="folder of the real data sets, if not where the checkpoint was made")
    check.add_argument("--threads", type=_count(1, "torch threads"), help=THREADS_HELP)

    many = commands.add_parser(
        "sweep",
        help="runs for every data set x model x seed; skips finished runs (resumable)",
        epilog=_dataset_defaults(),
        formatter_class=formatter,
    )
    many.add_argument("--models", nargs="+", choices=MODELS, default=["intense"], help="models to train")
    many.add_argument("--seeds", nargs="+", default=["0-9"], help="seeds, e.g. 0-9 or 0 3 5 (default: 0-9)")
    many.add_argument("--modalities", type=int, nargs="+", help="unimodal models: one per listed modality")
    many.add_argument("--out-dir", type=Path, required=True, help="folder of run records")
    many.add_argument(
        "--workers",
        type=_count(0, "runs at once; 0: one per core"),
        default=0,
        help="runs at once (default 0: one per core)",
    )
    many.add_argument("--threads", type=_count(1, "torch threads"), help=THREADS_HELP)
    many.add_argument(
        "--backend",
        choices=BACKENDS,
        default="local",
        help="local: processes on this machine; ray: tasks on a Ray cluster (default: local)",
    )
    many.add_argument("--address", help="ray: the cluster's address, e.g. auto (default: start a local Ray)")
    many.add_argument(
        "--gpus-per-run", type=_at_least_zero, default=0.0, help="ray: GPUs each run asks for (default: 0)"
    )
    many.add_argument(
        "--retries",
        type=_count(0, "retries of a run whose worker died"),
        default=2,
        help="how often a run whose worker process died is retried (default: 2)",
    )
    _add_run_flags(many, sweep=True)
    return parser


class _TqdmHandler(logging.Handler):
    """The library's warnings as one line each, above any progress bar (no source lines)."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(f"{record.levelname.lower()}: {record.getMessage()}", file=sys.stderr)


LOG = logging.getLogger("intense")


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    default_dataset = generic_default("dataset")
    if not any(isinstance(h, _TqdmHandler) for h in LOG.handlers):
        LOG.addHandler(_TqdmHandler())
    try:
        if args.command != "sweep":  # a sweep gives its runs their threads
            use_threads(args.threads)
        if args.command == "audit":
            return _audit(args)
        if args.command == "train":
            record = run(_config(args, getattr(args, "dataset", default_dataset)), args.output, args.save_model)
            print(f"test accuracy {record['test']['accuracy']:.4f}; relevance {record['relevance']}")
            print(f"wrote {args.output}")
        else:
            configs = []
            for dataset in getattr(args, "dataset", [default_dataset]):
                for model in args.models:
                    modalities = (args.modalities or []) if model == "unimodal" else [getattr(args, "modality", None)]
                    if model == "unimodal" and not modalities:
                        parser.error("unimodal models in a sweep need --modalities")
                    for seed in parse_seeds(args.seeds):
                        for modality in modalities:
                            configs.append(_config(args, dataset, model=model, seed=seed, modality=modality))
            report = sweep(
                configs,
                args.out_dir,
                workers=args.workers,
                threads=args.threads,
                backend=args.backend,
                address=args.address,
                gpus_per_run=args.gpus_per_run,
                retries=args.retries,
                progress=not args.no_progress,
            )
            print(
                f"{len(report.done)} runs done, {len(report.skipped)} finished earlier, "
                f"in {report.seconds:.0f} s; records in {args.out_dir}"
            )
    except (ValueError, OSError, RuntimeError, FloatingPointError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    return 0
