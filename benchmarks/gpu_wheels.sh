#!/usr/bin/env bash
# Download, on a machine with network access, the wheels benchmarks/gpu_check.sh needs on a GPU machine
# without it, into .whl/ (keep that folder out of git: `echo /.whl/ >> .git/info/exclude`).
#
#   bash benchmarks/gpu_wheels.sh            # what the gpu checks import: gymnasium and its one missing need
#   bash benchmarks/gpu_wheels.sh --aer      # also qiskit, qiskit-aer and their needs, for Aer rows in the same run
#   bash benchmarks/gpu_wheels.sh --gnn      # also torch-geometric and its needs, for benchmarks/gnn_gpu_check.sh
#
# PYVER (default 3.12) is the GPU machine's Python. The versions are pinned to what this project's CPU
# environment runs, so both sides compute with the same code.
set -euo pipefail
pyver=${PYVER:-3.12}
wheels=(gymnasium==1.4.0 farama-notifications==0.0.6)
for opt in "$@"; do
    case $opt in
        --aer) wheels+=(qiskit==2.6.2 qiskit-aer==0.18.2 rustworkx==0.18.1 stevedore==5.10.0 dill==0.4.1) ;;
        --gnn) wheels+=(torch-geometric==2.8.1 fsspec==2026.9.0 jinja2==3.1.6 markupsafe==3.0.3 psutil==7.2.2
                        pyparsing==3.3.2 requests==2.34.2 urllib3==2.7.0 idna==3.13 charset-normalizer==3.4.7
                        certifi==2026.5.20 tqdm==4.70.1 xxhash==4.1.0 pyyaml==6.0.3) ;;
        *) echo "unknown option $opt (allowed: --aer, --gnn)" >&2; exit 2 ;;
    esac
done
mkdir -p .whl
for w in "${wheels[@]}"; do
    python3 -m pip download -q --no-deps --only-binary=:all: --python-version "$pyver" --implementation cp \
        --platform manylinux_2_28_x86_64 --platform manylinux_2_27_x86_64 --platform manylinux_2_17_x86_64 \
        --platform manylinux2014_x86_64 --platform manylinux1_x86_64 --platform any -d .whl "$w"
done
du -sh .whl
