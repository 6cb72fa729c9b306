"""What MultiBench's ENRICO test loader would print: our models' accuracy on the training split.

MultiBench's `datasets/enrico/get_data.py` (commit 52a293d; earlier versions passed
mode="test") builds its test loaders as `EnricoDataset(data_dir, img_noise=True,
noise_level=i/10)`, without `mode`, whose default is "train": its "test" accuracy at noise
level 0 is training accuracy. This script retrains the book's ENRICO runs (same settings and
seeds) and evaluates each on our training split too. Each record says whether the retrained
model's test accuracy equals the committed record's (`same_as_committed`), i.e. whether it is
the model behind the book's tables; a run where it is not is reported at the end.

    python experiments/enrico_train_split.py --seeds 3     # writes results/enrico_train_split.json
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from tqdm import tqdm

from intense.repro.store import RESULTS_DIR, save_results
from intense.repro.suites import METHODS, method_configs
from intense.runs import run, run_file_name
from intense.runs.checkpoint import load_checkpoint
from intense.threads import use_threads
from intense.train import evaluate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--output", type=Path, default=RESULTS_DIR / "enrico_train_split.json")
    args = parser.parse_args()
    records = []
    with tempfile.TemporaryDirectory() as tmp:
        for config in tqdm(method_configs("enrico", METHODS, args.seeds), desc="ENRICO, train split"):
            checkpoint = Path(tmp) / "model.pt"
            committed = RESULTS_DIR / "enrico" / run_file_name(config)
            book = json.loads(committed.read_text()) if committed.is_file() else None
            # the committed run's thread count: floating-point sums depend on it
            use_threads(book["config"]["environment"]["torch_threads"] if book else 1)
            record = run(config, save_model=checkpoint)
            model, _, splits = load_checkpoint(checkpoint)
            same = book["test"]["accuracy"] if book else None
            records.append(
                {
                    "model": config.model,
                    "seed": config.seed,
                    "train_accuracy": evaluate(model, splits["train"])["accuracy"],
                    "val_accuracy": record["val"]["accuracy"],
                    "test_accuracy": record["test"]["accuracy"],
                    "committed_test_accuracy": same,  # the book's record of the same run
                    "same_as_committed": same == record["test"]["accuracy"],
                }
            )
    differ = [f"{r['model']} seed {r['seed']}" for r in records if not r["same_as_committed"]]
    if differ:
        print(f"not the book's models (no committed record, or another test accuracy): {', '.join(differ)}")
    save_results(args.output, {"dataset": "enrico", "seeds": args.seeds, "methods": list(METHODS)}, records)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
