#!/usr/bin/env bash
# The GPU checks and benchmarks of docs/performance.md, in one go, on a machine with a CUDA GPU.
#   ALEXNET="alexnet" deploy/gpu-bench.sh                    # an installed/published program
#   ALEXNET="bash .gpu/on-device.sh" deploy/gpu-bench.sh     # packed by ../shared/gpu/pack.sh
# With PHOTOS=DIR (JPEG/PNG files) it also measures the loaders on that machine's cores (bench-loader,
# and the loader-process sweep of bench --cluster).
#
# On the lent H200, prepared here (the device takes 64 MiB in all: .gpu is ~39 MB, so only small photos):
#   ../shared/gpu/pack.sh src/AlexNet.Cli -p:AlexNetBringYourOwnLibTorch=true
#   mkdir -p .gpu/photos && find /usr/share/backgrounds/mate -name '*.jpg' -size -1300k -exec cp {} .gpu/photos/ \;
# then one device call, carry [".gpu"], timeout_s 590 (this script ends within BUDGET, below):
#   ALEXNET="bash .gpu/on-device.sh" PHOTOS=.gpu/photos bash deploy/gpu-bench.sh
#
# Every command runs whatever happened to the one before (a device call is too short to lose the
# rest to one failure). Each command's whole output goes to its own file in $OUT (the device tool's
# output folder) or, without OUT, in a temporary folder; at most 8 files, which is all the device
# tool brings back, so do not tee the script's own output into $OUT as well. The end is a summary:
# each command, its exit status and time, and its figure lines (also in $OUT/summary.txt). Exit
# status: 0 when every command succeeded, else 1.
#
# Time: a budget of BUDGET seconds (default 480, inside the device's 10 minutes a call) for all the
# commands; each has its own limit too (timeout), and one that would start with under 20 s left is
# reported as skipped, so the summary always comes. Estimated 4-6 minutes on an H200 (not measured
# there yet): each start costs ~10 s (the packed runtime unpacked, PyTorch imported twice by
# on-device.sh, libtorch_cuda and the CUDA context loaded); bench trains 5 + 30 steps twice per
# variant (about 1.2 s of GPU work at the 7,700 images/s measured before), most of each variant
# being weight init on the CPU (61 M draws, twice); each train run generates its synthetic images on
# the CPU (~2 ms each, 4 loaders). The same commands took 3 min on this 2-core CPU for the dry run
# below, 58 s of it bench-loader and 48-77 s the loader sweep, which the H200's cores will not slow.
# Most important first: if time runs out, the loader figures are what is lost.
#
# A dry run of every command line on the CPU, with tiny work (2 cores: about 3 minutes):
#   DEVICE=cpu STEPS=1 WARMUP=1 WIDTH=0.25 CROP=64 CLASSES=10 TRAIN_STEPS=4 PHOTOS=/usr/share/backgrounds/mate \
#     ALEXNET=src/AlexNet.Cli/bin/Release/net10.0/alexnet bash deploy/gpu-bench.sh
# There tf32 and unpinned change nothing (bench says so); fp16 runs, slowly (no CPU fp16 kernels).
set -uo pipefail
ALEXNET=${ALEXNET:-alexnet}
DEVICE=${DEVICE:-cuda}
STEPS=${STEPS:-30}            # bench: timed steps per variant (after WARMUP)
WARMUP=${WARMUP:-5}
WIDTH=${WIDTH:-1}             # the paper's network by default: width 1, 224x224 crops, 1000 classes
CROP=${CROP:-224}
CLASSES=${CLASSES:-1000}
BATCH=${BATCH:-128}
TRAIN_STEPS=${TRAIN_STEPS:-40}
BUDGET=${BUDGET:-480}
LOGS=${OUT:-$(mktemp -d -t gpu-bench.XXXXXX)}
mkdir -p "$LOGS"
model=(--width "$WIDTH" --crop "$CROP" --batch "$BATCH")
# Synthetic training set: 2,048 images, so a train run of TRAIN_STEPS steps of BATCH spans epochs.
epochs=$(( (TRAIN_STEPS * BATCH + 2047) / 2048 ))

names=() statuses=() seconds=() files=()
n=0

