"""Seconds per noisy energy evaluation: qgnas's PTM simulator against Qiskit Aer and PennyLane.

Workload (the one architecture search produces): random circuits of ``10 n`` gates drawn uniformly
from {CNOT, RX, RY, RZ} on n qubits, depolarizing noise 0.001 (1q) / 0.005 (2q), the energy of a
Heisenberg chain, for a batch of B random parameter sets. All backends run in the same process, one
after the other, on the same circuits and parameters:

* ``ptm-cpu`` / ``ptm-cuda``: :class:`qgnas.quantum.ptm.PTMSimulator`, compiled once per circuit
  (the compile time is reported apart), then one batched call per batch; on the CPU (float64, no
  gradient recorded) that call runs the compiled Numba kernel (:mod:`qgnas.quantum.ptm.kernel`);
* ``ptm-torch``: the same simulator with ``kernel=False``, the batched torch path that autograd and
  CUDA use;
* ``aer``: ``AerSimulator(method="density_matrix")``, the whole batch as one job through Aer's own
  ``parameter_binds`` (its batching, circuits run in parallel on its threads);
* ``pennylane``: ``default.mixed``, the batch as one broadcast execution.

Times are the best of several repeats (preemption on a shared machine only ever adds time), per
evaluation (batch time / B). Ratios are Aer's time over each backend's. For CUDA rows the table also
gives the memory-bandwidth floor: a gate application reads and writes the whole state once,
``2 * B * 4^n * bytes`` per gate, times the number of gates, over the measured device bandwidth
(a large device-to-device copy); the PTM's own pass count (fused layers) is shown next to it.

Each ``ptm-torch`` row also says where its time goes: the passes (fused layers) and axis moves, and
two floors per evaluation measured on this machine in the same run: *arith* (the passes' batched
16x16 GEMM flops at the measured GEMM rate plus the axis-move copies at the measured copy bandwidth)
and *dispatch* (the torch kernels one call launches, counted, times the measured time of one tiny
kernel). At the end a Markdown table (seconds per evaluation and speed-ups over Aer) is printed for
the README.

Usage::

    python benchmarks/simulators.py                       # n = 2 4 6 8, B = 1 64 (a few minutes)
    python benchmarks/simulators.py --qubits 2 4 6 8 10 --batches 1 64 1024 --repeats 5
    python benchmarks/simulators.py --profile             # where the PTM's time goes, per phase
    python benchmarks/simulators.py --threads 2 --float32 --csv out.csv

Only numpy and torch are needed for the PTM rows; Aer and PennyLane rows are skipped (with a note)
when those packages are missing.
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch

from qgnas.quantum.circuit import random_circuit
from qgnas.quantum.hamiltonian import Hamiltonian
from qgnas.quantum.noise import NoiseModel
from qgnas.quantum.ptm import PTMSimulator


def best_time(
    fn: Callable[[], Any],
    repeats: int,
    budget_s: float,
    sync: Callable[[], None] | None = None,
    min_time_s: float = 0.5,
) -> float:
    """Best wall time of ``fn``: at least ``repeats`` calls and at least ``min_time_s`` of calls (fast
    cells get many samples, so the minimum is robust on a busy machine), never past ``budget_s``."""
    fn()  # warm-up (allocations, caches, lazy imports)
    if sync:
        sync()
    best = float("inf")
    spent = 0.0
    calls = 0
    while calls < repeats or spent < min_time_s:
        t0 = time.perf_counter()
        fn()
        if sync:
            sync()
        dt = time.perf_counter() - t0
        best = min(best, dt)
        spent += dt
        calls += 1
        if spent > budget_s or calls >= 1000:
            break
    return best


def interleaved_best(
    fns: dict[str, Callable[[], Any]], rounds: int, budget_s: float, block_s: float = 0.2
) -> dict[str, float]:
    """Best wall time of each function, timed in alternating blocks.

    Each round gives every function a block of calls (about ``block_s`` seconds, at least two, the
    first one of each block untimed to re-warm caches): load drifting on a shared machine then hits
    all of them alike, while a call never directly follows another backend's (whose cache pollution
    and spinning worker threads would penalise whoever comes next).
    """
    best = dict.fromkeys(fns, float("inf"))
    spent = dict.fromkeys(fns, 0.0)
    for _ in range(rounds):
        for name, fn in fns.items():
            if spent[name] > budget_s:
                continue
            fn()  # re-warm
            t_block = 0.0
            calls = 0
            while calls < 2 or t_block < block_s:
                t0 = time.perf_counter()
                fn()
                dt = time.perf_counter() - t0
                best[name] = min(best[name], dt)
                t_block += dt
                calls += 1
                if spent[name] + t_block > budget_s:
                    break
            spent[name] += t_block
    return best


def device_bandwidth(device: torch.device) -> float:
    """Measured bytes/s of a large device-to-device copy (read + write counted)."""
    x = torch.empty(256 * 2**20 // 8, dtype=torch.float64, device=device)
    y = torch.empty_like(x)
    y.copy_(x)
    torch.cuda.synchronize(device)
    best = float("inf")
    for _ in range(5):
        t0 = time.perf_counter()
        y.copy_(x)
        torch.cuda.synchronize(device)
        best = min(best, time.perf_counter() - t0)
    return 2 * x.numel() * 8 / best


_VIEW_OPS = {
    "view",
    "_unsafe_view",
    "reshape",
    "expand",
    "permute",
    "transpose",
    "t",
    "select",
    "slice",
    "unsqueeze",
    "squeeze",
    "as_strided",
    "alias",
    "unbind",
    "split",
    "narrow",
    "detach",
    "lift_fresh",
}


def count_ops(fn: Callable[[], Any]) -> tuple[int, int]:
    """Aten ops one call of ``fn`` dispatches: ``(kernels, views)`` (views launch no kernel)."""
    try:
        from torch.utils._python_dispatch import TorchDispatchMode
    except ImportError:  # private API: no op counts then
        return 0, 0
    counts = [0, 0]

    class Count(TorchDispatchMode):
        def __torch_dispatch__(self, func, types, args=(), kwargs=None):  # noqa: ANN001
            name = func.__name__.split(".")[0]
            counts[1 if name in _VIEW_OPS else 0] += 1
            return func(*args, **(kwargs or {}))

    with Count():
        fn()
    return counts[0], counts[1]


def cpu_rates(dtype: torch.dtype = torch.float64) -> dict[str, float]:
    """This machine's (one thread's) rates for the PTM's three costs, measured now: batched 16x16
    GEMM flop/s on a large state, copy bytes/s (read + write) into a reused buffer, and the wall time
    of one tiny torch kernel (dispatch overhead)."""
    B, R = 64, 4096
    m = torch.randn(B, 16, 16, dtype=dtype)
    x = torch.randn(B, 16, R, dtype=dtype)
    out = torch.empty_like(x)
    with torch.no_grad():
        t_gemm = best_time(lambda: torch.matmul(m, x, out=out), 5, 5.0, min_time_s=0.3)
        t_copy = best_time(lambda: out.copy_(x), 5, 5.0, min_time_s=0.3)
        a = torch.randn(64, 16, dtype=dtype)

        def tiny() -> None:
            for _ in range(100):
                a * a

        t_op = best_time(tiny, 5, 5.0, min_time_s=0.3) / 100
    return {
        "gemm_flops": 2 * B * 16 * 16 * R / t_gemm,
        "copy_bytes": 2 * x.numel() * x.element_size() / t_copy,
        "op_s": t_op,
    }


def ptm_floor(compiled: Any, batch: int, rates: dict[str, float], kernels: int) -> dict[str, float]:
    """Lower bounds for one call, per evaluation: the state passes' GEMM flops and axis-move copies at
    the measured rates (arithmetic floor), and the dispatched kernels at the measured per-op time
    (overhead floor)."""
    st = compiled.stats()
    n, size = compiled.n_qubits, 8 if compiled.dtype == torch.float64 else 4
    state_bytes = batch * 4**n * size
    flops = st["n_layers"] * 2 * 16 * batch * 4**n
    arith = flops / rates["gemm_flops"] + st["n_permutes"] * 2 * state_bytes / rates["copy_bytes"]
    return {"arith_s": arith / batch, "dispatch_s": kernels * rates["op_s"] / batch}


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--qubits", type=int, nargs="+", default=[2, 4, 6, 8], help="qubit counts (default 2 4 6 8)"
    )
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 64], help="batch sizes (default 1 64)")
    ap.add_argument("--cuda-batches", type=int, nargs="+", default=[1, 64, 1024], help="batch sizes on CUDA")
    ap.add_argument(
        "--backends", nargs="+", default=["ptm", "aer", "pennylane"], help="which backends to time"
    )
    ap.add_argument(
        "--repeats", type=int, default=3, help="rounds of timed blocks per cell (the best call is kept)"
    )
    ap.add_argument("--budget", type=float, default=20.0, help="seconds spent at most per cell")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="CPU threads for torch and Aer alike (default 1: on a shared machine extra threads mostly wait)",
    )
    ap.add_argument("--float32", action="store_true", help="also time the PTM in float32")
    ap.add_argument("--no-cuda", action="store_true", help="skip CUDA rows even when a GPU is present")
    ap.add_argument("--profile", action="store_true", help="print the PTM's time per phase")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--csv", default=None, help="also write the table as CSV here")
    return ap.parse_args(argv)


def print_preamble(threads: int, use_cuda: bool, bandwidth: float | None, rates: dict[str, float]) -> None:
    print(
        f"# machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__}, "
        f"{threads} torch threads" + (f", GPU {torch.cuda.get_device_name()}" if use_cuda else ", no GPU")
    )
    if bandwidth:
        print(f"# measured GPU copy bandwidth: {bandwidth / 1e9:.0f} GB/s")
    print(
        f"# this CPU now ({threads} thread): batched 16x16 GEMM {rates['gemm_flops'] / 1e9:.1f} GFLOP/s, "
        f"copy {rates['copy_bytes'] / 1e9:.1f} GB/s, one tiny torch kernel {rates['op_s'] * 1e6:.1f} us "
        f"(load: {os.getloadavg()[0]:.1f})"
    )
    print(
        "# ptm-torch notes: passes (fused layers) for the gates, axis moves, path; floors per evaluation: "
        "arith = GEMM flops + axis-move copies at the rates above, dispatch = kernels per call x one "
        "kernel's time"
    )
    print(
        "# workload: 10n random gates from {cx, rx, ry, rz}, depolarizing 0.001/0.005, Heisenberg chain; "
        "seconds per energy evaluation (best of repeats)"
    )


def reference_backends(args: argparse.Namespace, noise: NoiseModel) -> tuple[Any, Any]:
    """Aer and PennyLane when asked for and installed (None otherwise, with a note)."""
    aer = pl = None
    if "aer" in args.backends:
        try:
            from qgnas.quantum.backends import AerDensityMatrixBackend

            aer = AerDensityMatrixBackend(noise, max_parallel_threads=args.threads)
        except ImportError as exc:
            print(f"# aer skipped: {exc}")
    if "pennylane" in args.backends:
        try:
            from qgnas.quantum.backends import PennyLaneMixedBackend

            pl = PennyLaneMixedBackend(noise)
        except ImportError as exc:
            print(f"# pennylane skipped: {exc}")
    return aer, pl


class Workload:
    """One random circuit of n qubits, compiled both ways, with its parameters and the run's settings."""

    def __init__(
        self,
        args: argparse.Namespace,
        noise: NoiseModel,
        n: int,
        rng: np.random.Generator,
        batches: list[int],
    ) -> None:
        self.args, self.noise, self.n = args, noise, n
        self.circuit = random_circuit(n, 10 * n, rng)
        self.ham = (
            Hamiltonian.heisenberg(n) if n > 1 else Hamiltonian.from_pauli_strings(["Z", "X"], [1.0, 0.5])
        )
        self.params_all = rng.uniform(-np.pi, np.pi, size=(max(batches), self.circuit.n_params))
        t0 = time.perf_counter()
        self.compiled_torch = PTMSimulator(noise=noise, kernel=False).compile(self.circuit, self.ham)
        self.compile_s = time.perf_counter() - t0
        self.compiled = PTMSimulator(noise=noise).compile(self.circuit, self.ham)
        with torch.no_grad():
            t0 = time.perf_counter()
            self.compiled(torch.tensor(self.params_all[:1]))  # builds the kernel plan (and JIT-compiles once)
            self.kernel_s = time.perf_counter() - t0
        self.stats = self.compiled.stats()


