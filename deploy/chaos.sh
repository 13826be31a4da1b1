#!/usr/bin/env bash
# A chaos soak of the cluster's fault tolerance, on this machine: a cluster started with
# deploy/local-cluster.sh trains a tiny model while this script crashes (SIGKILL), drains (SIGTERM) and
# restarts its tower and loader nodes (and, with --standby, the coordinator node that hosts the run) at
# random; then it trains the same run undisturbed with `alexnet train` and checks that both computed exactly
# the same weights.
#
#   deploy/chaos.sh [--steps N] [--seed S] [--dir DIR] [--port P] [--spare] [--standby] [--gap MIN-MAX]
#                   [--delay MAX] [--patience SEC] [--train-seed T]
#
#   --steps N       steps of the run (600)
#   --seed S        seed of the disturbances (default: drawn and printed). The same seed draws the same
#                   disturbances, targets, gaps and delays again; the steps they land on vary with the
#                   machine's load, so a failure is replayed in kind, not to the millisecond
#   --dir DIR       everything goes here, emptied first (/tmp/alexnet-chaos): the nodes' logs, ck/ (the
#                   run's checkpoints, ck/run/metrics.csv), undisturbed/ (the comparison run), chaos.log
#                   (this script's output), coordinator.timed (the coordinator nodes' logs, every incarnation,
#                   with the time each line arrived)
#   --port P        the coordinator's Akka.Remote port (4153; with --standby the standby's is P+1)
#   --spare         start a spare tower node too (3 tower nodes for a 2-tower model)
#   --standby       start a standby coordinator node too (local-cluster.sh start --standby: coordinator-b on P+1),
#                   and disturb the coordinator node that hosts the run as well (coord-kill, coord-drain below)
#   --gap MIN-MAX   seconds from training again after one disturbance to the next (5-30)
#   --delay MAX     a stopped node is restarted after 0 to MAX seconds (15)
#   --patience SEC  how long the run may take to train again after a disturbance before the soak fails (240)
#   --train-seed T  the training seed (7)
#
# The cluster: a coordinator node, 2 tower nodes (one CPU tower each, one intra-op thread), 2 loader nodes
# and, with --spare, a spare tower node; model width 0.25, crop 64, batch 16, synthetic data, a checkpoint
# every 20 steps, every step logged; with --standby a second coordinator node. Without --standby the
# coordinator's node is never disturbed (nothing could take the run over). One disturbance at a time, each
# after a random gap once the run trains again:
#   tower-kill    SIGKILL a tower node (of the run or the spare), restart it after a random delay
#   tower-drain   SIGTERM a tower node (the run is checkpointed before it leaves), restart it likewise
#   loader-kill, loader-drain   the same for a loader node
#   add-spare     one more tower node, when 2 are running; scale-down: drain one of 3 for good
#   double        two of the first four on different nodes, 0-3 s apart
#   coord-kill    (--standby) SIGKILL the coordinator node that hosts the run (the one whose current log has
#                 "waiting for 2 tower(s)": a run host started there); the other takes the run over (found
#                 unreachable, downed, the singleton moves: about 24 s) and resumes from the newest checkpoint.
#                 The killed node is restarted after a random delay and joins through the other, as the standby
#   coord-drain   (--standby) SIGTERM it instead: it checkpoints the step in progress, hands over and exits 143
#                 (0 if the run finished meanwhile); the other resumes from that checkpoint; restarted likewise
#   With --standby, 24 % of the draws are one of these two, made only once the other coordinator node has been
#   enlisted by the run host ("coordinator node ... joined: it would take the run over"); otherwise none is drawn.
#   A coordinator node found exited while the run goes on (a restarted one that could not join) is started again
#   before the next disturbance, as a supervisor would; its exit 1 still fails the soak.
# Each is printed with its time, the step it landed on and how long the run paused (from the first signal
# to the first step trained after the run resumed; for a disturbance that did not pause it, to the next step).
#
# Checks, exit 0 only when all hold: the run finished all N steps (on whichever coordinator node); the run
# trained again within PATIENCE after every disturbance; every node exited 0, or 137 (SIGKILL) / 143 (SIGTERM)
# where this script killed or drained it (a drained node, coordinator nodes included, exits 143 once it has left;
# one whose last line says the run finished: 0 or 143), and none was left running (a node restarted after the run
# had finished may exit 1, "could not join" or "this node was downed": a note); every step 1..N appears exactly once in
# DIR/ck/run/metrics.csv; and the final checkpoint's tower-*.safetensors have the same SHA-256 as those of
# the undisturbed run (IDENTICAL). Exit 1 otherwise (the summary says which check failed), 2 for bad usage.
#
# How long: on this 2-core machine (shared), 2026-11-30, beside other work (load average 12-19): --standby
# --steps 12000 trained for 568 s and 820 s disturbed (15-21 steps/s, pauses included), and the undisturbed run
# afterwards took 340-350 s; --steps 600 is over in about a minute, too soon for many disturbances. Runs at most
# one cluster: don't start two at once on the same --port (with --standby, P+1 too) or --dir.
#
# The program: $ALEXNET if set (a command), else the Release build of this checkout, as local-cluster.sh.
set -uo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
steps=600; seed=""; dir=/tmp/alexnet-chaos; port=4153; spare=0; standby=0; gap_min=5; gap_max=30; delay_max=15; patience=240; train_seed=7
while [[ $# -gt 0 ]]; do
  case "$1" in
    --steps) steps="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --spare) spare=1; shift ;;
    --standby) standby=1; shift ;;
    --gap) gap_min="${2%-*}"; gap_max="${2#*-}"; shift 2 ;;
    --delay) delay_max="$2"; shift 2 ;;
    --patience) patience="$2"; shift 2 ;;
    --train-seed) train_seed="$2"; shift 2 ;;
    *) echo "chaos.sh: unknown option $1 (see the comment at the top of this script)" >&2; exit 2 ;;
  esac
