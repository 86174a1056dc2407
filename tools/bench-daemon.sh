# shellcheck shell=bash disable=SC2034
# Sourced by the benchmark scripts (tools/bench-all, tools/bench-w3.sh): a scratch dutyflowd
# on a free loopback port, stopped by its own pid.
#
# bench_daemon_start DIR SYNC
#   Uses (and creates if missing) DIR/tokens.json with DIR/unit.token (unit xa-a, the owner
#   of the benchmark duties) and DIR/coord.token (coordinator noi-vu), DIR/dutyflowd.json
#   (config/dutyflowd.json with "synchronous": SYNC and notification delivery off: the
#   workloads measure the engine and the API, and a dispatcher delivering one "assigned"
#   row per duty would compete for the journal's write lock; the event allowances and the
#   per-address connection cap off too: W1 fires every event of thousands of duties with
#   one coordinator and one unit token, and wrk opens 64 connections from loopback), the
#   journal DIR/j.db (kept if it exists: starting again on it is a restart) and an empty
#   plans directory.
#   Sets BENCH_DAEMON_PID, BENCH_DAEMON_URL, BENCH_DAEMON_LOG and BENCH_DAEMON_READY_S
#   (seconds from exec to the "dutyflowd ready" line). Returns 1 if it does not get ready.
# bench_daemon_stop
#   SIGTERM to that pid and waits for it.
BENCH_BIN=${BENCH_BIN:-$DUTYFLOW_ROOT/build/tools}
BENCH_DAEMON_PID=""

bench_free_port() {
  local port
  while :; do
    # Below Linux's ephemeral range (32768-60999), where clients' own ports are.
    port=$((20000 + RANDOM % 12000))
    # Something answering on it means taken; a refused connection means free.
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || { echo "$port"; return; }
  done
}

bench_daemon_start() {
  local dir=$1 sync=$2 port t0 log
  mkdir -p "$dir/plans"
  if [[ ! -f $dir/tokens.json ]]; then
    (umask 077
     "$BENCH_BIN/dutyflow" token add --tokens "$dir/tokens.json" --name xa-a --role unit --unit xa-a >"$dir/unit.token" &&
     "$BENCH_BIN/dutyflow" token add --tokens "$dir/tokens.json" --name noi-vu --role coordinator --unit noi-vu \
       >"$dir/coord.token") || return 1
  fi
  # Benchmark plans go far past the default plan_limits (20,000 duties).
  sed -e 's/"enabled": true/"enabled": false/' -e "s/\"synchronous\": \"full\"/\"synchronous\": \"$sync\"/" \
    -e 's/"max_connections_per_address": [0-9]*/"max_connections_per_address": 0/' \
    -e 's/"\(unit\|coordinator\|duty\)": {"burst": [0-9]*/"\1": {"burst": 0/' \
    -e '1a\  "plan_limits": {"max_duties": 10000000},' \
    "$DUTYFLOW_ROOT/config/dutyflowd.json" >"$dir/dutyflowd.json"
  grep -q "\"synchronous\": \"$sync\"" "$dir/dutyflowd.json" || { echo "bench: cannot set synchronous=$sync" >&2; return 1; }
  if ! grep -q '"max_connections_per_address": 0' "$dir/dutyflowd.json" ||
    grep -q '"burst": [1-9]' "$dir/dutyflowd.json"; then
    echo "bench: cannot turn the event allowances and the per-address connection cap off" >&2
    return 1
  fi
  local attempt deadline
  for attempt in 1 2 3 4 5; do
    port=$(bench_free_port)
    log="$dir/daemon.$(date +%s%N).log"
    t0=$EPOCHREALTIME
    "$BENCH_BIN/dutyflowd" --config "$dir/dutyflowd.json" --db "$dir/j.db" --plans "$dir/plans" \
      --tokens "$dir/tokens.json" --listen "127.0.0.1:$port" >"$log" 2>&1 &
    BENCH_DAEMON_PID=$!
    BENCH_DAEMON_LOG=$log
    BENCH_DAEMON_URL="http://127.0.0.1:$port"
    deadline=$((SECONDS + 600))
    until grep -qs "dutyflowd ready" "$log"; do
      if ! kill -0 "$BENCH_DAEMON_PID" 2>/dev/null || ((SECONDS > deadline)); then
        bench_daemon_stop
        # Taken between the check and the bind: another port.
        grep -qs "cannot listen" "$log" && ((attempt < 5)) && continue 2
        echo "bench: dutyflowd did not get ready; its log:" >&2
        tail -20 "$log" >&2
        return 1
      fi
      sleep 0.02
    done
    BENCH_DAEMON_READY_S=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
    return 0
  done
}

bench_daemon_stop() {
  [[ -n $BENCH_DAEMON_PID ]] || return 0
  kill -TERM "$BENCH_DAEMON_PID" 2>/dev/null || true
  wait "$BENCH_DAEMON_PID" 2>/dev/null || true
  BENCH_DAEMON_PID=""
}
