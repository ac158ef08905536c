"""The ``qgnas`` command line.

    qgnas bench nas-bench-graph --dataset cora --searchers random,evolution,reinforce,bo \\
        --budget 100 --seeds 5 --out DIR [--resume] [--jobs N]
    qgnas bench quantum --molecule H2 --qubits 2 [--noise none|depolarizing|fake_mumbai|FILE] \\
        [--max-gates 20] [--optimizer cobyla] --searchers random,evolution,bo,reinforce --budget 200 \\
        --seeds 3 --out DIR [--crlqas-runs RUN_DIR ...] [--resume] [--jobs N]
    qgnas search gnn --dataset cora --searcher autognn|graphnas|random --budget N --seed S --out DIR [--resume]
    qgnas select gnn DIR [--top 5] [--seeds 3]      # re-train the top 5 with 3 fresh seeds -> DIR/selected.json
    qgnas select gnn DIR1 DIR2 --out OUT            # the top 5 of each of several searches -> OUT/selected.json
    qgnas tune gnn DIR [--trials 20] [--seeds 2]    # lr, weight decay, dropout on validation -> DIR/tuned.json
    qgnas train gnn --arch DIR/best.json --dataset cora --seeds 10   # or DIR/selected.json, DIR/tuned.json
    qgnas bench quantum --problem ghz|maxcut --qubits 4 --searchers gae-bo,random --encoder ENC --out DIR
    qgnas encode train --space nas-bench-graph|circuit|autognn [--qubits 4 --max-gates 20] [--samples N] \
        [--epochs E] --seed S --out ENC      # graph VAE for the latent searchers gae-bo, gae-rl
    qgnas summarize DIR
    qgnas list

Bad input exits with code 2 and one line naming the bad value and the allowed ones.
"""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

BENCH_TASKS = ("nas-bench-graph", "quantum")
ENCODE_SPACES = ("nas-bench-graph", "circuit", "autognn")
LATENT_SEARCHERS = ("gae-bo", "gae-rl")


