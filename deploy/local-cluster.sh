#!/usr/bin/env bash
# Starts a whole AlexNet.Actors cluster as separate processes on this machine (loopback only) and
# stops it cleanly.
#
#   deploy/local-cluster.sh start [--towers K] [--loaders L] [--port P] [--standby] [--dir DIR] [-- NODE OPTIONS...]
#       a coordinator node (the seed, on 127.0.0.1:P), K tower nodes (one CPU tower each; the model gets
#       K towers) and L loader nodes. NODE OPTIONS go to every node (e.g. --data synthetic --steps 200
#       --width 0.25 --crop 64 --threads 1); the coordinator also gets --report DIR/report.json.
#       --standby: also a second coordinator node, coordinator-b, on 127.0.0.1:P+1, joining the seed, with the
#       same NODE OPTIONS (the same run configuration: give it a --checkpoint-dir that both reach, here simply
#       the same folder) and --report DIR/report-b.json. The run host (a cluster singleton) runs on the oldest
#       coordinator node; when that node goes away (SIGKILL, or a drain: it checkpoints the step in progress
#       first) the other takes the run over and resumes it from the newest checkpoint. The names say which
#       port a node has, not which one hosts the run: that one logs "waiting for K tower(s)" and the steps.
#       The tower and loader nodes are then given both coordinators' addresses as seeds, so that they, and
#       any restarted or added later, join through whichever is up.
#       Logs: DIR/<node>.log; process ids: DIR/<node>.pid; each ended node's exit code: a line of
#       DIR/exit-codes ("TIME NAME PID CODE"). Returns once all are started. Refuses while a node of DIR still
#       runs; removes the old logs and reports (NAME.log.TIME, report*.json.TIME) of an earlier cluster there.
#   deploy/local-cluster.sh add-loader [--dir DIR]   one more loader node, joining the running cluster
#   deploy/local-cluster.sh add-tower [--dir DIR]    one more tower node (a spare: the run uses it when a tower is lost)
#   deploy/local-cluster.sh kill NAME [--dir DIR]    SIGKILL one node (coordinator, coordinator-b, tower-1, loader-0, ...):
#                                                   a crash, nothing is shut down
#   deploy/local-cluster.sh drain NAME [--dir DIR]   SIGTERM one node, as a scale-down or a machine's drain does: a tower
#                                                   node of the run, or the coordinator node that hosts the run, has the
#                                                   run checkpoint the step in progress before it leaves (it exits 143;
#                                                   0 if the run finished meanwhile); waits for it to exit (150 s, then SIGKILL)
#   deploy/local-cluster.sh restart NAME [--dir DIR] start a killed or drained node again (a new process, its old log kept as
#                                                   DIR/NAME.log.TIME, a coordinator's report as DIR/report*.json.TIME):
#                                                   a tower or loader joins the cluster; a coordinator
#                                                   node joins the running cluster through the other coordinator node(s)
#                                                   still running (with --standby: the other one; it becomes the standby),
#                                                   and where none is running (always, without --standby) it starts a new
#                                                   cluster on its own port, which the other nodes join only once they have
#                                                   given up on the old one (coordinator-timeout) and been restarted
#   deploy/local-cluster.sh status [--dir DIR]       which nodes are running
#   deploy/local-cluster.sh wait [--dir DIR]         waits until no coordinator node runs; exit code: the run's, 0 when it
#                                                   finished (whichever coordinator node ended it: a coordinator node's log
#                                                   says "finished"; its line is printed), else 1
#   deploy/local-cluster.sh stop [--dir DIR]         SIGTERM to the coordinator node(s) (the one that hosts the run
#                                                   checkpoints the step in progress, then leaves), then to every other
#                                                   node (they leave the cluster); SIGKILL to any still running after
#                                                   150 s (the coordinators) or 30 s (the others)
#
# The program: $ALEXNET if set (a command, e.g. "/opt/alexnet/alexnet"), else the Release build of
# this checkout (dotnet src/AlexNet.Cli/bin/Release/net10.0/alexnet.dll). Defaults: K=2, L=1,
# P=4053, DIR=./alexnet-cluster. DIR/coordinators lists the coordinator nodes ("NAME PORT"), DIR/seed the
# seed nodes the tower and loader nodes are given.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
command="${1:-}"; [[ $# -gt 0 ]] && shift
name=""; if [[ "$command" == kill || "$command" == drain || "$command" == restart ]]; then name="${1:-}"; [[ $# -gt 0 ]] && shift; fi
towers=2; loaders=1; port=4053; standby=0; dir="./alexnet-cluster"; node_args=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --towers) towers="$2"; shift 2 ;;
    --loaders) loaders="$2"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    --standby) standby=1; shift ;;
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
  # No stat (reaped between the two checks): not running. An empty state counted as running before, which can
  # make a restart right after a kill refuse it (seen once: "coordinator is still running").
  local state; state="$(sed -E 's/^.*\) (.).*$/\1/' "/proc/$pid/stat" 2>/dev/null)"
  [[ -n "$state" && "$state" != Z && "$state" != X ]]
}

address() { echo "akka.tcp://alexnet@127.0.0.1:$1"; }

