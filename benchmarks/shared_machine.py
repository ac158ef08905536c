"""Are qgnas's thread defaults fast on a shared machine? Idle against busy, qgnas's default against torch's.

Two workloads users run many times, each timed in a fresh process (a process fixes its thread pools at
start):

- ``gat``: a 30-epoch GAT 8x8 training on Cora (``train_node_classifier``, no early stopping);
- ``ptm``: the energy of a noisy 8-qubit circuit (depolarizing p1 0.001, p2 0.005, 48 gates, a 64-term
  Hamiltonian) for one parameter set, on the torch path with gradients (the Adam path) and on the
  default no-gradient path; median of repeated calls after a warm-up.

Each runs with qgnas's default thread count (``QGNAS_THREADS`` unset: one thread) and with torch's
default (``QGNAS_THREADS`` = the machine's cores, what torch would take), first on the idle machine and
then with another CPU-bound process running (one busy Python process per spare core). The table gives
the seconds and the ratio busy / idle; the goal is at most 1.5 with qgnas's default.

    python benchmarks/shared_machine.py --data-root DIR [--repeats 5] [--out FILE]

Run it on an otherwise idle machine: the "idle" column must be idle.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GAT = """
import json, sys, time
from qgnas.graph import load_planetoid, train_node_classifier
from qgnas.graph.autognn_space import AutoGNNSpace
root, repeats, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
arch = AutoGNNSpace(2).from_json(json.load(open(sys.argv[4]))["arch"])
data = load_planetoid("cora", root)
train_node_classifier(arch, data, epochs=2, patience=None, seed=0)  # warm-up: imports, first kernels
times = []
for r in range(repeats):
    start = time.perf_counter()
    res = train_node_classifier(arch, data, epochs=30, patience=None, seed=r)
    times.append(time.perf_counter() - start)
json.dump({"times": times}, open(out, "w"))
"""

PTM = """
import json, sys, time
import numpy as np, torch
from qgnas.quantum import Circuit, Hamiltonian, NoiseModel, PTMSimulator
repeats, out, grad = int(sys.argv[2]), sys.argv[3], sys.argv[4] == "grad"
rng = np.random.default_rng(0)
n = 8
gates = []
for i in range(48):
    if i % 3 == 2:
        a = int(rng.integers(n)); gates.append(("cx", a, (a + 1 + int(rng.integers(n - 1))) % n))
    else:
        gates.append((str(rng.choice(["rx", "ry", "rz"])), int(rng.integers(n))))
c = Circuit.from_gates(gates, n_qubits=n)
paulis = ["".join(rng.choice(list("IXYZ"), n)) for _ in range(64)]
H = Hamiltonian.from_pauli_strings(paulis, rng.normal(size=64).tolist())
sim = PTMSimulator(noise=NoiseModel.depolarizing(p1=0.001, p2=0.005), device="cpu", dtype=torch.float64)
theta = torch.tensor(rng.uniform(-np.pi, np.pi, (1, c.n_params)), requires_grad=grad)
def energy():
    e = sim.expectation(c, H, theta)
    if grad:
        e.sum().backward()
for _ in range(3):
    energy()  # warm-up: compilation, plan cache
calls = 20
times = []
for _ in range(repeats):
    start = time.perf_counter()
    for _ in range(calls):
        energy()
    times.append((time.perf_counter() - start) / calls)
json.dump({"times": times}, open(out, "w"))
"""


def busy() -> None:
    x = 0
    while True:
        x = (x * 1103515245 + 12345) % 2147483648


def measure(code: str, args: list[str], threads: int | None, tmp: Path) -> float:
    """Median seconds of one workload in a fresh process (``threads`` None: qgnas's default)."""
    env = {k: v for k, v in os.environ.items() if k not in ("QGNAS_THREADS", "OMP_NUM_THREADS")}
    if threads is not None:
        env["QGNAS_THREADS"] = str(threads)
    out = tmp / "out.json"
    subprocess.run(
        [sys.executable, "-c", code, args[0], args[1], str(out), *args[2:]], env=env, check=True, cwd=ROOT
    )
    times = sorted(json.loads(out.read_text())["times"])
    return times[len(times) // 2]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data-root", required=True, help="a folder holding Cora's raw Planetoid files")
    parser.add_argument("--repeats", type=int, default=5, help="timed repetitions per cell (median reported)")
    parser.add_argument("--out", help="also write the table to this file")
    args = parser.parse_args()
    import tempfile

    cores = os.cpu_count() or 1
    gat = str(ROOT / "experiments/configs/gnn/gat_8x8.json")
    workloads = [
        ("GAT 8x8, 30 epochs, Cora", GAT, [args.data_root, str(args.repeats), gat]),
        ("noisy 8-qubit energy, batch 1, with gradient", PTM, ["-", str(args.repeats), "grad"]),
        ("noisy 8-qubit energy, batch 1, no gradient", PTM, ["-", str(args.repeats), "nograd"]),
    ]
    settings = [("qgnas default (1)", None), (f"torch default ({cores})", cores)]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for label, code, wargs in workloads:
            for setting, threads in settings:
                idle = measure(code, wargs, threads, Path(tmp))
                hogs = [mp.Process(target=busy, daemon=True) for _ in range(max(cores - 1, 1))]
                for h in hogs:
                    h.start()
                time.sleep(0.5)
                try:
                    loaded = measure(code, wargs, threads, Path(tmp))
                finally:
                    for h in hogs:
                        h.terminate()
                        h.join()
                rows.append((label, setting, idle, loaded))
                print(
                    f"  {label} | {setting}: idle {idle:.4f} s, busy {loaded:.4f} s",
                    file=sys.stderr,
                    flush=True,
                )
    lines = [
        f"{cores} cores; busy = {max(cores - 1, 1)} other CPU-bound process(es) running; median of {args.repeats}",
        "",
        "| workload | torch threads | idle s | busy s | busy / idle | goal <= 1.5 |",
        "|---|---|---:|---:|---:|---|",
    ]
    for label, setting, idle, loaded in rows:
        ratio = loaded / idle
        goal = ("met" if ratio <= 1.5 else "missed") if setting.startswith("qgnas") else "-"
        lines.append(f"| {label} | {setting} | {idle:.4f} | {loaded:.4f} | {ratio:.2f} | {goal} |")
    text = "\n".join(lines)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
