#!/usr/bin/env bash
# Starts a whole AlexNet.Actors cluster as separate processes on this machine (loopback only) and
# stops it cleanly.
#
#   deploy/local-cluster.sh start [--towers K] [--loaders L] [--port P] [--dir DIR] [-- NODE OPTIONS...]
#       a coordinator node (the seed, on 127.0.0.1:P), K tower nodes (one CPU tower each; the model gets
#       K towers) and L loader nodes. NODE OPTIONS go to every node (e.g. --data synthetic --steps 200
#       --width 0.25 --crop 64 --threads 1); the coordinator also gets --report DIR/report.json.
#       Logs: DIR/<node>.log; process ids: DIR/<node>.pid; each ended node's exit code: a line of
#       DIR/exit-codes ("TIME NAME PID CODE"). Returns once all are started.
#   deploy/local-cluster.sh add-loader [--dir DIR]   one more loader node, joining the running cluster
#   deploy/local-cluster.sh add-tower [--dir DIR]    one more tower node (a spare: the run uses it when a tower is lost)
#   deploy/local-cluster.sh kill NAME [--dir DIR]    SIGKILL one node (tower-1, loader-0, ...): a crash, nothing is shut down
#   deploy/local-cluster.sh drain NAME [--dir DIR]   SIGTERM one node, as a scale-down or a machine's drain does: a tower
#                                                   node of the run, or the coordinator, has the run checkpoint the step
#                                                   in progress before it leaves; waits for it to exit (150 s, then SIGKILL)
#   deploy/local-cluster.sh restart NAME [--dir DIR] start a killed node again (a new process): a tower or loader joins the
#                                                   cluster; the coordinator starts a new one on the seed port
#   deploy/local-cluster.sh status [--dir DIR]       which nodes are running
#   deploy/local-cluster.sh wait [--dir DIR]         waits for the run to end; exit code = the coordinator's
#   deploy/local-cluster.sh stop [--dir DIR]         SIGTERM to the coordinator (it checkpoints the step in
#                                                   progress, then leaves), then to every other node (they
#                                                   leave the cluster); SIGKILL to any still running after
#                                                   150 s (the coordinator) or 30 s (the others)
#
# The program: $ALEXNET if set (a command, e.g. "/opt/alexnet/alexnet"), else the Release build of
# this checkout (dotnet src/AlexNet.Cli/bin/Release/net10.0/alexnet.dll). Defaults: K=2, L=1,
# P=4053, DIR=./alexnet-cluster.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
command="${1:-}"; [[ $# -gt 0 ]] && shift
name=""; if [[ "$command" == kill || "$command" == drain || "$command" == restart ]]; then name="${1:-}"; [[ $# -gt 0 ]] && shift; fi
towers=2; loaders=1; port=4053; dir="./alexnet-cluster"; node_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --towers) towers="$2"; shift 2 ;;
    --loaders) loaders="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --) shift; node_args=("$@"); break ;;
    *) echo "local-cluster.sh: unknown option $1 (see the comment at the top of this script)" >&2; exit 2 ;;
  esac
done

if [[ -n "${ALEXNET:-}" ]]; then
  read -r -a program <<< "$ALEXNET"
else
  dll="$repo/src/AlexNet.Cli/bin/Release/net10.0/alexnet.dll"
  [[ -f "$dll" ]] || { echo "local-cluster.sh: $dll not found: run 'dotnet build AlexNet.Actors.sln -c Release' first, or set ALEXNET" >&2; exit 2; }
  program=(dotnet "$dll")
fi

# start NAME ARGS...: one node in the background, its log and pid in $dir. A small shell waits for it
# and appends "TIME NAME PID EXIT-CODE" to $dir/exit-codes when it ends (137 = SIGKILL, 143 = SIGTERM);
# the pid file names the node's own process, so kill and drain signal the node, not that shell.
launch() {
  local name="$1"; shift
  rm -f "$dir/$name.pid"
  nohup bash -c 'name="$1" dir="$2"; shift 2
                 "$@" & echo $! > "$dir/$name.pid"; wait $!; code=$?
                 echo "$(date +%T.%N | cut -c1-12) $name $! $code" >> "$dir/exit-codes"' \
    launch "$name" "$dir" "${program[@]}" node "$@" > "$dir/$name.log" 2>&1 &
  while [[ ! -s "$dir/$name.pid" ]]; do sleep 0.02; done
  echo "started $name (pid $(cat "$dir/$name.pid"))"
}

# A node is running while its process exists and is not a zombie: the nodes are started in the
# background of a shell that has exited, so whatever reaps orphans here (PID 1) collects them, and
# an init that reaps slowly (1.7 s in one sandbox) or never would otherwise make a dead node look alive.
running() {
  [[ -f "$1" ]] || return 1
  local pid; pid="$(cat "$1")"
  kill -0 "$pid" 2>/dev/null || return 1
  [[ "$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$pid/stat" 2>/dev/null)" != Z ]]
}

case "$command" in
  start)
    mkdir -p "$dir"
    dir="$(cd "$dir" && pwd)"
    if compgen -G "$dir/*.pid" > /dev/null; then
      for p in "$dir"/*.pid; do running "$p" && { echo "local-cluster.sh: $(basename "$p" .pid) is still running in $dir (stop it first)" >&2; exit 2; }; done
      rm -f "$dir"/*.pid
    fi
    rm -f "$dir/exit-codes"
    seed="akka.tcp://alexnet@127.0.0.1:$port"
    echo "$seed" > "$dir/seed"
    echo "$towers" > "$dir/towers"
    printf '%s\n' "${node_args[@]+"${node_args[@]}"}" > "$dir/node-args"
    launch coordinator --roles coordinator --hostname 127.0.0.1 --port "$port" --towers "$towers" \
      --report "$dir/report.json" "${node_args[@]+"${node_args[@]}"}"
    for ((t = 0; t < towers; t++)); do
      launch "tower-$t" --roles tower --devices cpu --hostname 127.0.0.1 --port 0 --seed-nodes "$seed" --towers "$towers" "${node_args[@]+"${node_args[@]}"}"
    done
    for ((l = 0; l < loaders; l++)); do
      launch "loader-$l" --roles loader --hostname 127.0.0.1 --port 0 --seed-nodes "$seed" --towers "$towers" "${node_args[@]+"${node_args[@]}"}"
    done
    echo "cluster started in $dir (seed $seed); 'deploy/local-cluster.sh wait --dir $dir' or 'stop --dir $dir'"
    ;;
  add-loader|add-tower|restart)
    [[ -f "$dir/seed" ]] || { echo "local-cluster.sh: no cluster in $dir" >&2; exit 2; }
    mapfile -t node_args < "$dir/node-args"
    model_towers="$(cat "$dir/towers")"
    if [[ "$command" == restart && "$name" == coordinator ]]; then
      # The same node again, on the seed's port: a new cluster, which the other nodes join once they
      # have given up on the old one (alexnet.cluster.coordinator-timeout) and been restarted.
      running "$dir/coordinator.pid" && { echo "local-cluster.sh: coordinator is still running" >&2; exit 2; }
      seed="$(cat "$dir/seed")"
      mv "$dir/coordinator.log" "$dir/coordinator.log.$(date +%s)"
      launch coordinator --roles coordinator --hostname 127.0.0.1 --port "${seed##*:}" --towers "$model_towers" \
        --report "$dir/report.json" "${node_args[@]+"${node_args[@]}"}"
      exit 0
    fi
    if [[ "$command" == restart ]]; then
      [[ "$name" =~ ^(tower|loader)-[0-9]+$ ]] || { echo "local-cluster.sh: restart takes coordinator, tower-N or loader-N" >&2; exit 2; }
      [[ -f "$dir/$name.pid" ]] || { echo "local-cluster.sh: no node $name in $dir" >&2; exit 2; }
      running "$dir/$name.pid" && { echo "local-cluster.sh: $name is still running" >&2; exit 2; }
      role="${name%%-*}"
      mv "$dir/$name.log" "$dir/$name.log.$(date +%s)"
    else
      role="${command#add-}"
      n=0; while [[ -f "$dir/$role-$n.pid" ]]; do n=$((n + 1)); done
      name="$role-$n"
    fi
    devices=(); [[ "$role" == tower ]] && devices=(--devices cpu)
    launch "$name" --roles "$role" "${devices[@]+"${devices[@]}"}" --hostname 127.0.0.1 --port 0 --seed-nodes "$(cat "$dir/seed")" \
      --towers "$model_towers" "${node_args[@]+"${node_args[@]}"}"
    ;;
  kill)
    [[ -f "$dir/$name.pid" ]] || { echo "local-cluster.sh: no node '$name' in $dir" >&2; exit 2; }
    running "$dir/$name.pid" || { echo "local-cluster.sh: $name is not running" >&2; exit 2; }
    at="$(date +%T.%N | cut -c1-12)"
    kill -KILL "$(cat "$dir/$name.pid")"
    while running "$dir/$name.pid"; do sleep 0.05; done
    echo "killed $name (pid $(cat "$dir/$name.pid")) at $at"
    ;;
  drain)
    [[ -f "$dir/$name.pid" ]] || { echo "local-cluster.sh: no node '$name' in $dir" >&2; exit 2; }
    running "$dir/$name.pid" || { echo "local-cluster.sh: $name is not running" >&2; exit 2; }
    echo "SIGTERM to $name (pid $(cat "$dir/$name.pid")) at $(date +%T.%N | cut -c1-12)"
    kill -TERM "$(cat "$dir/$name.pid")"
    deadline=$((SECONDS + 150))
    while running "$dir/$name.pid" && [[ $SECONDS -lt $deadline ]]; do sleep 0.2; done
    if running "$dir/$name.pid"; then kill -KILL "$(cat "$dir/$name.pid")"; echo "$name: killed (did not stop within 150 s)"; exit 1; fi
    echo "$name stopped at $(date +%T.%N | cut -c1-12): $(tail -n 1 "$dir/$name.log")"
    ;;
  status)
    for p in "$dir"/*.pid; do
      [[ -e "$p" ]] || { echo "no nodes in $dir"; break; }
      if running "$p"; then echo "$(basename "$p" .pid): running (pid $(cat "$p"))"; else echo "$(basename "$p" .pid): stopped"; fi
    done
    ;;
  wait)
    [[ -f "$dir/coordinator.pid" ]] || { echo "local-cluster.sh: no coordinator in $dir" >&2; exit 2; }
    while running "$dir/coordinator.pid"; do sleep 1; done
    tail -n 1 "$dir/coordinator.log"
    if grep -Eq "^alexnet node: (the run ended: )?finished" "$dir/coordinator.log"; then exit 0; else exit 1; fi
    ;;
  stop)
    # The coordinator first: stopped by SIGTERM, it has the run checkpoint the step in progress before
    # it leaves (alexnet.cluster.hand-over-timeout), which needs its towers; then everyone else.
    for group in "coordinator 150" "loader tower 30"; do
      set -- $group
      seconds=${!#}
      pids=()
      for role in "${@:1:$#-1}"; do
        for p in "$dir"/$role*.pid; do
          [[ -e "$p" ]] || continue
          if running "$p"; then kill -TERM "$(cat "$p")"; pids+=("$p"); fi
        done
      done
      deadline=$((SECONDS + seconds))
      for p in "${pids[@]+"${pids[@]}"}"; do
        while running "$p" && [[ $SECONDS -lt $deadline ]]; do sleep 0.5; done
        if running "$p"; then kill -KILL "$(cat "$p")"; echo "$(basename "$p" .pid): killed (did not stop within $seconds s)"; else echo "$(basename "$p" .pid): stopped"; fi
      done
    done
    rm -f "$dir"/*.pid
    ;;
  *)
    echo "usage: deploy/local-cluster.sh start|add-loader|add-tower|kill NAME|drain NAME|restart NAME|status|wait|stop [options] (see the top of the script)" >&2
    exit 2
    ;;
esac
