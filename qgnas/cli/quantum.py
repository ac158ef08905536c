"""``qgnas bench quantum``: its options, the parsing of ``--noise`` and ``--connectivity``, and the call
of :func:`qgnas.quantum.benchmark.bench_quantum`."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path
from typing import Any

from .common import (
    LATENT_SEARCHERS,
    UsageError,
    check_out_dir,
    latent_options,
    parse_searchers,
    positive_float,
    positive_int,
    refuse_existing_runs,
)

QUANTUM_OPTIONS = (
    "problem",
    "molecule",
    "qubits",
    "bond",
    "noise",
    "max_gates",
    "optimizer",
    "optimizer_options",
    "shots",
    "connectivity",
    "crlqas_runs",
)


def add_options(bench: argparse.ArgumentParser) -> None:
    """The options of the quantum task, an argument group of ``qgnas bench``."""
    q = bench.add_argument_group("quantum task (qgnas bench quantum)")
    q.add_argument(
        "--problem",
        default=None,
        help="molecule (default: ground energy of --molecule), ghz (prepare the n-qubit GHZ state; good: "
        "fidelity >= 0.99) or maxcut (Max-Cut on an n-node ring; good: optimal cut)",
    )
    q.add_argument("--molecule", default=None, help="H2, LiH, BeH2 or H2O (default H2; --problem molecule)")
    q.add_argument(
        "--qubits",
        type=positive_int("--qubits"),
        default=None,
        help="qubit count (default: 2 for H2, else the molecule's default; 4 for ghz and maxcut, where it is n)",
    )
    q.add_argument(
        "--bond",
        type=positive_float("--bond"),
        default=None,
        help="bond length in Angstrom (default: the molecule's equilibrium)",
    )
    q.add_argument(
        "--noise",
        default=None,
        help="none (default), depolarizing, a device such as fake_mumbai, inline JSON or a JSON/YAML file "
        "with a noise config",
    )
    q.add_argument(
        "--max-gates",
        type=positive_int("--max-gates"),
        default=None,
        help="most gates per circuit, L (default 20)",
    )
    q.add_argument(
        "--optimizer",
        default=None,
        help="angle optimiser: cobyla (default, maxiter 100), adam_spsa, adam_spsa_3stage, spsa, adam",
    )
    q.add_argument(
        "--optimizer-options", default=None, help="JSON options of the optimiser, e.g. '{\"maxiter\": 200}'"
    )
    q.add_argument("--shots", type=positive_int("--shots"), default=None, help="shot noise (default exact)")
    q.add_argument(
        "--connectivity",
        default=None,
        help="CNOT pairs: all (default), linear, or control-target pairs like 0-1,1-0",
    )
    q.add_argument(
        "--crlqas-runs",
        nargs="+",
        default=None,
        metavar="DIR",
        help="CRLQAS run directories (experiments/crlqas.py) to add as a 'crlqas' row at the same budget",
    )


def refuse_quantum_options(args: argparse.Namespace) -> None:
    """The quantum task's options on another task are a mistake worth saying, not ignoring."""
    for option in QUANTUM_OPTIONS:
        if getattr(args, option) is not None:
            raise UsageError(f"--{option.replace('_', '-')} applies to `qgnas bench quantum` only")


def parse_noise(text: str | None) -> Any:
    """``--noise`` value -> what :func:`qgnas.quantum.circuit_space.noise_model` takes: None / a name
    (``none``, ``depolarizing``, ``fake_mumbai``), inline JSON (``'{"p1": 0.001}'``) or a path to a
    JSON or YAML file holding a noise config mapping. Raises ValueError naming the bad value."""
    if text is None:
        return None
    value = text.strip()
    path = Path(value).expanduser()
    if value.startswith("{"):
        try:
            data = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"--noise {text!r} is not valid JSON ({exc.msg})") from None
    elif path.suffix.lower() in (".json", ".yaml", ".yml") or path.is_file():
        if not path.is_file():
            raise ValueError(f"--noise file {text!r} does not exist")
        import yaml  # YAML is a superset of JSON: one parser for both

        try:
            data = yaml.safe_load(path.read_text())
        except yaml.YAMLError as exc:
            raise ValueError(f"--noise file {text!r} is not valid JSON/YAML ({exc})") from None
        if isinstance(data, dict) and set(data) == {"noise"}:
            data = data["noise"]
    else:
        return value
    if data is not None and not isinstance(data, dict | str):
        raise ValueError(f"--noise {text!r} must hold a mapping of noise settings, got {type(data).__name__}")
    return data