class UsageError(Exception):
    """Bad command-line input: reported as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, no usage dump
        raise UsageError(message)


def _positive(name: str, kind: type = int):
    """argparse type: a positive ``kind`` (int or float), with a message naming the option and value."""
    noun = "integer" if kind is int else "number"

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {text!r}") from None
        if not value > 0:
            raise argparse.ArgumentTypeError(f"{name} must be a positive {noun}, got {value}")
        return value

    return parse


def _positive_int(name: str):
    return _positive(name, int)


def _positive_float(name: str):
    return _positive(name, float)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="qgnas", description="Quantum and graph neural architecture search.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    bench = sub.add_parser("bench", help="benchmark searchers x seeds on a task; writes tables and a plot")
    bench.add_argument("task", help=f"benchmark task; allowed: {', '.join(BENCH_TASKS)}")
    bench.add_argument("--dataset", default="cora", help="dataset of the task (nas-bench-graph: cora, ...)")
    bench.add_argument(
        "--searchers", default="random,evolution,reinforce,bo", help="comma-separated searcher names"
    )
    bench.add_argument("--budget", type=_positive_int("--budget"), default=100,
                       help="distinct architectures evaluated per run")  # fmt: skip
    bench.add_argument(
        "--seeds", type=_positive_int("--seeds"), default=5, help="runs per searcher (seeds 0..N-1)"
    )
    bench.add_argument("--seconds", type=_positive_float("--seconds"), default=None,
                       help="optional wall-clock budget per run")  # fmt: skip
    bench.add_argument(
        "--out", required=True, help="benchmark directory (logs, summary.csv, summary.md, PNG)"
    )
    bench.add_argument("--resume", action="store_true", help="continue the runs logged in --out")
    bench.add_argument("--jobs", type=_positive_int("--jobs"), default=None,
                       help="runs in parallel (processes); default: number of CPU cores")  # fmt: skip
    bench.add_argument("--quiet", action="store_true", help="no progress bar")
    bench.add_argument(
        "--encoder", default=None, metavar="DIR",
        help="encoder checkpoint of the task's space for gae-bo and gae-rl (qgnas encode train); default: "
        "train one into OUT/encoder first (seed 0), or reuse the one there",
    )  # fmt: skip
    q = bench.add_argument_group("quantum task (qgnas bench quantum)")
    q.add_argument("--problem", default=None,
                   help="molecule (default: ground energy of --molecule), ghz (prepare the n-qubit GHZ "
                   "state; good: fidelity >= 0.99) or maxcut (Max-Cut on an n-node ring; good: optimal "
                   "cut)")  # fmt: skip
    q.add_argument("--molecule", default=None, help="H2, LiH, BeH2 or H2O (default H2; --problem molecule)")
    q.add_argument("--qubits", type=_positive_int("--qubits"), default=None,
                   help="qubit count (default: 2 for H2, else the molecule's default; 4 for ghz and "
                   "maxcut, where it is n)")  # fmt: skip
    q.add_argument("--bond", type=_positive_float("--bond"), default=None,
                   help="bond length in Angstrom (default: the molecule's equilibrium)")  # fmt: skip
    q.add_argument("--noise", default=None,
                   help="none (default), depolarizing, a device such as fake_mumbai, inline JSON or a "
                   "JSON/YAML file with a noise config")  # fmt: skip
    q.add_argument("--max-gates", type=_positive_int("--max-gates"), default=None,
                   help="most gates per circuit, L (default 20)")  # fmt: skip
    q.add_argument(
        "--optimizer",
        default=None,
        help="angle optimiser: cobyla (default, maxiter 100), adam_spsa, adam_spsa_3stage, spsa, adam",
    )
    q.add_argument(
        "--optimizer-options", default=None, help="JSON options of the optimiser, e.g. '{\"maxiter\": 200}'"
    )
    q.add_argument("--shots", type=_positive_int("--shots"), default=None, help="shot noise (default exact)")
    q.add_argument("--connectivity", default=None,
                   help="CNOT pairs: all (default), linear, or control-target pairs like 0-1,1-0")  # fmt: skip
    q.add_argument("--crlqas-runs", nargs="+", default=None, metavar="DIR",
                   help="CRLQAS run directories (experiments/crlqas.py) to add as a 'crlqas' row at the "
                   "same budget")  # fmt: skip

    search = sub.add_parser("search", help="one search with real training; writes a JSONL log and best.json")
    search_sub = search.add_subparsers(dest="world", required=True, parser_class=_Parser)
    sg = search_sub.add_parser("gnn", help="GNN architecture search (Auto-GNN space) with real PyG training")
    sg.add_argument("--dataset", default="cora", help="cora, citeseer or pubmed (Planetoid, standard split)")
    sg.add_argument("--searcher", default="autognn", help="autognn, graphnas (REINFORCE LSTM) or random")
    sg.add_argument(
        "--budget", type=_positive_int("--budget"), default=50, help="distinct architectures trained"
    )
    sg.add_argument("--seed", type=int, default=0, help="root seed of the search")
    sg.add_argument("--out", required=True, help="run directory")
    sg.add_argument("--resume", action="store_true", help="continue the search logged in --out")
    sg.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    sg.add_argument(
        "--epochs", type=_positive_int("--epochs"), default=300, help="training epochs per architecture"
    )
    sg.add_argument("--sharing", action="store_true", help="Auto-GNN constrained parameter sharing")
    sg.add_argument("--layers", type=_positive_int("--layers"), default=2, help="GNN layers")
    sg.add_argument("--device", default="cpu", help="cpu or cuda")
    sg.add_argument("--seconds", type=_positive_float("--seconds"), default=None, help="wall-clock budget")
    sg.add_argument(
        "--workers", type=_positive_int("--workers"), default=1,
        help="architectures trained at once, one process and core each (not with --sharing; a resumed "
        "search keeps its number)",
    )  # fmt: skip
    sg.add_argument("--heads", default=None, help="restrict the heads choices, e.g. 1,2,4,8")
    sg.add_argument("--hidden", default=None, help="restrict the hidden-units choices, e.g. 4,8,16,32,64")
    sg.add_argument(
        "--output-activation", default=None, metavar="NAME",
        help="fix the last layer's activation instead of searching it, e.g. linear (no activation on "
        "the logits; departs from the published space)",
    )  # fmt: skip
    sg.add_argument(
        "--repeats", type=_positive_int("--repeats"), default=1,
        help="train each architecture with this many seeds and score their mean validation accuracy",
    )  # fmt: skip
    sg.add_argument(
        "--init", type=_positive_int("--init"), default=1,
        help="autognn: architectures sampled from scratch before exploring from the best of them",
    )  # fmt: skip
    sg.add_argument(
        "--start", action="append", default=[], metavar="FILE",
        help="train this architecture file first (repeatable; e.g. experiments/configs/gnn/gat_8x8.json): "
        "autognn explores from the best of the given ones instead of a random draw",
    )  # fmt: skip
    sg.add_argument(
        "--selection", default="selected",
        help="epoch selection of every training: selected (ours, the default) or gat (GAT's code)",
    )  # fmt: skip
    sg.add_argument(
        "--value-dropout", type=float, default=0.0,
        help="dropout on each layer's transformed features before aggregation (GAT's code: 0.6)",
    )  # fmt: skip

    train = sub.add_parser("train", help="retrain a found architecture with several seeds")
    train_sub = train.add_subparsers(dest="world", required=True, parser_class=_Parser)
    tg = train_sub.add_parser("gnn", help="retrain DIR/best.json and print test accuracy mean and std")
    tg.add_argument("--arch", required=True, help="best.json of a search (or an architecture JSON)")
    tg.add_argument("--dataset", default=None, help="default: the dataset recorded in the file")
    tg.add_argument("--seeds", type=_positive_int("--seeds"), default=10, help="training seeds 0..N-1")
    tg.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    tg.add_argument(
        "--epochs", type=_positive_int("--epochs"), default=None,
        help="most training epochs (default: the search's, recorded in the file, else 300)",
    )  # fmt: skip
    tg.add_argument("--device", default="cpu", help="cpu or cuda")
    tg.add_argument(
        "--selection", default=None,
        help="epoch selection: selected (ours) or gat (GAT's code); default: the search's, else selected",
    )  # fmt: skip
    tg.add_argument(
        "--value-dropout", type=float, default=None,
        help="dropout on each layer's transformed features before aggregation (GAT's code: 0.6); default: "
        "the search's, else 0. GAT's protocol: --epochs 1000 --selection gat --value-dropout 0.6",
    )  # fmt: skip
    tg.add_argument(
        "--plot", default=None, help="draw every seed's learning curves to this image (e.g. curves.png)"
    )
    tg.add_argument(
        "--workers", type=_positive_int("--workers"), default=1,
        help="seeds trained at once, one process each (the results do not depend on it)",
    )  # fmt: skip

    select = sub.add_parser(
        "select", help="re-train a search's top architectures with fresh seeds; keep the best mean validation"
    )
    select_sub = select.add_subparsers(dest="world", required=True, parser_class=_Parser)
    sel = select_sub.add_parser(
        "gnn", help="DIR of `qgnas search gnn` -> DIR/selected.json (several DIRs with --out OUT)"
    )
    sel.add_argument(
        "dir", nargs="+", help="search directory (holds one <searcher>_seed<k>.jsonl); several: one list"
    )
    sel.add_argument(
        "--out", default=None, help="where selected.json goes (default: DIR; needed with several DIRs)"
    )
    sel.add_argument(
        "--top", type=_positive_int("--top"), default=5, help="candidates by search validation, per search"
    )
    sel.add_argument("--seeds", type=_positive_int("--seeds"), default=3, help="fresh training seeds each")
    sel.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    sel.add_argument("--device", default="cpu", help="cpu or cuda")
    sel.add_argument(
        "--workers", type=_positive_int("--workers"), default=1,
        help="trainings at once, one process each (the results do not depend on it)",
    )  # fmt: skip

    tune = sub.add_parser(
        "tune", help="tune the training schedule of a search's chosen architecture on validation accuracy"
    )
    tune_sub = tune.add_subparsers(dest="world", required=True, parser_class=_Parser)
    tu = tune_sub.add_parser(
        "gnn", help="DIR of `qgnas search gnn` (after `select`, if run) -> DIR/tuned.json"
    )
    tu.add_argument("dir", help="search directory (holds one <searcher>_seed<k>.jsonl)")
    tu.add_argument("--trials", type=_positive_int("--trials"), default=20,
                    help="trials (lr, weight decay, dropout), the search's schedule first")  # fmt: skip
    tu.add_argument(
        "--seeds", type=_positive_int("--seeds"), default=2, help="fresh training seeds per trial"
    )
    tu.add_argument(
        "--data-root", default=None, help="Planetoid root (default: $QGNAS_DATA or ~/.cache/qgnas/data)"
    )
    tu.add_argument("--device", default="cpu", help="cpu or cuda")

    summ = sub.add_parser("summarize", help="recompute the tables and plot of a benchmark directory")
    summ.add_argument("dir")

    rep = sub.add_parser("report", help="compare `qgnas search gnn` directories in one table")
    rep.add_argument("dirs", nargs="+", help="search directories (each holds one <searcher>_seed<k>.jsonl)")
    rep.add_argument(
        "--budget", type=_positive_int("--budget"), default=None,
        help="cut every search at its first N evaluations (exact: equals a run with budget N)",
    )  # fmt: skip
    rep.add_argument(
        "--mean", action="store_true",
        help="also print mean +- std over seeds per dataset and searcher (give each seed's directory)",
    )  # fmt: skip

    encode = sub.add_parser("encode", help="architecture autoencoders (graph VAE) for the latent searchers")
    encode_sub = encode.add_subparsers(dest="action", required=True, parser_class=_Parser)
    et = encode_sub.add_parser(
        "train",
        help="train an encoder on a space's architectures -> DIR/{model.pt,config.json,metrics.json,latent.png}",
    )
    et.add_argument("--space", required=True, help=f"space to embed; allowed: {', '.join(ENCODE_SPACES)}")
    et.add_argument("--dataset", default="cora",
                    help="nas-bench-graph: the table that colours the plot (proteins: its 5-op space)")  # fmt: skip
    et.add_argument("--qubits", type=_positive_int("--qubits"), default=4, help="circuit: register size")
    et.add_argument("--max-gates", type=_positive_int("--max-gates"), default=20, help="circuit: most gates")
    et.add_argument("--layers", type=_positive_int("--layers"), default=2, help="autognn: GNN layers")
    et.add_argument("--samples", type=_positive_int("--samples"), default=None,
                    help="random architectures to train on (default: the whole space when it has at most "
                    "200,000, else 100,000)")  # fmt: skip
    et.add_argument("--epochs", type=_positive_int("--epochs"), default=16, help="training epochs")
    et.add_argument("--latent", type=_positive_int("--latent"), default=16, help="latent dimension")
    et.add_argument("--beta", type=float, default=None, help="weight of the KL term (default 0.01)")
    et.add_argument("--batch-size", type=_positive_int("--batch-size"), default=32, help="batch size")
    et.add_argument("--hidden", type=_positive_int("--hidden"), default=128, help="width of the GIN layers")
    et.add_argument("--lr", type=_positive_float("--lr"), default=1e-3, help="Adam learning rate")
    et.add_argument("--seed", type=int, default=0, help="seed of the sample, split and training")
    et.add_argument("--out", required=True, help="checkpoint directory")
    et.add_argument("--quiet", action="store_true", help="no progress bar")

    sub.add_parser("list", help="list tasks, datasets and searchers")
    return parser


def _check_out_dir(path: str) -> Path:
    out = Path(path)
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".qgnas-write-test"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise UsageError(f"--out {path!r} is not a writable directory ({exc.strerror or exc})") from None
    return out


def _parse_searchers(text: str) -> list[str]:
    from qgnas.searchers import resolve_searcher

    names = [s for s in (t.strip() for t in text.split(",")) if s]
    if not names:
        raise UsageError("--searchers is empty; allowed: random, evolution, reinforce, bo")
    try:
        resolved = [resolve_searcher(n) for n in names]
    except ValueError as exc:
        raise UsageError(f"--searchers: {exc}") from None
    if len(set(resolved)) != len(resolved):
        raise UsageError(f"--searchers lists a searcher twice: {text!r}")
    return resolved


def cmd_bench(args: argparse.Namespace) -> int:
    from qgnas.core.bench import existing_runs, run_benchmark
    from qgnas.searchers import make_searcher

    task_name = args.task.strip().lower()
    if task_name not in BENCH_TASKS:
        raise UsageError(f"unknown benchmark task {args.task!r}; allowed: {', '.join(BENCH_TASKS)}")
    if task_name == "quantum":
        return cmd_bench_quantum(args)
    for option in _QUANTUM_OPTIONS:
        if getattr(args, option) is not None:
            raise UsageError(f"--{option.replace('_', '-')} applies to `qgnas bench quantum` only")
    from qgnas.graph.nas_bench_graph import check_dataset, nas_bench_graph_task

    try:
        dataset = check_dataset(args.dataset)
    except ValueError as exc:
        raise UsageError(f"--dataset: {exc}") from None
    searchers = _parse_searchers(args.searchers)
    out = _check_out_dir(args.out)
    if not args.resume and existing_runs(out):
        raise UsageError(
            f"--out {args.out!r} already holds runs; add --resume to continue them, or pick a new --out"
        )

    task_factory = functools.partial(nas_bench_graph_task, dataset)
    from qgnas.graph.nas_bench_graph import NASBenchGraphSpace

    options = _latent_options(
        searchers, args.encoder, NASBenchGraphSpace.for_dataset(dataset), out, args.quiet
    )
    factories = {name: functools.partial(make_searcher, name, **options.get(name, {})) for name in searchers}
    seeds = list(range(args.seeds))
    jobs = args.jobs or os.cpu_count() or 1
    jobs = min(jobs, len(searchers) * len(seeds))
    summary = run_benchmark(
        task_factory,
        factories,
        budget=args.budget,
        seeds=seeds,
        out_dir=out,
        resume=args.resume,
        jobs=jobs,
        seconds=args.seconds,
        progress=not args.quiet,
    )
    print((out / "summary.md").read_text(), end="")
    print(f"\nwrote {out / 'summary.csv'}, {out / 'summary.md'}, {out / 'anytime.png'} "
          f"and {len(summary['curves'])} run logs under {out}/")  # fmt: skip
    return 0


def _latent_options(searchers: list[str], encoder: str | None, space, out: Path, quiet: bool) -> dict:
    """``{searcher: {"encoder": DIR}}`` for the latent searchers among ``searchers``: ``--encoder`` when
    given (checked against the task's space), else an encoder trained into ``OUT/encoder`` (or the one
    an earlier run trained there)."""
    latent = [n for n in searchers if n in LATENT_SEARCHERS]
    if not latent:
        if encoder is not None:
            raise UsageError("--encoder is only used by the latent searchers (gae-bo, gae-rl)")
        return {}
    from qgnas.encoders import EncoderMismatch, cached_encoder, load_encoder

    try:
        if encoder is not None:
            load_encoder(encoder, space)
            directory = Path(encoder)
        else:
            directory = out / "encoder"
            if not (directory / "config.json").is_file():
                print(f"no --encoder given: training one for {space.name} into {directory} (seed 0) first",
                      file=sys.stderr)  # fmt: skip
            _, trained = cached_encoder(space, directory, seed=0, progress=not quiet)
            if not trained:
                print(f"using the encoder trained earlier in {directory}", file=sys.stderr)
    except (EncoderMismatch, FileNotFoundError) as exc:
        raise UsageError(f"--encoder: {exc}") from None
    return {name: {"encoder": str(directory.resolve())} for name in latent}


def cmd_encode(args: argparse.Namespace) -> int:
    import json

    from qgnas.encoders import train_encoder

    name = args.space.strip().lower()
    if name not in ENCODE_SPACES:
        raise UsageError(f"unknown --space {args.space!r}; allowed: {', '.join(ENCODE_SPACES)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    if args.beta is not None and not args.beta >= 0:
        raise UsageError(f"--beta must be a number >= 0, got {args.beta}")
    out = _check_out_dir(args.out)
    objective, label = None, "objective"
    try:
        if name == "nas-bench-graph":
            from qgnas.graph.nas_bench_graph import NASBenchGraphEvaluator, NASBenchGraphSpace, check_dataset

            dataset = check_dataset(args.dataset)
            space = NASBenchGraphSpace.for_dataset(dataset)
            evaluator = NASBenchGraphEvaluator(dataset)
            objective, label = (
                lambda archs: [evaluator(a).objective for a in archs],
                f"{dataset} validation accuracy (%)",
            )
        elif name == "circuit":
            from qgnas.quantum.circuit_space import CircuitSpace

            space = CircuitSpace(args.qubits, args.max_gates)
        else:
            from qgnas.graph.autognn_space import AutoGNNSpace

            space = AutoGNNSpace(args.layers)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    options = {} if args.beta is None else {"beta": args.beta}
    try:
        encoder = train_encoder(
            space, samples=args.samples, epochs=args.epochs, latent=args.latent, batch_size=args.batch_size,
            hidden=args.hidden, lr=args.lr,
            seed=args.seed, out=out, objective=objective, objective_name=label, progress=not args.quiet,
            **options,
        )  # fmt: skip
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(json.dumps(encoder.metrics, indent=2))
    print(f"wrote {out / 'model.pt'}, {out / 'config.json'}, {out / 'metrics.json'} and {out / 'latent.png'}")
    return 0


_QUANTUM_OPTIONS = ("problem", "molecule", "qubits", "bond", "noise", "max_gates", "optimizer",
                    "optimizer_options", "shots", "connectivity", "crlqas_runs")  # fmt: skip


def cmd_bench_quantum(args: argparse.Namespace) -> int:
    import json

    from qgnas.core.bench import existing_runs
    from qgnas.quantum.circuit_space import PROBLEM_DEFAULT_QUBITS, PROBLEMS
    from qgnas.quantum_commands import bench_quantum, parse_connectivity, parse_noise

    problem = (args.problem or "molecule").strip().lower().replace("-", "").replace("_", "")
    if problem not in PROBLEMS:
        raise UsageError(f"unknown --problem {args.problem!r}; allowed: {', '.join(PROBLEMS)}")
    molecule = None
    qubits = args.qubits
    if problem == "molecule":
        molecule = (args.molecule or "H2").strip()
        if qubits is None and molecule.lower() in ("h2", "hydrogen"):
            qubits = 2  # the environment's default register for H2
    else:
        for flag, value in (
            ("--molecule", args.molecule),
            ("--bond", args.bond),
            ("--crlqas-runs", args.crlqas_runs),
        ):
            if value is not None:
                raise UsageError(f"{flag} applies to --problem molecule only, not --problem {problem}")
        qubits = PROBLEM_DEFAULT_QUBITS if qubits is None else qubits
    options = None
    if args.optimizer_options is not None:
        try:
            options = json.loads(args.optimizer_options)
        except json.JSONDecodeError as exc:
            raise UsageError(
                f"--optimizer-options {args.optimizer_options!r} is not JSON ({exc.msg})"
            ) from None
        if not isinstance(options, dict):
            raise UsageError(f"--optimizer-options must be a JSON object, got {args.optimizer_options!r}")
    searchers = _parse_searchers(args.searchers)
    if args.connectivity and args.connectivity.strip().lower() == "linear" and qubits is None:
        raise UsageError("--connectivity linear needs --qubits")
    try:
        noise = parse_noise(args.noise)
        connectivity = parse_connectivity(args.connectivity, qubits or 0) if args.connectivity else None
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = _check_out_dir(args.out)
    if not args.resume and existing_runs(out):
        raise UsageError(
            f"--out {args.out!r} already holds runs; add --resume to continue them, or pick a new --out"
        )
    seeds = list(range(args.seeds))
    jobs = min(args.jobs or os.cpu_count() or 1, len(searchers) * len(seeds))
    task_options = dict(
        problem=problem, molecule=molecule, qubits=qubits, bond=args.bond, noise=noise,
        max_gates=args.max_gates or 20, optimizer=args.optimizer or "cobyla", optimizer_options=options,
        connectivity=connectivity, shots=args.shots,
    )  # fmt: skip
    try:
        searcher_options = None
        if any(n in LATENT_SEARCHERS for n in searchers) or args.encoder is not None:
            from qgnas.quantum.circuit_space import quantum_task

            space = quantum_task(**task_options).space
            searcher_options = _latent_options(searchers, args.encoder, space, out, args.quiet)
        report = bench_quantum(
            out, searchers, args.budget, seeds, crlqas_runs=args.crlqas_runs or (), resume=args.resume,
            jobs=jobs, seconds=args.seconds, progress=not args.quiet, searcher_options=searcher_options,
            **task_options,
        )  # fmt: skip
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print((out / "quantum.md").read_text(), end="")
    print(f"\nwrote {out / 'quantum.md'}, {out / 'quantum.csv'}, {out / 'anytime_error.png'}, "
          f"{out / 'summary.csv'}, {out / 'summary.md'}, {out / 'anytime.png'} "
          f"and {len(report['summary']['curves'])} run logs under {out}/")  # fmt: skip
    return 0


def _gnn_errors():
    """Input errors of the GNN commands, reported as one-line usage errors."""
    from qgnas.core import InvalidArchitecture
    from qgnas.core.runner import ResumeMismatch
    from qgnas.graph.datasets import DatasetNotFound

    return (DatasetNotFound, InvalidArchitecture, ValueError, FileNotFoundError, ResumeMismatch)


def _gnn_call(fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` with the GNN commands' input errors turned into one-line usage errors."""
    try:
        return fn(*args, **kwargs)
    except _gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None