def cpu_rows(w: Workload, B: int, aer: Any, rates: dict[str, float]) -> list[dict[str, Any]]:
    """Aer and the CPU PTM rows, timed in interleaved rounds (one call of each per round), so that
    both see the same load of a shared machine and their ratio is fair."""
    args, params = w.args, w.params_all[:B]
    contenders: dict[str, Callable[[], Any]] = {}
    if aer is not None:
        contenders["aer"] = partial(aer.expectation, w.circuit, w.ham, params)
    if "ptm" in args.backends:
        p = torch.tensor(params)
        contenders["ptm-cpu"] = partial(w.compiled, p)
        contenders["ptm-torch"] = partial(w.compiled_torch, p)
        if args.float32:
            c32 = PTMSimulator(noise=w.noise, dtype=torch.float32).compile(w.circuit, w.ham)
            contenders["ptm-cpu-f32"] = partial(c32, p.float())
    with torch.no_grad():
        times = interleaved_best(contenders, args.repeats, args.budget)
    aer_s = times["aer"] / B if "aer" in times else None
    rows = []
    for name, t in times.items():
        row = {"n": w.n, "batch": B, "backend": name, "seconds_per_eval": t / B}
        if name == "aer":
            row["notes"] = "density_matrix, parameter_binds"
        else:
            row["speedup_vs_aer"] = aer_s / row["seconds_per_eval"] if aer_s else None
        if name == "ptm-cpu":
            row["notes"] = kernel_note(w, p)
        if name == "ptm-torch":
            row.update(torch_path_details(w, p, B, rates))
        rows.append(row)
    return rows