done
[[ -n "$seed" ]] || seed=$(( $(date +%s%N) / 1000 % 100000 ))
RANDOM=$seed # every draw below comes from this, in the main shell (a $(...) subshell's draw is lost)

if [[ -n "${ALEXNET:-}" ]]; then
  read -r -a program <<< "$ALEXNET"
else
  dll="$repo/src/AlexNet.Cli/bin/Release/net10.0/alexnet.dll"
  [[ -f "$dll" ]] || { echo "chaos.sh: $dll not found: run 'dotnet build AlexNet.Actors.sln -c Release' first, or set ALEXNET" >&2; exit 2; }
  program=(dotnet "$dll")
fi

# The run's training options, the same for the cluster and the undisturbed run.
# --epochs: enough that --steps ends the run (synthetic data has 128 batches of 16 an epoch, and a preset 8 epochs).
training=(--data synthetic --batch 16 --width 0.25 --crop 64 --threads 1 --seed "$train_seed" --steps "$steps" --epochs 100000
          --log-every 1 --checkpoint-every 20)
# Only for the nodes: enough recoveries for any soak, and a node restarted as the run ends gives up joining soon.
node_only=(--max-restarts 100000 --join-timeout 60s)

for c in "$dir"/coordinator*.pid; do
  if [[ -f "$c" ]] && kill -0 "$(cat "$c")" 2>/dev/null; then
    echo "chaos.sh: a cluster is still running in $dir ('deploy/local-cluster.sh stop --dir $dir')" >&2; exit 2
  fi
done
rm -rf "$dir"; mkdir -p "$dir"; dir="$(cd "$dir" && pwd)"
exec > >(tee -a "$dir/chaos.log") 2>&1

