"""What ``--workers`` buys on this machine: the same seeded trainings with one process and one or more
torch threads, and with several worker processes of one thread each.

Each row runs ``qgnas train gnn --arch ARCH --seeds N`` in a fresh process with its own
``OMP_NUM_THREADS`` (the torch thread count is fixed at import) and reports the wall time, the speed-up
over one process on one thread measured in the same run, and whether the test accuracies equal that
row's (seeded trainings on one thread each must give the same numbers in any process).

    python benchmarks/workers.py --data-root DIR [--arch experiments/configs/gnn/gat_8x8.json]
        [--dataset cora] [--seeds 4] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

TRAIN = """
import json, sys
from qgnas.graph.pipeline import train_gnn
arch, dataset, seeds, root, workers, out = sys.argv[1:]
r = train_gnn(arch, dataset, int(seeds), root, workers=int(workers))
json.dump({"test": r["test"], "seconds": r["seconds"]}, open(out, "w"))
"""


def run(arch: str, dataset: str, seeds: int, root: str, workers: int, threads: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.json"
        env = dict(os.environ, OMP_NUM_THREADS=str(threads))
        start = time.perf_counter()
        args = [sys.executable, "-c", TRAIN, arch, dataset, str(seeds), root, str(workers), str(out)]
        subprocess.run(args, env=env, check=True, cwd=ROOT)
        wall = time.perf_counter() - start
        return {**json.loads(out.read_text()), "wall": wall}


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-root", required=True)
    parser.add_argument("--arch", default=str(ROOT / "experiments/configs/gnn/gat_8x8.json"))
    parser.add_argument("--dataset", default="cora")
    parser.add_argument("--seeds", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()

    configs = [(1, 1), (1, args.workers), (args.workers, 1)]  # (processes, threads each)
    rows = [(p, t, run(args.arch, args.dataset, args.seeds, args.data_root, p, t)) for p, t in configs]
    base = rows[0][2]
    print(f"{args.dataset}, {Path(args.arch).name}, {args.seeds} seeds, {os.cpu_count()} cores\n")
    print(
        "| processes | torch threads each | wall s (with start-up) | training s | speed-up (wall) | same test accuracies |"
    )
    print("|---:|---:|---:|---:|---:|---|")
    for p, t, r in rows:
        same = "yes" if r["test"] == base["test"] else f"no: {r['test']} vs {base['test']}"
        print(
            f"| {p} | {t} | {r['wall']:.1f} | {r['seconds']:.1f} | {base['wall'] / r['wall']:.2f}x | {same} |"
        )


if __name__ == "__main__":
    main()
