#!/usr/bin/env bash
# The CPU figures of docs/performance.md, in one go, on a quiet machine.
#   deploy/cpu-bench.sh [ALEXNET]      (default: the Release build of src/AlexNet.Cli)
# Prints each command before its output; stops at the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ALEXNET=${1:-src/AlexNet.Cli/bin/Release/net10.0/alexnet}
run() { echo; echo "+ alexnet $*"; "$ALEXNET" "$@"; }
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
run bench                                                   # the paper's network, K=2, batch 128
run bench --towers 4 --steps 2
run bench --width 0.25 --crop 64 --classes 10 --steps 30 --warmup 3
run bench-loader --data /usr/share/backgrounds/mate --shrink-to 500 --seconds 3 --rounds 3
run bench --cluster --steps 20 --warmup 3 --threads 1
