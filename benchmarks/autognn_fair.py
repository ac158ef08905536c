"""The Auto-GNN fair protocol as one command that resumes: searches, selection, retraining, baselines.

    OMP_NUM_THREADS=1 nohup python benchmarks/autognn_fair.py --data-root DIR >> runs/autognn-fair.log 2>&1 &

The protocol (fixed below, before any run): on Cora and CiteSeer, 3 independent search seeds for
each of ``autognn`` and ``gae-bo`` (latent BO over the same space, with an encoder trained on its
architectures alone); each search from scratch for at most one hour of search time with two workers,
then selection on validation with fresh seeds, then the final retraining on seeds disjoint from every
search and selection seed. GAT 8x8 and a GCN-shaped 1x16 architecture are retrained on the final seeds
under the same trainer and protocol, and so are the visited architectures with the best search-time
test accuracy (the oracle: a diagnostic, never a choice). Every training uses GAT's protocol (at most
1000 epochs, patience 100, GAT's epoch selection, value dropout 0.6) on the space restricted to at most
8 heads and 8-128 units, the setting of the earlier searches (16 heads are too slow on a CPU).

Steps, in this order, each skipped when its output exists, so the same command continues after a kill
(a killed search resumes from its log; its hour counts across resumes):

1. baselines: ``qgnas train gnn`` of GAT 8x8 and GCN 1x16 per dataset;
2. the encoder of gae-bo: ``qgnas encode train --space autognn`` (architectures only, no accuracy);
3. per search seed, dataset and searcher: ``qgnas search gnn``, ``qgnas select gnn``, ``qgnas train gnn``;
4. the oracle of the visited architectures per dataset: ``qgnas train gnn`` of the top by search test;
5. the table: ``python benchmarks/autognn_fair_table.py RUN``.

Every step calls the library function behind the ``qgnas`` command it names (one process, so a step
does not pay for importing PyG again) and writes that command line, then the command's output, to
``RESULTS/<step>.txt``. Run files go under ``--out`` (runs/autognn-fair); ``plan.json`` there fixes the
settings, seeds and results directory at the first start, and a later start with other settings is
refused. The options below the protocol's (``--searches``, ``--budget``, ``--epochs``, ...) shrink it for
a smoke test; the default is the protocol.
"""

from __future__ import annotations

import argparse
import datetime
import json
import shlex
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CONFIGS = HERE.parent / "experiments" / "configs" / "gnn"

DATASETS = ("cora", "citeseer")
SEARCHERS = ("autognn", "gae-bo")
# Search seeds: each is the search's root seed and the training seed of every architecture it trains
# (one training each); select_gnn then trains with the next SELECT_SEEDS seeds, and train_gnn with seeds
# 0..FINAL_SEEDS-1. Starting at 10 and 10 apart keeps the three sets apart (checked by seed_plan).
SEARCH_SEEDS = (10, 20, 30)
SEARCH_SECONDS = 3600.0
SEARCH_BUDGET = 10_000  # architectures; the hour ends every search long before
WORKERS = 2
SELECT_TOP = 5
SELECT_SEEDS = 3
FINAL_SEEDS = 10
ORACLE_TOP = 3
# GAT's protocol. Patience is the commands' own 100 (search, select and train gnn take no option for it).
PROTOCOL = {"epochs": 1000, "patience": 100, "selection": "gat", "value_dropout": 0.6}
SPACE = {"heads": (1, 2, 4, 6, 8), "hidden": (8, 16, 32, 64, 128)}
ENCODER = {"samples": 50_000, "epochs": 8, "beta": 0.3, "seed": 0}
BASELINES = ("gat_8x8", "gcn_1x16")
GOAL_TEST_MARGIN = 0.3  # a searcher's mean test may be this far below the better baseline's