def _space_choices(args: argparse.Namespace) -> dict[str, tuple[int, ...]]:
    """``--heads 1,2,4 --hidden 8,16`` -> Auto-GNN space restrictions (validated by the space)."""
    out = {}
    for field in ("heads", "hidden"):
        text = getattr(args, field)
        if text is None:
            continue
        try:
            out[field] = tuple(int(v) for v in text.split(","))
        except ValueError:
            raise UsageError(f"--{field} expects comma-separated integers, got {text!r}") from None
    return out


def cmd_search(args: argparse.Namespace) -> int:
    import json

    from qgnas.gnn_commands import GNN_SEARCHERS, search_gnn

    if args.searcher.strip().lower() not in GNN_SEARCHERS:
        raise UsageError(f"unknown searcher {args.searcher!r}; allowed: {', '.join(GNN_SEARCHERS)}")
    if args.seed < 0:
        raise UsageError(f"--seed must be a non-negative integer, got {args.seed}")
    _check_out_dir(args.out)
    try:
        report = search_gnn(
            args.dataset, args.searcher, args.budget, args.seed, args.out, resume=args.resume,
            data_root=args.data_root, epochs=args.epochs, sharing=args.sharing, layers=args.layers,
            device=args.device, seconds=args.seconds, choices=_space_choices(args), repeats=args.repeats,
            init=args.init, selection=args.selection, value_dropout=args.value_dropout,
            start=args.start, workers=args.workers, output_activation=args.output_activation,
        )  # fmt: skip
    except FileExistsError as exc:
        raise UsageError(f"{exc}; add --resume to continue it") from None
    except _gnn_errors() as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print(json.dumps(report, indent=2))
    return 0


