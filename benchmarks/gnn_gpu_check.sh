#!/usr/bin/env bash
# The graph half's GPU checks (issue 5: "CPU by default, --device cuda when present") in one command,
# for a CUDA machine without network access.
#
#   bash benchmarks/gnn_gpu_check.sh [OUTDIR]    # from the repository root; OUTDIR defaults to $OUT or ./gnn-gpu-check
#
# Needs python3 with a CUDA torch; torch-geometric, gymnasium and their needs come from .whl/
# (`bash benchmarks/gpu_wheels.sh --gnn` on a machine with network access), the Planetoid raw files
# from .data/planetoid (a copy of shared/data/planetoid; shared/ is not beside the checkout there).
#
# What it runs, writing each output to OUTDIR as well as the terminal:
#   1. the `gpu`-marked graph tests (tests/graph/test_gnn_cuda.py): every attention x aggregator and
#      every activation on CUDA, CUDA training reaching the CPU's accuracy, the evaluator on CUDA;
#   2. a 4-architecture Auto-GNN search through the CLI with --device cuda;
#   3. benchmarks/gnn_gpu.py: CPU vs CUDA seconds per epoch, and 10-seed accuracies of GAT, the
#      GraphNAS-published and our selected architectures under our trainer.
set -uo pipefail
out=${1:-${OUT:-gnn-gpu-check}}
mkdir -p "$out"
# carried wheels and the uninstalled checkout on PYTHONPATH
source benchmarks/gpu_env.sh
[[ -d .data/planetoid/Cora/raw ]] || { echo "no .data/planetoid/Cora/raw: copy shared/data/planetoid there" >&2; exit 1; }
data=$(mktemp -d)
cp -r .data/planetoid/* "$data/"
export QGNAS_TEST_PLANETOID=$PWD/.data/planetoid

status=0
{ nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv
  python3 -c "import torch, torch_geometric; print('torch', torch.__version__, 'cuda', torch.version.cuda, 'pyg', torch_geometric.__version__)"
} 2>&1 | tee "$out/machine.txt"

python3 -m pytest -p no:cacheprovider -q -m gpu tests/graph/test_gnn_cuda.py 2>&1 | tee "$out/gnn_gpu_tests.txt" || status=1

python3 -m qgnas search gnn --dataset cora --searcher autognn --budget 4 --seed 0 --device cuda \
    --data-root "$data" --out "$out/search-cuda" 2>&1 | tail -n 5 | tee "$out/search_cuda.txt" || status=1

python3 benchmarks/gnn_gpu.py --data-root "$data" --seeds 10 2>&1 | tee "$out/gnn_gpu.txt" || status=1
exit $status