def seed_plan(search_seeds: list[int], select_seeds: int, final_seeds: int) -> dict[str, Any]:
    """The seeds of every training, and the check that the final seeds are disjoint from every search
    and selection seed (and selection seeds from search seeds). ValueError names any overlap.

    ``select_gnn`` draws a search's fresh seeds right after its own (``seed + 1 ..``, one training per
    architecture), and ``train_gnn`` retrains on ``0 .. final_seeds - 1``."""
    if len(set(search_seeds)) != len(search_seeds):
        raise ValueError(f"search seeds repeat: {search_seeds}")
    selection = {s: list(range(s + 1, s + 1 + select_seeds)) for s in search_seeds}
    final = list(range(final_seeds))
    used_in_selection = {x for seeds in selection.values() for x in seeds}
    overlaps = {
        "final and search": set(final) & set(search_seeds),
        "final and selection": set(final) & used_in_selection,
        "search and selection": set(search_seeds) & used_in_selection,
    }
    bad = {name: sorted(seeds) for name, seeds in overlaps.items() if seeds}
    if bad:
        raise ValueError(f"the seed sets must be disjoint; shared seeds: {bad}")
    return {
        "search": list(search_seeds),
        "selection": {str(s): v for s, v in selection.items()},
        "final": final,
    }


def make_plan(args: argparse.Namespace) -> dict[str, Any]:
    """Everything that fixes the run: compared with ``plan.json`` on every later start."""
    seeds = seed_plan(list(SEARCH_SEEDS[: args.searches]), args.select_seeds, args.final_seeds)
    return {
        "datasets": args.datasets,
        "searchers": list(SEARCHERS),
        "seeds": seeds,
        "search_seconds": args.seconds,
        "search_budget": args.budget,
        "workers": args.workers,
        "select_top": args.select_top,
        "oracle_top": args.oracle_top,
        "protocol": dict(PROTOCOL, epochs=args.epochs),
        "space": {k: list(v) for k, v in SPACE.items()},
        "encoder": dict(ENCODER, samples=args.encoder_samples, epochs=args.encoder_epochs),
        "baselines": list(BASELINES),
        "goal_test_margin": GOAL_TEST_MARGIN,
    }


def fixed_plan(out: Path, plan: dict[str, Any], results: Path | None) -> dict[str, Any]:
    """The plan of the run in ``out``: written at the first start (with the results directory, dated
    then), else read and required to equal ``plan``, so that no resume mixes settings."""
    path = out / "plan.json"
    if path.exists():
        stored = json.loads(path.read_text())
        kept = {k: v for k, v in stored.items() if k != "results"}
        if kept != plan:
            changed = sorted(k for k in set(kept) | set(plan) if kept.get(k) != plan.get(k))
            raise SystemExit(
                f"{path} fixes other settings ({', '.join(changed)}); rerun with them or use another --out"
            )
        if results is not None and Path(stored["results"]) != results:
            raise SystemExit(f"{path} writes results to {stored['results']}, not {results}")
        return stored
    date = datetime.date.today().isoformat()
    stored = dict(plan, results=str(results or HERE / "results" / f"cpu-{date}-autognn-fair"))
    out.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(stored, indent=2) + "\n")
    return stored