def kernel_note(w: Workload, p: torch.Tensor) -> str:
    with torch.no_grad():
        plan = w.compiled._kernel(p)  # the plan when the kernel served this batch
    if plan is None:
        return "torch path (the kernel serves 7+ qubits from batch 32 on)"
    ks = plan.stats()
    return (
        f"numba kernel: {ks['ops']} passes, {ks['nnz']} sparse entries, chunk {ks['chunk']}; "
        f"first call {w.kernel_s * 1e3:.0f} ms"
    )


def torch_path_details(w: Workload, p: torch.Tensor, B: int, rates: dict[str, float]) -> dict[str, Any]:
    """The torch path's kernel count and floors, and the note that says where its time goes."""
    path = "GEMM" if w.compiled_torch.uses_gemm(B) else "elementwise"
    with torch.no_grad():
        kernels, views = count_ops(partial(w.compiled_torch, p))
    floor = ptm_floor(w.compiled_torch, B, rates, kernels)
    stats = w.stats
    return {
        "kernels": kernels,
        "views": views,
        "floor_arith_s": floor["arith_s"],
        "floor_dispatch_s": floor["dispatch_s"],
        "notes": (
            f"{stats['n_layers']} passes/{w.circuit.n_gates} gates, {stats['n_permutes']} moves, {path}; "
            f"floors: arith {floor['arith_s']:.1e}, dispatch {floor['dispatch_s']:.1e} "
            f"({kernels} kernels + {views} views); compile {w.compile_s * 1e3:.0f} ms"
        ),
    }


