#!/usr/bin/env bash
# The GPU checks and benchmarks of docs/performance.md, in one go, on a machine with a CUDA GPU.
#   ALEXNET="alexnet" deploy/gpu-bench.sh            # an installed/published program
#   ALEXNET="bash .gpu/on-device.sh" deploy/gpu-bench.sh   # packed by ../shared/gpu/pack.sh
# With PHOTOS=DIR (JPEG/PNG files; e.g. a few of Debian's mate-backgrounds copied into .gpu/photos
# before carrying .gpu) it also measures the loaders on that machine's cores (bench-loader, and the
# loader-process sweep of bench --cluster).
# Prints each command before its output; stops at the first failure. Estimated 5-6 minutes on an H200
# (STEPS=30: each variant trains 5 + 30 steps twice; most of the time is start-up and weight init).
set -euo pipefail
ALEXNET=${ALEXNET:-alexnet}
STEPS=${STEPS:-30}
run() { echo; echo "+ alexnet $*"; $ALEXNET "$@"; }
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader
run devices --device cuda
# The speed variants in one process (one CUDA start-up): one line each, relative to the fp32
# reference; fp32 again at the end shows how much the order of the variants itself moves the figures.
run bench --device cuda --steps "$STEPS" --warmup 5 \
    --variants fp32,tf32,channels-last,bf16,fp16,unpinned,tf32+channels-last+bf16,fp32
run bench --device cuda --steps "$STEPS" --warmup 5 --towers 4
run train --device cuda --data synthetic --width 1 --crop 224 --batch 128 --epochs 1 --steps 40 --log-every 10 --loaders 4
# fp16 on the paper's network: where the dynamic loss scale settles and how many steps it skips.
run train --device cuda --data synthetic --width 1 --crop 224 --batch 128 --epochs 1 --steps 40 --log-every 10 --loaders 4 --precision fp16
# The data feed on this machine's cores: crops per core, and what the loader actors deliver
# with and without the buffer pool (docs/performance.md, "Data feed").
if [ -n "${PHOTOS:-}" ]; then
  run bench-loader --data "$PHOTOS" --shrink-to 500 --seconds 1 --rounds 3
  # 1, 2, 3 loader processes on loopback, on cores the coordinator and the tower do not need (which
  # a 2-core box cannot show): what more loader nodes deliver from JPEG shards.
  run bench --cluster --loader-sweep 1,2,3 --data "$PHOTOS" --steps 10 --warmup 2
fi