def parse_connectivity(text: str | None, n_qubits: int) -> list[tuple[int, int]] | None:
    """``"all"`` (default), ``"linear"`` (both directions along a chain) or ``"0-1,1-0,1-2"``."""
    if text is None or text.strip().lower() in ("", "all", "full"):
        return None
    if text.strip().lower() == "linear":
        return [p for i in range(n_qubits - 1) for p in ((i, i + 1), (i + 1, i))]
    pairs = []
    for item in text.split(","):
        parts = item.strip().split("-")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(
                f"--connectivity item {item.strip()!r} is not a control-target pair like '0-1'; "
                "allowed: all, linear, or pairs such as '0-1,1-0,1-2'"
            )
        pairs.append((int(parts[0]), int(parts[1])))
    return pairs


def _problem(args: argparse.Namespace) -> tuple[str, str | None, int | None]:
    """(problem, molecule, qubits) from ``--problem``, ``--molecule`` and ``--qubits``."""
    from qgnas.quantum.circuit_space import PROBLEM_DEFAULT_QUBITS, PROBLEMS

    problem = (args.problem or "molecule").strip().lower().replace("-", "").replace("_", "")
    if problem not in PROBLEMS:
        raise UsageError(f"unknown --problem {args.problem!r}; allowed: {', '.join(PROBLEMS)}")
    if problem == "molecule":
        # None leaves the register to quantum_task, whose default for H2 is the environment's
        return problem, (args.molecule or "H2").strip(), args.qubits
    for flag, value in (
        ("--molecule", args.molecule),
        ("--bond", args.bond),
        ("--crlqas-runs", args.crlqas_runs),
    ):
        if value is not None:
            raise UsageError(f"{flag} applies to --problem molecule only, not --problem {problem}")
    return problem, None, PROBLEM_DEFAULT_QUBITS if args.qubits is None else args.qubits


def _register_size(molecule: str | None, bond: float | None) -> int:
    """The qubits of a molecule left at its default register, which ``--connectivity linear`` needs."""
    from qgnas.quantum.circuit_space import quantum_task

    return quantum_task(molecule=molecule, qubits="auto", bond=bond).space.n_qubits


def _optimizer_options(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        options = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"--optimizer-options {text!r} is not JSON ({exc.msg})") from None
    if not isinstance(options, dict):
        raise UsageError(f"--optimizer-options must be a JSON object, got {text!r}")
    return options


def _task_options(args: argparse.Namespace) -> dict[str, Any]:
    """``quantum_task``'s keywords from the quantum options (usage errors for bad values)."""
    problem, molecule, qubits = _problem(args)
    options = _optimizer_options(args.optimizer_options)
    try:
        noise = parse_noise(args.noise)
        connectivity = None
        if args.connectivity:
            linear = args.connectivity.strip().lower() == "linear"
            n = _register_size(molecule, args.bond) if linear and qubits is None else qubits
            connectivity = parse_connectivity(args.connectivity, n or 0)
    except ValueError as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    return dict(
        problem=problem,
        molecule=molecule,
        qubits="auto" if qubits is None else qubits,
        bond=args.bond,
        noise=noise,
        max_gates=args.max_gates or 20,
        optimizer=args.optimizer or "cobyla",
        optimizer_options=options,
        connectivity=connectivity,
        shots=args.shots,
    )


def cmd_bench_quantum(args: argparse.Namespace) -> int:
    from qgnas.quantum.benchmark import bench_quantum

    task_options = _task_options(args)
    searchers = parse_searchers(args.searchers)
    out = check_out_dir(args.out)
    refuse_existing_runs(out, args.out, args.resume)
    seeds = list(range(args.seeds))
    jobs = min(args.jobs or os.cpu_count() or 1, len(searchers) * len(seeds))
    try:
        searcher_options = None
        if any(n in LATENT_SEARCHERS for n in searchers) or args.encoder is not None:
            from qgnas.quantum.circuit_space import quantum_task

            space = quantum_task(**task_options).space
            searcher_options = latent_options(searchers, args.encoder, space, out, args.quiet)
        report = bench_quantum(
            out,
            searchers,
            args.budget,
            seeds,
            crlqas_runs=args.crlqas_runs or (),
            resume=args.resume,
            jobs=jobs,
            seconds=args.seconds,
            progress=not args.quiet,
            searcher_options=searcher_options,
            **task_options,
        )
    except (ValueError, TypeError) as exc:
        raise UsageError(str(exc).splitlines()[0]) from None
    print((out / "quantum.md").read_text(), end="")
    written = ("quantum.md", "quantum.csv", "anytime_error.png", "summary.csv", "summary.md")
    print(
        f"\nwrote {', '.join(str(out / name) for name in written)}, {out / 'anytime.png'} "
        f"and {len(report['summary']['curves'])} run logs under {out}/"
    )
    return 0