# The coordinator nodes ("NAME PORT" lines of DIR/coordinators; a cluster started before that file: its seed's port).
coordinator_nodes() {
  if [[ -f "$dir/coordinators" ]]; then cat "$dir/coordinators"; else local seed; seed="$(cat "$dir/seed")"; echo "coordinator ${seed##*:}"; fi
}

# launch_coordinator NAME PORT [--seed-nodes ADDRESSES]: a coordinator node; its report DIR/report.json
# (coordinator), DIR/report-b.json (coordinator-b).
launch_coordinator() {
  local name="$1" port="$2"; shift 2
  launch "$name" --roles coordinator --hostname 127.0.0.1 --port "$port" "$@" --towers "$model_towers" \
    --report "$dir/report${name#coordinator}.json" "${node_args[@]+"${node_args[@]}"}"
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
    rm -f "$dir"/*.log.[0-9]* "$dir"/report*.json.[0-9]* # of nodes restarted in an earlier cluster here
    seed="$(address "$port")"
    echo "coordinator $port" > "$dir/coordinators"
    # With a standby, the tower and loader nodes may join through either coordinator node (Akka asks every
    # seed listed and joins the first that answers), so a node restarted while one of them is down still joins.
    if [[ $standby == 1 ]]; then seed="$seed,$(address $((port + 1)))"; echo "coordinator-b $((port + 1))" >> "$dir/coordinators"; fi
    echo "$seed" > "$dir/seed"
    echo "$towers" > "$dir/towers"
    model_towers="$towers"
    printf '%s\n' "${node_args[@]+"${node_args[@]}"}" > "$dir/node-args"
    launch_coordinator coordinator "$port"
    # The standby joins the first coordinator node (the seed); being the younger, it hosts no run host until that one goes away.
    [[ $standby == 1 ]] && launch_coordinator coordinator-b $((port + 1)) --seed-nodes "$(address "$port")"
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
    if [[ "$command" == restart ]] && grep -q "^$name " < <(coordinator_nodes); then
      # The same node again, on its own port. It joins the running cluster through the coordinator nodes still
      # running (the standby's or the first one's address): it becomes the standby. With none running (always
      # without --standby), a new cluster, which the other nodes join once they have given up on the old one
      # (alexnet.cluster.coordinator-timeout) and been restarted.
      running "$dir/$name.pid" && { echo "local-cluster.sh: $name is still running" >&2; exit 2; }
      own_port=""; seeds=()
      while read -r other other_port; do
        if [[ "$other" == "$name" ]]; then own_port="$other_port"
        elif running "$dir/$other.pid"; then seeds+=("$(address "$other_port")"); fi
      done < <(coordinator_nodes)
      join=(); [[ ${#seeds[@]} -gt 0 ]] && join=(--seed-nodes "$(IFS=,; echo "${seeds[*]}")")
      stamp="$(date +%s%N | cut -c1-13)"
      [[ -f "$dir/$name.log" ]] && mv "$dir/$name.log" "$dir/$name.log.$stamp"
      report="$dir/report${name#coordinator}.json"; [[ -f "$report" ]] && mv "$report" "$report.$stamp"
      launch_coordinator "$name" "$own_port" "${join[@]+"${join[@]}"}"
      exit 0
    fi
    if [[ "$command" == restart ]]; then
      [[ "$name" =~ ^(tower|loader)-[0-9]+$ ]] || { echo "local-cluster.sh: restart takes $(coordinator_nodes | cut -d' ' -f1 | tr '\n' ' ')tower-N or loader-N" >&2; exit 2; }
      [[ -f "$dir/$name.pid" ]] || { echo "local-cluster.sh: no node $name in $dir" >&2; exit 2; }
      running "$dir/$name.pid" && { echo "local-cluster.sh: $name is still running" >&2; exit 2; }
      role="${name%%-*}"
      mv "$dir/$name.log" "$dir/$name.log.$(date +%s%N | cut -c1-13)"
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
    mapfile -t names < <(coordinator_nodes | cut -d' ' -f1)
    while :; do
      up=0; for c in "${names[@]}"; do running "$dir/$c.pid" && up=1; done
      [[ $up == 1 ]] || break
      sleep 1
    done
    # The run's outcome: the node that hosted it at the end says "finished after N steps", the other
    # coordinator node "the run ended: finished ...". Any incarnation's log (NAME.log.TIME: one restarted as the run ended).
    logs=(/dev/null); for c in "${names[@]}"; do for f in "$dir/$c.log" "$dir/$c.log".[0-9]*; do [[ -f "$f" ]] && logs+=("$f"); done; done
    line="$(grep -hE "^alexnet node: finished" "${logs[@]}" | tail -n 1 || true)"
    [[ -n "$line" ]] || line="$(grep -hE "^alexnet node: the run ended: finished" "${logs[@]}" | tail -n 1 || true)"
    if [[ -n "$line" ]]; then echo "$line"; exit 0; fi
    for c in "${names[@]}"; do [[ -f "$dir/$c.log" ]] && echo "$c: $(tail -n 1 "$dir/$c.log")"; done
    exit 1
    ;;
  stop)
    # The coordinator node(s) first: stopped by SIGTERM, the one that hosts the run has it checkpoint the step
    # in progress before it leaves (alexnet.cluster.hand-over-timeout), which needs its towers; then everyone else.
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
