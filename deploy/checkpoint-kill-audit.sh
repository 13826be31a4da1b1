#!/usr/bin/env bash
# SIGKILL a `train` run at random moments, many times, while it writes a checkpoint after every step,
# resume it each time with the same command, and check that it ends exactly where a run that was never
# killed ends. What it shows: a checkpoint is whole or absent whatever instant the process dies (it is
# written in a hidden staging folder and published by one rename), no kill leaves a checkpoint that a
# resume must skip, and resuming computes the same weights bit for bit.
#
#   deploy/checkpoint-kill-audit.sh [DIR]       (default DIR: a new temporary folder)
#
# Settings (environment): ALEXNET (default: the Release build of src/AlexNet.Cli), KILLS (25),
# SEED (7: the kill times; printed, so a failure can be replayed), WIDTH (1: the paper's network, whose
# checkpoint with momentum is 435 MB at 10 classes, so that about a third of the kills land in a write),
# CROP (224), BATCH (4), STEPS (30), LR (0.0005: batch 4 diverges at the paper's 0.01), MAX_S (4: each
# run is killed at a random moment within MAX_S seconds of its first logged step; one in five is killed
# instead within 3 s of its start, while it reads and verifies the checkpoint it resumes from).
# Takes about 5 minutes on 2 cores and 4 GB of disk. Exit 0 when every check held.
set -uo pipefail
cd "$(dirname "$0")/.."
ALEXNET=${ALEXNET:-src/AlexNet.Cli/bin/Release/net10.0/alexnet}
KILLS=${KILLS:-25} SEED=${SEED:-7} WIDTH=${WIDTH:-1} CROP=${CROP:-224} BATCH=${BATCH:-4} STEPS=${STEPS:-30} LR=${LR:-0.0005}
MAX_S=${MAX_S:-4}
DIR=${1:-$(mktemp -d -t checkpoint-kill-audit.XXXXXX)}
mkdir -p "$DIR"
args=(train --data synthetic --width "$WIDTH" --crop "$CROP" --classes 10 --batch "$BATCH" --lr "$LR" --steps "$STEPS"
      --checkpoint-every 1 --log-every 1 --loaders 1 --live off)
undisturbed=$DIR/undisturbed killed=$DIR/killed
rm -rf "$undisturbed" "$killed"
final=$(printf 'step-%09d' "$STEPS")
failures=0
fail() { echo "FAILED: $*"; failures=$((failures + 1)); }
resumed_from() { grep -o 'resuming from [^ ]*' "$1" | head -1 | awk '{ print $3 }' | xargs -r basename; }
staging() { ls -d "$killed"/.staging-* 2>/dev/null | xargs -r -n1 basename | sort | tr '\n' ' '; }

echo "$(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; alexnet ${args[*]}; kills $KILLS, seed $SEED, in $DIR"
start=$SECONDS
"$ALEXNET" "${args[@]}" --checkpoint-dir "$undisturbed" > "$DIR/undisturbed.log" 2>&1 || fail "the undisturbed run (see $DIR/undisturbed.log)"
echo "undisturbed run: $((SECONDS - start)) s"

RANDOM=$SEED
kills=0 in_write=0
for i in $(seq 1 "$KILLS"); do
  before=$(staging)
  "$ALEXNET" "${args[@]}" --checkpoint-dir "$killed" > "$DIR/run-$i.log" 2>&1 &
  pid=$!
  started=$SECONDS
  if (( RANDOM % 5 == 0 )); then
    when="of its start"; limit=3
  else
    when="of its first step"; limit=$MAX_S
    while kill -0 "$pid" 2>/dev/null && ! grep -qs "^step " "$DIR/run-$i.log"; do sleep 0.1; done
  fi
  delay=$(awk -v r=$RANDOM -v b="$limit" 'BEGIN { printf "%.2f", r / 32767 * b }')
  sleep "$delay"
  if ! kill -0 "$pid" 2>/dev/null; then
    wait "$pid"; echo "run $i: ended before its kill (exit $?)"; break
  fi
  kill -9 "$pid"; wait "$pid" 2>/dev/null
  kills=$((kills + 1))
  after=$(staging)
  # A staging folder that was not there before this run: the kill landed while a checkpoint was written.
  caught=""
  if [[ -n "$after" && "$after" != "$before" ]]; then caught=" (in the write of ${after% })"; in_write=$((in_write + 1)); fi
  from=$(resumed_from "$DIR/run-$i.log")
  last=$(grep '^step ' "$DIR/run-$i.log" | tail -1 | awk '{ print $2 }')
  echo "run $i: SIGKILL ${delay} s $when ($((SECONDS - started)) s in all)${caught}; resumed from ${from:-nothing yet}; last step logged ${last:-none}; kept: $(cd "$killed" 2>/dev/null && ls -d step-* 2>/dev/null | tr '\n' ' ')"
done

"$ALEXNET" "${args[@]}" --checkpoint-dir "$killed" > "$DIR/final.log" 2>&1 || fail "the last run (see $DIR/final.log)"
echo "last run: resumed from $(resumed_from "$DIR/final.log")"
# Every checkpoint a resume looked at was whole: none was skipped as damaged or partial.
if grep -l "is not usable" "$DIR"/run-*.log "$DIR/final.log" 2>/dev/null; then fail "a resume found an unusable checkpoint (files above)"; fi
for f in tower-0.safetensors tower-1.safetensors; do
  a=$(sha256sum "$undisturbed/$final/$f" 2>/dev/null | cut -c1-16) b=$(sha256sum "$killed/$final/$f" 2>/dev/null | cut -c1-16)
  if [[ -n "$a" && "$a" == "$b" ]]; then echo "$final/$f: identical ($a)"; else fail "$final/$f differs: undisturbed ${a:-missing}, killed ${b:-missing}"; fi
done
echo "kills: $kills, $in_write of them during a checkpoint write; $((SECONDS - start)) s in all"
(( failures == 0 )) && echo "result: every check held" || echo "result: $failures check(s) failed"
(( failures == 0 ))
