#!/usr/bin/env bash
# The GPU checks and benchmarks of docs/performance.md, in one go, on a machine with a CUDA GPU.
#   ALEXNET="alexnet" deploy/gpu-bench.sh            # an installed/published program
#   ALEXNET="bash .gpu/on-device.sh" deploy/gpu-bench.sh   # packed by ../shared/gpu/pack.sh
# Prints each command before its output; stops at the first failure.
set -euo pipefail
ALEXNET=${ALEXNET:-alexnet}
STEPS=${STEPS:-30}
run() { echo; echo "+ alexnet $*"; $ALEXNET "$@"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
run devices --device cuda
run bench --device cuda --steps "$STEPS" --warmup 5
run bench --device cuda --steps "$STEPS" --warmup 5 --tf32
run bench --device cuda --steps "$STEPS" --warmup 5 --towers 4
run train --device cuda --data synthetic --width 1 --crop 224 --batch 128 --epochs 1 --steps 40 --log-every 10 --loaders 4