cluster() { "$here/local-cluster.sh" "$@" --dir "$dir"; }
now() { echo "$EPOCHREALTIME"; }
clock() { date -d "@$1" +%T.%3N; }
say() { echo "[$(date +%T.%3N)] $*"; }
# running NAME: its process is there (the pid file names the node itself; its parent shell reaps it at once)
running() { [[ -f "$dir/$1.pid" ]] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }
coordinators=(coordinator); [[ $standby == 1 ]] && coordinators+=(coordinator-b)
declare -A coordinator_port=([coordinator]=$port [coordinator-b]=$((port + 1)))
# coordinator_up: a coordinator node is running (the run has not ended)
coordinator_up() { local c; for c in "${coordinators[@]}"; do running "$c" && return 0; done; return 1; }
# follow NAME SINCE: append the coordinator node's log (this incarnation's, started at SINCE), a time per line,
# to coordinator.timed. -f follows the open file, so a restart that renames the log does not cut it; --pid ends
# it with the node.
declare -A coordinator_started=()
follow() {
  coordinator_started[$1]=$2
  tail -n +1 -f --pid="$(cat "$dir/$1.pid")" "$dir/$1.log" 2>/dev/null |
    while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done >> "$dir/coordinator.timed" &
}
# host: the running coordinator node that hosts the run (a run host started in this incarnation: its log
# says "waiting for ... to join"; the run host stays on a node until it goes away); empty if none
host() {
  local c
  for c in "${coordinators[@]}"; do
    running "$c" && grep -qE "^waiting for [0-9]+ tower\(s\) and at least one loader to join" "$dir/$c.log" && { echo "$c"; return; }
  done
}
# standby_ready HOST: the other coordinator node runs and the run host enlisted it since it was (re)started
standby_ready() {
  local c
  for c in "${coordinators[@]}"; do
    [[ "$c" == "$1" ]] && continue
    running "$c" || return 1
    awk -v t="${coordinator_started[$c]}" -v a="coordinator node akka.tcp://alexnet@127.0.0.1:${coordinator_port[$c]} joined" \
      '$1 > t && index($0, a) { found = 1; exit } END { exit !found }' "$dir/coordinator.timed" || return 1
  done
}
nodes_running() { local p n; for p in "$dir"/$1-*.pid; do [[ -e "$p" ]] || continue; n="$(basename "$p" .pid)"; running "$n" && echo "$n"; done; }
# rnd A B: a whole number from A to B in R
rnd() { R=$(( $1 + RANDOM % ($2 - $1 + 1) )); }
last_step() { awk '$2 == "step" && $3 ~ /^[0-9]+$/ { s = $3 } END { print s + 0 }' "$dir/coordinator.timed"; }

# signal_node KILL|TERM NAME: kill or drain one node; its pid and the exit code that signal gives are noted.
# A drained node whose run finished while it was leaving (a leave waits for any unreachable member to be
# downed, up to 10 s) ends as the other nodes do, with 0 and "the run ended: finished" (a coordinator node
# that hosted the run: "finished"); either code is then expected ("PID 143 0"): a SIGTERM that lands once
# the node has printed that line, as it exits, still makes the process exit 143 (seen at the end of a soak).
signal_node() {
  local pid; pid="$(cat "$dir/$2.pid")"
  if [[ "$1" == KILL ]]; then echo "$pid 137" >> "$dir/signalled"; cluster kill "$2"
  else
    cluster drain "$2"
    if tail -n 1 "$dir/$2.log" | grep -qE "^alexnet node: (the run ended: )?finished"; then echo "$pid 143 0" >> "$dir/signalled"
    else echo "$pid 143" >> "$dir/signalled"; fi
  fi
}

# restart_node NAME: start it again. Noted for the checks: "PID TIME" in DIR/started (when this process was
# started) and "PID LOG" in DIR/logs (where the previous process's log went: NAME.log.TIME).
restart_node() {
  if ! coordinator_up; then say "$1 not restarted: the run has ended"; return; fi
  local at old; at=$(now); old="$(cat "$dir/$1.pid")"
  cluster restart "$1" || return
  echo "$old $(ls "$dir/$1".log.[0-9]* | sort | tail -n 1)" >> "$dir/logs" # NAME.log.MILLISECONDS: the newest is the last
  echo "$(cat "$dir/$1.pid") $at" >> "$dir/started"
  [[ "$1" == coordinator* ]] && follow "$1" "$at"
}
# log_of PID NAME: that process's log
log_of() { local l; l="$(awk -v p="$1" '$1 == p { print $2 }' "$dir/logs" 2>/dev/null)"; echo "${l:-$dir/$2.log}"; }

# disturb KIND NODE DELAY: one disturbance, start to end (the restart included)
disturb() {
  case "$1" in
    tower-kill|loader-kill) signal_node KILL "$2"; say "restarting $2 in $3 s"; sleep "$3"; restart_node "$2" ;;
    tower-drain|loader-drain|coord-drain) signal_node TERM "$2"; say "restarting $2 in $3 s"; sleep "$3"; restart_node "$2" ;;
    coord-kill) signal_node KILL "$2"; say "restarting $2 in $3 s"; sleep "$3"; restart_node "$2" ;;
    scale-down) signal_node TERM "$2" ;;
    add-spare) cluster add-tower ;;
  esac
}