def cuda_row(w: Workload, B: int, aer_s: float | None, bandwidth: float) -> dict[str, Any]:
    params = w.params_all[:B]
    cc = PTMSimulator(noise=w.noise, device="cuda").compile(w.circuit, w.ham)
    pc = torch.tensor(params, device="cuda")
    with torch.no_grad():
        s = best_time(partial(cc, pc), w.args.repeats, w.args.budget, sync=torch.cuda.synchronize) / B
    floor_gate = 2 * B * 4**w.n * 8 * w.circuit.n_gates / bandwidth / B
    floor_pass = 2 * B * 4**w.n * 8 * w.stats["n_layers"] / bandwidth / B
    note = (
        f"floor {floor_gate:.2e} s/eval (per gate), {floor_pass:.2e} (per fused pass); "
        f"{s / floor_pass:.1f}x the fused-pass floor, {s / floor_gate:.1f}x the per-gate one"
    )
    return timed_row(
        w, B, "ptm-cuda", s, aer_s, note, floor_per_gate_s=floor_gate, floor_per_pass_s=floor_pass
    )


def pennylane_row(w: Workload, B: int, aer_s: float | None, pl: Any) -> dict[str, Any]:
    """default.mixed is slow at 8+ qubits: time a sub-batch when the whole one would not fit the
    budget, and say so."""
    params, budget = w.params_all[:B], w.args.budget
    probe = min(B, 8)
    t0 = time.perf_counter()
    pl.expectation(w.circuit, w.ham, params[:probe])
    per_eval = (time.perf_counter() - t0) / probe
    sub = B if per_eval * B * 2 < budget else probe
    s = best_time(partial(pl.expectation, w.circuit, w.ham, params[:sub]), 1, budget, min_time_s=0) / sub
    note = "default.mixed, broadcast" + ("" if sub == B else f", timed on {sub} of {B} parameter sets")
    return timed_row(w, B, "pennylane", s, aer_s, note)


