#!/usr/bin/env bash
# Memory over a long run: does any process grow with the steps? A 90-epoch ImageNet run is about 900,000
# steps at batch 128, so a leak of 1 KB a step would cost 0.9 GB by the end. This trains the small
# network for many steps (epochs of 64 steps, each with its validation and checkpoint) and samples every
# process's resident memory (VmRSS) against the step reached, then fits a line to the last three quarters
# of the samples (after warm-up: JIT, allocator pools, the pixel-buffer pool; the page cache of the
# checkpoints is not in RSS) and prints the growth per 1,000 steps.
#
#   deploy/memory-soak.sh train   [DIR]    one `alexnet train` process (default)
#   deploy/memory-soak.sh cluster [DIR]    deploy/local-cluster.sh: coordinator, 2 tower nodes, 1 loader node
#
# Settings (environment): ALEXNET (default: the Release build of src/AlexNet.Cli), STEPS (6000 for train,
# 12000 for cluster), BATCH (32), EVERY (5: seconds between samples), PORT (5490, cluster).
# Takes about 6 minutes (train) or 11 (cluster) on 2 cores. Prints a table of samples and, per process,
# the RSS where the fit starts and at the end, the fitted growth, and the mean RSS of each fifth of the
# run. Exit 0 when every run ended well (it does not judge the growth: read the figures).
set -uo pipefail
cd "$(dirname "$0")/.."
mode=${1:-train}
DIR=${2:-$(mktemp -d -t memory-soak.XXXXXX)}
ALEXNET=${ALEXNET:-src/AlexNet.Cli/bin/Release/net10.0/alexnet}
BATCH=${BATCH:-32} EVERY=${EVERY:-5} PORT=${PORT:-5490}
case "$mode" in
  train) STEPS=${STEPS:-6000} ;;
  cluster) STEPS=${STEPS:-12000} ;;
  *) echo "memory-soak.sh: train or cluster, not '$mode'" >&2; exit 2 ;;
esac
mkdir -p "$DIR"; DIR=$(cd "$DIR" && pwd)
rm -rf "$DIR/ck" "$DIR/samples.tsv"
opts=(--data synthetic --width 0.25 --crop 64 --classes 10 --batch "$BATCH" --steps "$STEPS" --epochs 100000 --threads 1
      --log-every 50 --checkpoint-dir "$DIR/ck" --checkpoint-every 500)
echo "$(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; $mode, ${opts[*]}; in $DIR"

declare -A pids
if [[ $mode == train ]]; then
  "$ALEXNET" train "${opts[@]}" --live off > "$DIR/train.log" 2>&1 &
  pids[train]=$!
  log=$DIR/train.log
else
  ALEXNET="$ALEXNET" deploy/local-cluster.sh start --towers 2 --loaders 1 --port "$PORT" --dir "$DIR" -- "${opts[@]}" > /dev/null || exit 1
  for f in "$DIR"/*.pid; do n=$(basename "$f" .pid); pids[$n]=$(cat "$f"); done
  log=$DIR/coordinator.log
fi
names=$(printf '%s\n' "${!pids[@]}" | sort | tr '\n' ' ')

alive() { for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && [[ "$(awk '{print $3}' "/proc/$p/stat" 2>/dev/null)" != Z ]] && return 0; done; return 1; }
rss_mb() { awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo -; }
printf 'seconds\tstep' > "$DIR/samples.tsv"; for n in $names; do printf '\t%s' "$n" >> "$DIR/samples.tsv"; done; echo >> "$DIR/samples.tsv"
start=$SECONDS
while alive; do
  step=$(grep -E '^step +[0-9]+' "$log" 2>/dev/null | tail -1 | awk '{ print $2 }')
  if [[ -n "$step" ]]; then
    line="$((SECONDS - start))\t$step"
    for n in $names; do line+="\t$(rss_mb "${pids[$n]}")"; done
    echo -e "$line" >> "$DIR/samples.tsv"
  fi
  sleep "$EVERY"
done
status=0
if [[ $mode == train ]]; then
  wait "${pids[train]}" || status=$?
else
  ALEXNET="$ALEXNET" deploy/local-cluster.sh wait --dir "$DIR" > /dev/null || status=$?
fi
echo "ended after $((SECONDS - start)) s, exit $status; $(grep -E '^(alexnet|finished)' "$log" | tail -1)"
column -t "$DIR/samples.tsv" | awk 'NR == 1 || NR % 6 == 2'   # every sixth sample
# Per process: least-squares slope of RSS (MB) against the step, over the last three quarters of the samples.
awk -F'\t' '
  NR == 1 { for (i = 3; i <= NF; i++) name[i] = $i; cols = NF; next }
  { n++; for (i = 2; i <= cols; i++) v[n, i] = $i }
  END {
    if (n < 4) { print "too few samples"; exit }
    from = int(n / 4) + 1
    printf "\nfitted over steps %d..%d (%d samples):\n", v[from, 2], v[n, 2], n - from + 1
    for (i = 3; i <= cols; i++) {
      sx = sy = sxx = sxy = m = 0
      for (j = from; j <= n; j++) { if (v[j, i] == "-") continue; x = v[j, 2]; y = v[j, i]; m++; sx += x; sy += y; sxx += x * x; sxy += x * y }
      if (m < 2 || m * sxx == sx * sx) { printf "  %-12s no fit\n", name[i]; continue }
      slope = (m * sxy - sx * sy) / (m * sxx - sx * sx)
      printf "  %-12s RSS %5s MB at step %6d, %5s MB at step %6d: %+.2f MB per 1,000 steps\n", name[i], v[from, i], v[from, 2], v[n, i], v[n, 2], slope * 1000
    }
    # A line fitted to a rise that levels off (allocator arenas, pools filling) overstates a leak: the mean
    # of each fifth of the run shows whether the growth goes on to the end.
    printf "\nmean RSS (MB) in each fifth of the run:\n  %-12s", "steps up to"
    for (f = 1; f <= 5; f++) printf " %7d", v[int(n * f / 5), 2]
    printf "\n"
    for (i = 3; i <= cols; i++) {
      printf "  %-12s", name[i]
      for (f = 1; f <= 5; f++) {
        sum = m = 0
        for (j = int(n * (f - 1) / 5) + 1; j <= int(n * f / 5); j++) if (v[j, i] != "-") { sum += v[j, i]; m++ }
        printf " %7.0f", m ? sum / m : 0
      }
      printf "\n"
    }
  }' "$DIR/samples.tsv"
exit "$status"
