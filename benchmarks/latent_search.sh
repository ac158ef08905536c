#!/usr/bin/env bash
# The latent searchers' acceptance protocol (issue 25), fixed before any run: seeds 0..19 (NAS-Bench-Graph)
# and 0..9 (quantum), budgets 500 and 300, the encoders given by ENC_NBG, ENC_PROTEINS and ENC_CIRCUIT.
# JOBS (default 2) sets the processes; NBG_SEARCHERS the NAS-Bench-Graph searchers (default all six).
# Each command's output is written, its command line first, to OUT/<name>.txt.
#   bash benchmarks/latent_search.sh nbg|quantum OUT
set -euo pipefail
what=$1
out=$2
mkdir -p "$out"
run() {  # name, command...
  local name=$1
  shift
  { echo "\$ $*"; "$@"; } > "$out/$name.txt" 2>&1
}
export OMP_NUM_THREADS=1
if [ "$what" = nbg ]; then
  for d in cora citeseer pubmed cs physics photo computers arxiv proteins; do
    enc=$ENC_NBG
    [ "$d" = proteins ] && enc=$ENC_PROTEINS
    run "nbg-$d" qgnas bench nas-bench-graph --dataset "$d" --searchers "${NBG_SEARCHERS:-gae-bo,evolution,random,gae-rl,reinforce,bo}" \
      --budget 500 --seeds 20 --encoder "$enc" --out "runs/latent-nbg/$d" --jobs "${JOBS:-2}" --quiet
  done
elif [ "$what" = quantum ]; then
  # QUANTUM_TASKS (default all four) picks tasks, so that two invocations can share the cores;
  # QUANTUM_SEARCHERS the searchers; RESUME=1 continues runs already in runs/latent-q
  tasks=" ${QUANTUM_TASKS:-h2-noiseless h2-depolarizing ghz maxcut} "
  s=${QUANTUM_SEARCHERS:-gae-bo,random,evolution,bo,gae-rl}
  common=(--searchers "$s" --budget 300 --seeds 10 --encoder "$ENC_CIRCUIT" --max-gates 20 --jobs "${JOBS:-2}" --quiet)
  [ "${RESUME:-0}" = 1 ] && common+=(--resume)
  [[ $tasks == *" h2-noiseless "* ]] && run q-h2-noiseless qgnas bench quantum --molecule H2 --qubits 4 \
    "${common[@]}" --out runs/latent-q/h2-noiseless
  [[ $tasks == *" h2-depolarizing "* ]] && run q-h2-depolarizing qgnas bench quantum --molecule H2 --qubits 4 \
    --noise depolarizing "${common[@]}" --out runs/latent-q/h2-depolarizing
  [[ $tasks == *" ghz "* ]] && run q-ghz qgnas bench quantum --problem ghz --qubits 4 "${common[@]}" \
    --out runs/latent-q/ghz
  [[ $tasks == *" maxcut "* ]] && run q-maxcut qgnas bench quantum --problem maxcut --qubits 4 "${common[@]}" \
    --out runs/latent-q/maxcut
  true
else
  echo "usage: bash benchmarks/latent_search.sh nbg|quantum OUT" >&2
  exit 2
fi
