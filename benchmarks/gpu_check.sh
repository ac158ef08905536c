#!/usr/bin/env bash
# The quantum core's GPU checks (issue 3) in one command, for a CUDA machine without network access.
#
#   bash benchmarks/gpu_check.sh [OUTDIR]        # from the repository root; OUTDIR defaults to $OUT or ./gpu-check
#
# It needs python3 with torch (CUDA build), numpy, scipy and numba, which GPU images usually have, plus
# gymnasium (importing qgnas registers its environments). Where a package is missing, put its wheels in
# .whl/ first: `bash benchmarks/gpu_wheels.sh` downloads them on a machine with network access (for the
# device's Python, 3.12 by default), and this script installs whatever it finds there.
#
# What it runs, writing each output to OUTDIR as well as the terminal:
#   1. the `gpu`-marked tests (CUDA energies and gradients equal the CPU's to 1e-12 / 1e-11, float32 to 1e-5);
#   2. benchmarks/simulators.py with the PTM rows only (CPU kernel, CPU torch path, CUDA), n = 2..10,
#      CUDA batches 1, 64 and 1024, with the memory-bandwidth floor measured on the card in the same run.
#      The Aer and PennyLane rows are the CPU table's business (README); add `--backends ptm aer pennylane`
#      to BENCH_ARGS when their wheels are carried.
set -uo pipefail
out=${1:-${OUT:-gpu-check}}
mkdir -p "$out"
# carried wheels and the uninstalled checkout on PYTHONPATH (only qgnas.quantum and the registration
# in qgnas/__init__ are imported)
source benchmarks/gpu_env.sh

status=0
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, numba; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'numba', numba.__version__)"
} 2>&1 | tee "$out/machine.txt"

python3 -m pytest -p no:cacheprovider -q -m gpu tests/quantum/test_ptm.py 2>&1 | tee "$out/gpu_tests.txt" || status=1

# shellcheck disable=SC2086  # BENCH_ARGS is a list of words
python3 benchmarks/simulators.py --backends ptm --qubits 2 4 6 8 10 --batches 1 64 --cuda-batches 1 64 1024 \
    --repeats 3 --budget 10 --csv "$out/bench.csv" ${BENCH_ARGS:-} 2>&1 | tee "$out/bench.txt" || status=1
exit $status