def timed_row(
    w: Workload, B: int, backend: str, s: float, aer_s: float | None, note: str, **extra: float
) -> dict[str, Any]:
    """A row timed apart from Aer's interleaved rounds, with its speed-up over Aer's time."""
    speedup = aer_s / s if aer_s else None
    row = {"n": w.n, "batch": B, "backend": backend, "seconds_per_eval": s, "speedup_vs_aer": speedup}
    return {**row, **extra, "notes": note}


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    noise = NoiseModel.depolarizing(0.001, 0.005)
    rng = np.random.default_rng(args.seed)
    use_cuda = torch.cuda.is_available() and not args.no_cuda
    bandwidth = device_bandwidth(torch.device("cuda")) if use_cuda else None
    rates = cpu_rates()
    print_preamble(torch.get_num_threads(), use_cuda, bandwidth, rates)

    rows: list[dict[str, Any]] = []
    header = f"{'n':>3} {'B':>5} {'backend':<12} {'s/eval':>10} {'vs aer':>8}  notes"
    print(header)
    print("-" * len(header))

    def emit(row: dict[str, Any]) -> None:
        ratio = row.get("speedup_vs_aer")
        ratio_s = f"{ratio:8.1f}x" if ratio else f"{'':>9}"
        print(
            f"{row['n']:>3} {row['batch']:>5} {row['backend']:<12} {row['seconds_per_eval']:10.3e} {ratio_s} "
            f" {row.get('notes', '')}",
            flush=True,
        )
        rows.append(row)

    aer, pl = reference_backends(args, noise)
    batches = sorted(set(args.batches) | (set(args.cuda_batches) if use_cuda else set()))
    for n in args.qubits:
        w = Workload(args, noise, n, rng, batches)
        for B in batches:
            cpu_batch = B in args.batches
            cells = cpu_rows(w, B, aer, rates) if cpu_batch else []
            for row in cells:
                emit(row)
            aer_s = next((r["seconds_per_eval"] for r in cells if r["backend"] == "aer"), None)
            if use_cuda and B in args.cuda_batches:
                emit(cuda_row(w, B, aer_s, bandwidth))
            if pl is not None and cpu_batch:
                emit(pennylane_row(w, B, aer_s, pl))
        if args.profile:
            profile_phases(w.compiled_torch, w.params_all[: max(args.batches)], args.repeats)

    print_summary(rows, args.threads)
    if args.csv:
        keys = sorted({k for r in rows for k in r})
        with open(args.csv, "w", newline="") as fh:
            writer = csv.DictWriter(fh, fieldnames=keys)
            writer.writeheader()
            writer.writerows(rows)
        print(f"# wrote {args.csv}")