def cmd_train(args: argparse.Namespace) -> int:
    from qgnas.gnn_commands import format_train_report, train_gnn

    report = _gnn_call(train_gnn, args.arch, args.dataset, args.seeds, args.data_root, epochs=args.epochs,
                       device=args.device, plot=args.plot, selection=args.selection,
                       value_dropout=args.value_dropout, workers=args.workers)  # fmt: skip
    print(format_train_report(report))
    return 0


def cmd_select(args: argparse.Namespace) -> int:
    from qgnas.gnn_commands import format_selection, select_gnn

    report = _gnn_call(
        select_gnn,
        args.dir,
        args.top,
        args.seeds,
        args.data_root,
        device=args.device,
        out=args.out,
        workers=args.workers,
    )
    print(format_selection(report), end="")
    return 0


def cmd_tune(args: argparse.Namespace) -> int:
    from qgnas.gnn_commands import format_tuning, tune_gnn

    report = _gnn_call(tune_gnn, args.dir, args.trials, args.seeds, args.data_root, device=args.device)
    print(format_tuning(report), end="")
    return 0


def cmd_summarize(args: argparse.Namespace) -> int:
    from qgnas.core.bench import existing_runs, summarize

    out = Path(args.dir)
    if not out.is_dir() or not existing_runs(out):
        raise UsageError(f"{args.dir!r} holds no benchmark runs (expected <searcher>/seed<k>.jsonl files)")
    summarize(out)
    print((out / "summary.md").read_text(), end="")
    if (out / "quantum.json").exists():  # a `qgnas bench quantum` directory: its error table too
        from qgnas.quantum_commands import quantum_summary

        quantum_summary(out)
        print((out / "quantum.md").read_text(), end="")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from qgnas.gnn_commands import format_search_summary, format_search_table, search_report

    try:
        reports = [search_report(d, args.budget) for d in args.dirs]
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    print(format_search_table(reports), end="")
    if args.mean:
        print()
        print(format_search_summary(reports), end="")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from qgnas.graph.nas_bench_graph import DATASETS
    from qgnas.searchers import SEARCHERS

    print("benchmark tasks:", ", ".join(BENCH_TASKS))
    print("nas-bench-graph datasets:", ", ".join(DATASETS))
    print("searchers:", ", ".join(SEARCHERS))
    return 0


COMMANDS = {"bench": cmd_bench, "search": cmd_search, "select": cmd_select, "train": cmd_train, "tune": cmd_tune,
            "summarize": cmd_summarize, "report": cmd_report, "encode": cmd_encode, "list": cmd_list}  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        return COMMANDS[args.command](args)
    except UsageError as exc:
        print(f"qgnas: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # output piped into `head` and the like: not an error of ours
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("qgnas: interrupted; rerun with --resume to continue", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