# run NAME LIMIT_SECONDS PATTERN ARGS...: runs `$ALEXNET ARGS...` with its output on the screen and
# in $LOGS/NN-NAME.log; records its exit status (124: its limit or the budget ran out) and time;
# PATTERN (grep -E) picks the lines the summary quotes.
run() {
  local name=$1 limit=$2 pattern=$3; shift 3
  n=$((n + 1))
  local file
  file=$(printf '%s/%02d-%s.log' "$LOGS" "$n" "$name")
  local left=$((BUDGET - SECONDS))
  (( limit > left )) && limit=$left
  names+=("$name: alexnet $*") files+=("$file|$pattern")
  echo
  if (( limit < 20 )); then
    echo "+ alexnet $*: skipped, ${left}s of the ${BUDGET}s budget left" | tee "$file"
    statuses+=(skipped) seconds+=(0)
    return
  fi
  echo "+ alexnet $*   (limit ${limit}s)" | tee "$file"
  local start=$SECONDS rc
  if command -v timeout >/dev/null; then
    timeout -k 15 "$limit" $ALEXNET "$@" 2>&1 | tee -a "$file"; rc=${PIPESTATUS[0]}
  else
    $ALEXNET "$@" 2>&1 | tee -a "$file"; rc=${PIPESTATUS[0]}
  fi
  (( rc == 124 || rc == 137 )) && echo "(stopped at its limit of ${limit}s)" | tee -a "$file"
  statuses+=("$rc") seconds+=($((SECONDS - start)))
}

gpu=$(command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>&1)
[ -n "$gpu" ] && echo "gpu: $gpu"
run devices 60 '^(libtorch|cuda|selected):' devices --device "$DEVICE"
# The speed variants in one process (one CUDA start-up): one line each, relative to the fp32
# reference; fp32 again at the end shows how much the order of the variants itself moves the figures.
run bench-variants 300 '^(bench:|variant )' bench --device "$DEVICE" --steps "$STEPS" --warmup "$WARMUP" "${model[@]}" --classes "$CLASSES" \
    --variants fp32,tf32,channels-last,bf16,fp16,unpinned,tf32+channels-last+bf16,fp32
run bench-towers-4 150 '^(reference|actors) \(|throughput ratio' bench --device "$DEVICE" --steps "$STEPS" --warmup "$WARMUP" "${model[@]}" --classes "$CLASSES" --towers 4
run train-fp32 150 '^(epoch|finished:)' train --device "$DEVICE" --data synthetic "${model[@]}" \
    --epochs "$epochs" --steps "$TRAIN_STEPS" --log-every 10 --loaders 4
# fp16 on the paper's network: where the dynamic loss scale settles and how many steps it skips.
run train-fp16 150 '^(epoch|finished:)' train --device "$DEVICE" --data synthetic "${model[@]}" \
    --epochs "$epochs" --steps "$TRAIN_STEPS" --log-every 10 --loaders 4 --precision fp16
# The data feed on this machine's cores: crops per core, and what the loader actors deliver
# with and without the buffer pool (docs/performance.md, "Data feed").
if [ -n "${PHOTOS:-}" ]; then
  run bench-loader 120 'images/s|records/s|^\(' bench-loader --data "$PHOTOS" --shrink-to 500 --seconds 1 --rounds 3
  # 1, 2, 3 loader processes on loopback, on cores the coordinator and the tower do not need (which
  # a 2-core box cannot show): what more loader nodes deliver from JPEG shards.
  run loader-sweep 180 'loader process' bench --cluster --loader-sweep 1,2,3 --data "$PHOTOS" --steps 10 --warmup 2
fi

# The summary: what each command did and its figures (for a failure, its last lines).
failed=0
for rc in "${statuses[@]}"; do [ "$rc" = 0 ] || failed=1; done
{
  echo
  echo "== gpu-bench summary: device $DEVICE, width $WIDTH, crop $CROP, batch $BATCH, $STEPS timed steps; ${SECONDS}s of ${BUDGET}s; logs in $LOGS =="
  [ -n "$gpu" ] && echo "gpu: $gpu"
  for i in "${!names[@]}"; do
    file=${files[$i]%%|*} pattern=${files[$i]#*|} rc=${statuses[$i]}
    case $rc in 0) verdict=ok ;; skipped) verdict=SKIPPED ;; *) verdict=FAILED ;; esac
    printf '[%s rc=%s %ss] %s\n' "$verdict" "$rc" "${seconds[$i]}" "${names[$i]}"
    # Its figure lines (bench --variants keeps measuring after a failed variant), for a train run
    # also its last step line (fp16: the loss scale reached, steps skipped), and for a failure the
    # last lines of its output.
    { grep -E "$pattern" "$file"; grep '^step ' "$file" | tail -1; } | sed 's/^/    /'
    [ "$rc" = 0 ] || [ "$rc" = skipped ] || tail -n +2 "$file" | tail -n 4 | sed 's/^/    | /'
  done
} | tee "$LOGS/summary.txt"
exit "$failed"