def print_summary(rows: list[dict[str, Any]], threads: int) -> None:
    """The table for the README: seconds per evaluation, and each backend's speed-up over Aer (same run)."""
    cells: dict[tuple[int, int], dict[str, dict[str, Any]]] = {}
    for r in rows:
        cells.setdefault((r["n"], r["batch"]), {})[r["backend"]] = r
    names = [
        b
        for b in ("ptm-cpu", "ptm-torch", "ptm-cpu-f32", "ptm-cuda", "pennylane")
        if any(b in c for c in cells.values())
    ]
    if not cells or "aer" not in {b for c in cells.values() for b in c}:
        return
    print()
    print(
        f"Seconds per noisy energy evaluation (lower is better); x = Aer's time / this backend's, same run, {threads} CPU thread(s)."
    )
    print()
    head = "| n | B | aer (s) | " + " | ".join(f"{b} (s) | {b} vs aer" for b in names) + " |"
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    for (n, B), c in sorted(cells.items()):
        aer = c.get("aer")
        parts = [str(n), str(B), f"{aer['seconds_per_eval']:.2e}" if aer else "-"]
        for b in names:
            r = c.get(b)
            if r is None:
                parts += ["-", "-"]
            else:
                ratio = r.get("speedup_vs_aer")
                parts += [f"{r['seconds_per_eval']:.2e}", f"{ratio:.1f}x" if ratio else "-"]
        print("| " + " | ".join(parts) + " |")


def profile_phases(compiled: Any, params: np.ndarray, repeats: int) -> None:
    """Time each phase of one PTM call: run products, layer matrices, state passes, measurement."""
    p = torch.tensor(params)
    with torch.no_grad():
        runs = compiled._runs(p)
        gemm = compiled.uses_gemm(len(p))
        mats = compiled._layers(runs, gemm)
        x = compiled._state(p)
        t_runs = best_time(lambda: compiled._runs(p), repeats, 5.0)
        t_layers = best_time(lambda: compiled._layers(runs, gemm), repeats, 5.0)
        t_state = best_time(lambda: compiled._state(p, compiled._scratch_ok(p)), repeats, 5.0)
        t_meas = best_time(lambda: compiled.energy_from_state(x), repeats, 5.0)
        del mats
    apply = t_state - t_runs - t_layers
    print(
        f"#   profile n={compiled.n_qubits} B={len(params)}: runs {t_runs * 1e3:.3f} ms, layer matrices "
        f"{t_layers * 1e3:.3f} ms, state passes {apply * 1e3:.3f} ms ({compiled.n_layers} passes, "
        f"{compiled.stats()['n_permutes']} axis moves, {'GEMM' if gemm else 'elementwise'} path), "
        f"measurement {t_meas * 1e3:.3f} ms",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