# pick KIND [EXCEPT]: a node for a basic disturbance (in PICKED), other than EXCEPT; empty if none is running
pick() {
  local role="${1%%-*}" candidates=()
  mapfile -t candidates < <(nodes_running "$role" | grep -vx -- "${2:-}")
  PICKED=""
  [[ ${#candidates[@]} -gt 0 ]] || return
  rnd 0 $(( ${#candidates[@]} - 1 )); PICKED="${candidates[$R]}"
}
basic_kinds=(tower-kill tower-drain loader-kill loader-drain)

# training_again T0 TDONE: prints "FIRST_TIME FIRST_STEP PAUSED RESUMED_FROM STALL" once the run trains again
# after a disturbance that began at T0 and ended (its last restart) at TDONE: a step logged after TDONE with
# no pause outstanding. FIRST_TIME is the first step after the last resume (or after T0, when there was no
# pause); PAUSED says whether the run paused; RESUMED_FROM is the checkpoint step it resumed from (or -);
# STALL the longest time from T0 on without a step logged, up to that step (what a disturbance that did not
# pause the run cost it, e.g. a step waiting for a batch of a killed loader). A coordinator fail-over is a pause
# too: from the new run host's "waiting for ... to join" to its "starting the run". Nothing printed: not yet.
training_again() {
  awk -v t0="$1" -v done="$2" '
    BEGIN { last = t0; stall = 0 }
    $1 <= t0 { next }
    $2 == "step" && $3 ~ /^[0-9]+$/ { if ($1 - last > stall) stall = $1 - last; last = $1 }
    /pausing the run/ || /^[0-9.]+ waiting for [0-9]+ tower\(s\) and at least one loader to join/ { paused = 1; pauses++; first = ""; next }
    /resuming the run/ || /^[0-9.]+ starting the run with/ { paused = 0; next }
    /resuming from .*step-0*[0-9]+/ { match($0, /step-0*[0-9]+/); from = substr($0, RSTART + 5, RLENGTH - 5) + 0; next }
    /resuming from/ { from = 0; next }
    $2 == "step" && $3 ~ /^[0-9]+$/ && !paused {
      if (first == "") { first = $1; firststep = $3 }
      if ($1 > done) { printf "%s %s %s %s %.1f\n", first, firststep, (pauses > 0 ? "yes" : "no"), (from == "" ? "-" : from), stall; exit }
    }' "$dir/coordinator.timed"
}

say "chaos soak: seed $seed, $steps steps, gaps $gap_min-$gap_max s, restart delays 0-$delay_max s, patience $patience s, dir $dir"
say "replay: deploy/chaos.sh --seed $seed --steps $steps --gap $gap_min-$gap_max --delay $delay_max$([[ $spare == 1 ]] && echo " --spare")$([[ $standby == 1 ]] && echo " --standby") --port $port --dir DIR"
started=$(now)
trap 'say "interrupted: stopping the cluster"; cluster stop; exit 130' INT TERM
standby_flag=(); [[ $standby == 1 ]] && standby_flag=(--standby)
"$here/local-cluster.sh" start --towers 2 --loaders 2 --port "$port" "${standby_flag[@]+"${standby_flag[@]}"}" --dir "$dir" -- \
  "${training[@]}" --checkpoint-dir "$dir/ck" "${node_only[@]}" || exit 1
# The coordinator nodes' logs with the time each line arrived: the pauses are measured from it.
: > "$dir/coordinator.timed"
for c in "${coordinators[@]}"; do follow "$c" 0; done
[[ $spare == 1 ]] && cluster add-tower

failures=()
first=""
until [[ -n "$first" ]] || ! coordinator_up || [[ $(awk -v s="$started" 'BEGIN { print int('"$(now)"' - s) }') -gt $patience ]]; do
  sleep 1; first="$(training_again "$started" "$started")"
done
[[ -n "$first" ]] || failures+=("the run did not start training within $patience s")

# ---- The disturbances ---------------------------------------------------------------------------------
records=()   # "N|KIND NODE...|TIME|STEP|PAUSE|PAUSED|FROM" per disturbance
n=0
while [[ -n "$first" ]] && coordinator_up; do
  rnd "$gap_min" "$gap_max"; gap=$R
  for ((i = 0; i < gap * 2; i++)); do coordinator_up || break; sleep 0.5; done
  coordinator_up || break
  # A coordinator node that exited while the run goes on (a restarted one that could not join: see the checks)
  # is started again, as a supervisor would, so that there is a standby again; its exit stays a failure.
  for c in "${coordinators[@]}"; do
    if ! running "$c"; then say "$c exited while the run goes on ($(tail -n 1 "$dir/$c.log" | cut -c1-120)): restarting it"; restart_node "$c"; fi
  done
  kinds=(); targets=(); delays=()
  coord_roll=100; if [[ $standby == 1 ]]; then rnd 0 99; coord_roll=$R; fi
  hosting="$(host)"
  if ((coord_roll < 24)) && [[ -n "$hosting" ]] && standby_ready "$hosting"; then
    if ((coord_roll < 12)); then kinds=(coord-kill); else kinds=(coord-drain); fi
    targets=("$hosting"); rnd 0 $(( delay_max * 10 )); delays=("$(( R / 10 )).$(( R % 10 ))")
  fi
  rnd 0 99; roll=$R
  if [[ ${#kinds[@]} -gt 0 ]]; then :
  elif ((roll < 30)); then kinds=(tower-kill)
  elif ((roll < 50)); then kinds=(tower-drain)
  elif ((roll < 62)); then kinds=(loader-kill)
  elif ((roll < 72)); then kinds=(loader-drain)
  elif ((roll < 85)); then
    if [[ $(nodes_running tower | wc -l) -ge 3 ]]; then kinds=(scale-down); else kinds=(add-spare); fi
  else
    rnd 0 3; kinds=("${basic_kinds[$R]}"); rnd 0 3; kinds+=("${basic_kinds[$R]}")
  fi
  for k in "${kinds[@]}"; do
    [[ "$k" == coord-* ]] && continue # its target is chosen above
    if [[ "$k" == add-spare ]]; then targets+=("tower-new"); delays+=(0); continue; fi
    pick "$k" "${targets[0]:-}"
    [[ -n "$PICKED" ]] || continue 2
    targets+=("$PICKED"); rnd 0 $(( delay_max * 10 )); delays+=("$(( R / 10 )).$(( R % 10 ))")
  done
  offset=0; if [[ ${#kinds[@]} == 2 ]]; then rnd 0 30; offset="$(( R / 10 )).$(( R % 10 ))"; fi
  n=$((n + 1))
  t0=$(now); at_step=$(last_step)
  what="${kinds[0]} ${targets[0]}"; [[ ${#kinds[@]} == 2 ]] && what="double: $what + ${kinds[1]} ${targets[1]} ${offset} s later"
  say "disturbance $n: $what (after step $at_step; restart delay(s) ${delays[*]} s)"
  if [[ ${#kinds[@]} == 2 ]]; then
    disturb "${kinds[0]}" "${targets[0]}" "${delays[0]}" & one=$!
    sleep "$offset"; disturb "${kinds[1]}" "${targets[1]}" "${delays[1]}" & two=$!
    wait "$one" "$two" # by pid: a plain wait would also wait for the tee of this script's output
  else
    disturb "${kinds[0]}" "${targets[0]}" "${delays[0]}"
  fi
  done_at=$(now)
  result=""
  while [[ -z "$result" ]]; do
    result="$(training_again "$t0" "$done_at")"
    [[ -n "$result" ]] && break
    coordinator_up || break
    if [[ $(awk "BEGIN { print int($(now) - $t0) }") -gt $patience ]]; then break; fi
    sleep 0.5
  done
  if [[ -n "$result" ]]; then
    read -r first_time first_step paused from stall <<< "$result"
    pause=$(awk "BEGIN { printf \"%.1f\", $first_time - $t0 }")
    after=$(awk "BEGIN { printf \"%.1f\", $first_time - $done_at }") # from the disturbance's last action (a restart)
    if [[ "$paused" == yes ]]; then say "disturbance $n: training again after $pause s, $after s after its last action (step $first_step, resumed from step $from)"
    else pause=$stall after=-; say "disturbance $n: no pause; longest time without a step: $stall s"; fi
    records+=("$n|$what|$(clock "$t0")|$at_step|$pause|$paused|$from|$after")
  elif coordinator_up; then
    failures+=("disturbance $n ($what): the run did not train again within $patience s")
    records+=("$n|$what|$(clock "$t0")|$at_step|-|stuck|-|-")
    say "disturbance $n: the run did not train again within $patience s: stopping the cluster"
    cluster stop
    break
  else
    records+=("$n|$what|$(clock "$t0")|$at_step|-|ended|-|-")
    say "disturbance $n: the run ended before it trained again"
  fi
done
ended=$(now)

# ---- The end of the run -------------------------------------------------------------------------------
say "the run has ended; waiting for every node to exit"
run_end="$(cluster wait)"; coordinator_ok=$?; echo "$run_end"
for ((i = 0; i < 90; i++)); do [[ -z "$(nodes_running tower; nodes_running loader)" ]] && break; sleep 1; done
left="$(nodes_running tower; nodes_running loader)"
if [[ -n "$left" ]]; then
  failures+=("still running 90 s after the run ended: $(echo $left)")
  cluster stop
fi
coordinator_logs=("$dir"/coordinator*.log*) # every coordinator node, every incarnation (NAME.log.TIME: before a restart)
[[ $coordinator_ok == 0 ]] || failures+=("the run did not finish: $(echo $run_end)")
grep -hq "finished after $steps steps" "${coordinator_logs[@]}" || failures+=("the run did not train $steps steps: $(echo $run_end)")
chaos_seconds=$(awk "BEGIN { printf \"%.0f\", $ended - $started }")

# Exit codes: 0, or what this script's signal gives (one of the codes listed for it).
declare -A expected=()
[[ -f "$dir/signalled" ]] && while read -r pid codes; do expected[$pid]=$codes; done < "$dir/signalled"
exits=()
touch "$dir/exit-codes"
notes=()
finished_at="$(awk '$2 == "finished:" { print $1; exit }' "$dir/coordinator.timed")"
declare -A started_at=()
[[ -f "$dir/started" ]] && while read -r pid at; do started_at[$pid]=$at; done < "$dir/started"
while read -r time name pid code; do
  want="${expected[$pid]:-0}"
  exits+=("$name (pid $pid) $code")
  log="$(log_of "$pid" "$name")"; last="$(tail -n 1 "$log")"
  if [[ "$code" == 1 && "$want" == 0 && -n "$finished_at" && -n "${started_at[$pid]:-}" ]] &&
     awk "BEGIN { exit !(${started_at[$pid]} >= $finished_at) }" &&
     echo "$last" | grep -qE "could not join the cluster through|the actor system stopped|this node was downed and removed from the cluster"; then
    # Restarted after the run had finished, as the coordinator's node shut down: nothing was left to join
    # (join-timeout), or it joined as the cluster shut down and was downed ("this node was downed and removed
    # from the cluster ..."; "the actor system stopped" before 2026-12-01).
    notes+=("$name (pid $pid) was restarted after the run had finished and exited 1: $last")
    continue
  fi
  [[ " $want " == *" $code "* ]] || failures+=("$name (pid $pid) exited $code at $time, expected $(echo "$want" | sed 's/ / or /g'): $last ($log)")
done < "$dir/exit-codes"

# metrics.csv: every step once.
metrics="$dir/ck/run/metrics.csv"
if [[ -f "$metrics" ]]; then
  bad_steps="$(awk -F, -v n="$steps" '$1 == "step" { c[$2]++ } END { for (s = 1; s <= n; s++) if (c[s] != 1) printf "%d(%dx) ", s, c[s]; for (s in c) if (s + 0 < 1 || s + 0 > n) printf "%s(%dx) ", s, c[s] }' "$metrics")"
  [[ -z "$bad_steps" ]] || failures+=("metrics.csv: steps not recorded exactly once: ${bad_steps:0:300}")
else
  failures+=("no $metrics")
fi

# ---- The undisturbed run ------------------------------------------------------------------------------
say "training the same run undisturbed: alexnet train ${training[*]} --towers 2 --checkpoint-dir $dir/undisturbed/ck"
u_start=$(now)
(cd "$dir" && "${program[@]}" train "${training[@]}" --towers 2 --checkpoint-dir "$dir/undisturbed/ck" > "$dir/undisturbed.log" 2>&1)
u_code=$?
u_seconds=$(awk "BEGIN { printf \"%.0f\", $(now) - $u_start }")
[[ $u_code == 0 ]] || failures+=("the undisturbed run failed ($u_code): $(tail -n 1 "$dir/undisturbed.log")")
final="$(printf 'step-%09d' "$steps")"
verdict=IDENTICAL
for t in 0 1; do
  a="$dir/ck/$final/tower-$t.safetensors"; b="$dir/undisturbed/ck/$final/tower-$t.safetensors"
  if [[ ! -f "$a" || ! -f "$b" ]]; then verdict=DIFFERENT; failures+=("missing $([[ -f "$a" ]] && echo "$b" || echo "$a")"); continue; fi
  ha="$(sha256sum < "$a" | cut -c1-64)"; hb="$(sha256sum < "$b" | cut -c1-64)"
  say "tower-$t.safetensors: disturbed $ha, undisturbed $hb"
  [[ "$ha" == "$hb" ]] || { verdict=DIFFERENT; failures+=("$final/tower-$t.safetensors differs from the undisturbed run's"); }
done

# ---- Summary ------------------------------------------------------------------------------------------
echo
echo "==== chaos soak summary (seed $seed, $steps steps, $(date +%F)) ===="
echo "disturbed run: ${chaos_seconds} s; undisturbed run: ${u_seconds} s"
printf '%-4s %-12s %-8s %-9s %-9s %-8s %s\n' "#" time "at step" "pause s" "after s" "from" disturbance
pauses=(); stalls=(); coord_kills=(); coord_drains=()
for r in "${records[@]+"${records[@]}"}"; do
  IFS='|' read -r i what time at pause paused from after <<< "$r"
  label="$pause"; [[ "$paused" == yes ]] && pauses+=("$pause"); [[ "$paused" == no ]] && { label="($pause)"; stalls+=("$pause"); }
  [[ "$paused" == stuck || "$paused" == ended ]] && label="$paused"
  [[ "$paused" == yes && "$what" == coord-kill* ]] && coord_kills+=("$pause")
  [[ "$paused" == yes && "$what" == coord-drain* ]] && coord_drains+=("$pause")
  printf '%-4s %-12s %-8s %-9s %-9s %-8s %s\n' "$i" "$time" "$at" "$label" "$after" "$from" "$what"
done
echo "(pause: from the first signal to the first step after the run resumed; in parentheses where it did not pause: the"
echo " longest time without a step. after: from the disturbance's last action, its restart. from: the checkpoint step resumed from)"
echo "disturbances by kind:"
for r in "${records[@]+"${records[@]}"}"; do IFS='|' read -r _ what _ <<< "$r"; echo "$what"; done |
  sed -E 's/^double: ([a-z-]+) [^ ]+ \+ ([a-z-]+) .*$/double (\1 + \2)/; s/^([a-z-]+) .*$/\1/' | sort | uniq -c | sed 's/^/  /'
# Each run host counts its own restarts: the last count of each coordinator node's incarnation, summed.
released=0
for f in "${coordinator_logs[@]}"; do
  r="$(grep 'resuming the run' "$f" | tail -n 1 | grep -oE '[0-9]+ restart\(s\) for tower nodes that left in order' | cut -d' ' -f1)"
  released=$((released + ${r:-0}))
done
echo "recoveries (coordinators resumed): $(cat "${coordinator_logs[@]}" | grep -c 'resuming the run')," \
     "of which for tower nodes that left in order: $released"
[[ $standby == 1 ]] && echo "coordinator fail-overs (a run host started on the other coordinator node):" \
  "$(( $(cat "${coordinator_logs[@]}" | grep -cE '^waiting for [0-9]+ tower\(s\) and at least one loader to join') - 1 ))"
# spread WHAT VALUES...: count, min, median, max
spread() {
  local what="$1"; shift
  printf '%s\n' "$@" | sort -n | awk -v what="$what" '{ v[NR] = $1 }
    END { printf "%s (%d): min %.1f s, median %.1f s, max %.1f s\n", what, NR, v[1], (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2), v[NR] }'
}
[[ ${#pauses[@]} -gt 0 ]] && spread "pauses, disturbances that paused the run" "${pauses[@]}"
[[ ${#stalls[@]} -gt 0 ]] && spread "longest time without a step, disturbances that did not pause it" "${stalls[@]}"
[[ ${#coord_kills[@]} -gt 0 ]] && spread "fail-over pauses, coord-kill" "${coord_kills[@]}"
[[ ${#coord_drains[@]} -gt 0 ]] && spread "fail-over pauses, coord-drain" "${coord_drains[@]}"
echo "exit codes: $(printf '%s, ' "${exits[@]+"${exits[@]}"}" | sed 's/, $//')"
echo "final weights ($final/tower-*.safetensors) against the undisturbed run: $verdict"
[[ ${#notes[@]} -eq 0 ]] || printf 'note: %s\n' "${notes[@]}"
if [[ ${#failures[@]} -eq 0 ]]; then
  echo "RESULT: everything held"
  exit 0
fi
echo "RESULT: FAILED"
printf '  - %s\n' "${failures[@]}"
exit 1