class Protocol:
    """Runs the steps of one plan; each writes its command line and output to the results directory."""

    def __init__(self, out: Path, plan: dict[str, Any], data_root: str | None):
        self.out = out
        self.plan = plan
        self.results = Path(plan["results"])
        self.data_root = data_root
        self.results.mkdir(parents=True, exist_ok=True)

    # --- bookkeeping --------------------------------------------------------------------------------
    def command(self, *argv: Any, data: bool = True) -> list[str]:
        """The ``qgnas`` command line of a step (with ``--data-root`` when given and the step reads data)."""
        root = ["--data-root", str(self.data_root)] if data and self.data_root is not None else []
        return ["qgnas", *map(str, argv), *root]

    def step(self, name: str, done: Path, argv: list[str], run) -> None:
        """Run one step unless ``done`` exists; save ``$ argv`` and the text ``run()`` returns."""
        if done.exists():
            print(f"[{_now()}] {name}: done ({done})", flush=True)
            return
        print(f"[{_now()}] {name}: {shlex.join(argv)}", flush=True)
        start = time.perf_counter()
        text = run()
        (self.results / f"{name}.txt").write_text(f"$ {shlex.join(argv)}\n\n{text.rstrip()}\n")
        print(text.rstrip(), flush=True)
        print(f"[{_now()}] {name}: {time.perf_counter() - start:.0f} s", flush=True)

    def protocol_flags(self) -> list[Any]:
        p = self.plan["protocol"]
        space = self.plan["space"]
        return [
            *("--epochs", p["epochs"], "--selection", p["selection"], "--value-dropout", p["value_dropout"]),
            *("--heads", _csv(space["heads"]), "--hidden", _csv(space["hidden"])),
        ]

    # --- steps ----------------------------------------------------------------------------------------
    def retrain(self, name: str, arch_file: Path) -> None:
        """``qgnas train gnn`` on the final seeds; the report goes beside the file as ``.final.json``."""
        from qgnas.graph.pipeline import format_train_report, train_gnn

        final = arch_file.with_suffix(".final.json")
        seeds, workers = len(self.plan["seeds"]["final"]), self.plan["workers"]
        argv = self.command("train", "gnn", "--arch", arch_file, "--seeds", seeds, "--workers", workers)

        def run() -> str:
            report = train_gnn(arch_file, seeds=seeds, data_root=self.data_root, workers=workers)
            _write_json(final, report)
            return format_train_report(report)

        self.step(name, final, argv, run)

    def baseline(self, dataset: str, name: str) -> None:
        """A reference architecture with the dataset and the protocol recorded, then retrained."""
        arch_file = self.out / dataset / "baselines" / f"{name}.json"
        if not arch_file.exists():
            config = json.loads((CONFIGS / f"{name}.json").read_text())
            record = {"source": config["source"], "dataset": dataset, "arch": config["arch"]}
            _write_json(arch_file, dict(record, protocol=self.plan["protocol"]))
        self.retrain(f"{dataset}_{name}", arch_file)

    def encoder(self) -> Path:
        from qgnas.encoders import train_encoder
        from qgnas.graph.autognn_space import AutoGNNSpace

        directory = self.out / "encoder"
        e, space = self.plan["encoder"], self.plan["space"]
        argv = self.command(
            *("encode", "train", "--space", "autognn"),
            *("--space-heads", _csv(space["heads"]), "--space-hidden", _csv(space["hidden"])),
            *("--samples", e["samples"], "--epochs", e["epochs"], "--beta", e["beta"], "--seed", e["seed"]),
            *("--out", directory, "--quiet"),
            data=False,
        )

        def run() -> str:
            options = {k: e[k] for k in ("samples", "epochs", "beta", "seed")}
            encoder = train_encoder(
                AutoGNNSpace(2, self.space_choices()), out=directory, progress=False, **options
            )
            return json.dumps(encoder.metrics, indent=2)

        self.step("encoder", directory / "config.json", argv, run)
        return directory

    def space_choices(self) -> dict[str, tuple[int, ...]]:
        return {k: tuple(v) for k, v in self.plan["space"].items()}

    def search(self, dataset: str, searcher: str, seed: int, encoder: Path) -> Path:
        from qgnas.graph.pipeline import search_gnn, search_log_name

        run_dir = self.out / dataset / searcher / f"seed{seed}"
        resume = (run_dir / f"{search_log_name(searcher, seed)}.jsonl").exists()
        latent = searcher == "gae-bo"
        p = self.plan
        argv = self.command(
            *("search", "gnn", "--dataset", dataset, "--searcher", searcher, "--seed", seed),
            *("--budget", p["search_budget"], "--seconds", p["search_seconds"], "--workers", p["workers"]),
            *self.protocol_flags(),
            *(("--encoder", encoder) if latent else ()),
            *("--out", run_dir),
            *(("--resume",) if resume else ()),
        )

        def run() -> str:
            report = search_gnn(
                *(dataset, searcher, p["search_budget"], seed, run_dir, resume, self.data_root),
                epochs=p["protocol"]["epochs"],
                patience=p["protocol"]["patience"],
                selection=p["protocol"]["selection"],
                value_dropout=p["protocol"]["value_dropout"],
                choices=self.space_choices(),
                seconds=p["search_seconds"],
                workers=p["workers"],
                progress=False,
                encoder=encoder if latent else None,
            )
            return json.dumps(report, indent=2)

        self.step(f"{dataset}_{searcher}_seed{seed}_search", run_dir / "best.json", argv, run)
        return run_dir

    def select(self, dataset: str, searcher: str, seed: int, run_dir: Path) -> None:
        from qgnas.graph.pipeline import format_selection, select_gnn

        top, seeds, workers = (
            self.plan["select_top"],
            len(self.plan["seeds"]["selection"][str(seed)]),
            self.plan["workers"],
        )
        argv = self.command("select", "gnn", run_dir, "--top", top, "--seeds", seeds, "--workers", workers)

        def run() -> str:
            report = select_gnn(run_dir, top, seeds, self.data_root, progress=False, workers=workers)
            check_selection_seeds(run_dir, self.plan["seeds"]["selection"][str(seed)])
            return format_selection(report)

        self.step(f"{dataset}_{searcher}_seed{seed}_select", run_dir / "selected.json", argv, run)

    def oracle(self, dataset: str) -> None:
        """The visited architectures with the best search-time test accuracy, retrained: how high the
        searches' architectures go when chosen on test (a diagnostic: no search may choose so)."""
        oracle_dir = self.out / dataset / "oracle"
        listing = oracle_dir / "candidates.json"
        if not listing.exists():  # ranked once, when every search has ended, so a rerun keeps the list
            logs = {
                f"{searcher}/seed{seed}": self.out
                / dataset
                / searcher
                / f"seed{seed}"
                / f"{searcher}_seed{seed}.jsonl"
                for searcher in self.plan["searchers"]
                for seed in self.plan["seeds"]["search"]
            }
            _write_json(listing, visited_ranking(logs)[: self.plan["oracle_top"]])
        for rank, entry in enumerate(json.loads(listing.read_text()), 1):
            arch_file = oracle_dir / f"rank{rank}.json"
            if not arch_file.exists():
                _write_json(arch_file, dict(entry, dataset=dataset, protocol=self.plan["protocol"]))
            self.retrain(f"{dataset}_oracle_rank{rank}", arch_file)

    def table(self) -> None:
        script = HERE / "autognn_fair_table.py"
        argv = ["python", str(script.relative_to(HERE.parent)), str(self.out)]
        done = subprocess.run([sys.executable, str(script), str(self.out)], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{shlex.join(argv)} failed:\n{done.stderr}")
        (self.results / "table.md").write_text(f"$ {shlex.join(argv)}\n\n{done.stdout}")
        print(done.stdout, flush=True)


def check_selection_seeds(run_dir: Path, planned: list[int]) -> None:
    """The seeds ``select_gnn`` trained with must be the planned ones (the disjointness rests on them)."""
    rows = [
        json.loads(line) for line in (run_dir / "selection.jsonl").read_text().splitlines() if line.strip()
    ]
    used = sorted({int(row["seed"]) for row in rows})
    if used != sorted(planned):
        raise RuntimeError(f"{run_dir}: selection trained with seeds {used}, the plan says {planned}")


def visited_ranking(logs: dict[str, Path]) -> list[dict[str, Any]]:
    """Every architecture the searches trained successfully, best search-time test accuracy first (ties:
    validation, then key), with its scores averaged over the searches that trained it."""
    from qgnas.core import read_log

    seen: dict[str, dict[str, Any]] = {}
    for name, log in logs.items():
        for record in read_log(log):
            if not record.result.ok:
                continue
            entry = seen.setdefault(
                record.key, {"key": record.key, "arch": record.arch, "scores": [], "visited_by": []}
            )
            entry["scores"].append((record.result.objective, record.result.metrics["test"]))
            entry["visited_by"].append(name)
    ranked = []
    for entry in seen.values():
        scores = entry.pop("scores")
        entry["search_valid"] = sum(v for v, _ in scores) / len(scores)
        entry["search_test"] = sum(t for _, t in scores) / len(scores)
        ranked.append(entry)
    return sorted(ranked, key=lambda e: (-e["search_test"], -e["search_valid"], e["key"]))


def run_protocol(out: Path, plan: dict[str, Any], data_root: str | None) -> None:
    from qgnas.core.threads import use_default_threads

    use_default_threads()  # one torch thread in this process too (select and train may run here)
    run = Protocol(out, plan, data_root)
    for dataset in plan["datasets"]:
        for name in plan["baselines"]:
            run.baseline(dataset, name)
    encoder = run.encoder()
    for seed in plan["seeds"]["search"]:  # seeds outermost: an interrupted run has whole pipelines
        for dataset in plan["datasets"]:
            for searcher in plan["searchers"]:
                run_dir = run.search(dataset, searcher, seed, encoder)
                run.select(dataset, searcher, seed, run_dir)
                run.retrain(f"{dataset}_{searcher}_seed{seed}_final", run_dir / "selected.json")
    for dataset in plan["datasets"]:
        run.oracle(dataset)
    run.table()


def _csv(values: list[int]) -> str:
    return ",".join(map(str, values))


def _now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d %H:%M:%S")


def _write_json(path: Path, obj: Any) -> None:
    from qgnas.core.io import atomic_write_json

    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_json(path, obj)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter
    )
    parser.add_argument("--out", type=Path, default=Path("runs/autognn-fair"), help="run directory")
    parser.add_argument(
        "--results",
        type=Path,
        default=None,
        help="step outputs (default: benchmarks/results/cpu-DATE-autognn-fair)",
    )
    parser.add_argument("--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA)")
    shrink = parser.add_argument_group("smaller than the protocol (smoke tests only)")
    shrink.add_argument("--datasets", nargs="+", default=list(DATASETS), choices=DATASETS)
    shrink.add_argument("--searches", type=int, default=len(SEARCH_SEEDS), help="search seeds per searcher")
    shrink.add_argument("--seconds", type=float, default=SEARCH_SECONDS, help="search time per search")
    shrink.add_argument("--budget", type=int, default=SEARCH_BUDGET, help="architectures per search")
    shrink.add_argument("--epochs", type=int, default=PROTOCOL["epochs"], help="most epochs per training")
    shrink.add_argument("--workers", type=int, default=WORKERS)
    shrink.add_argument("--select-top", type=int, default=SELECT_TOP)
    shrink.add_argument("--select-seeds", type=int, default=SELECT_SEEDS)
    shrink.add_argument("--final-seeds", type=int, default=FINAL_SEEDS)
    shrink.add_argument("--oracle-top", type=int, default=ORACLE_TOP)
    shrink.add_argument("--encoder-samples", type=int, default=ENCODER["samples"])
    shrink.add_argument("--encoder-epochs", type=int, default=ENCODER["epochs"])
    args = parser.parse_args(argv)
    if not 1 <= args.searches <= len(SEARCH_SEEDS):
        parser.error(f"--searches must be between 1 and {len(SEARCH_SEEDS)}, got {args.searches}")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    plan = fixed_plan(args.out, make_plan(args), args.results)
    run_protocol(args.out, plan, args.data_root)


if __name__ == "__main__":  # the guard also keeps the spawned worker processes from running it
    main()
