#!/usr/bin/env bash
# Issue 3b: acknowledgements per second over HTTP with wrk at 64 connections, next to the
# same binary's /healthz rate measured in the same run. Starts its own dutyflowd on a
# loopback port with a scratch journal and a plan of N duties, stops it by pid.
# Usage: tools/bench-http.sh [DUTIES] [SECONDS]   (needs: apt-get install wrk)
# Env: SYNCHRONOUS=full (default) | normal, the daemon's journal setting.
# Prints one JSON line per measurement on stdout (tools/bench-all collects them) and a
# readable summary on stderr.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n=${1:-120000}
secs=${2:-5}
sync=${SYNCHRONOUS:-full}
DUTYFLOW_ROOT=$root
# shellcheck source=tools/bench-daemon.sh
source "$root/tools/bench-daemon.sh"
tmp=$(mktemp -d)
trap 'bench_daemon_stop; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/d/plans"
"$BENCH_BIN/dutyflow-bench" plan --duties "$n" --out "$tmp/d/plans/bench.json"
# Notification delivery is off (bench-daemon.sh): the plan load queues one "assigned" row
# per duty, and delivering 120,000 of them would compete for the journal's write lock
# during the measurement. This measures the engine and HTTP path.
bench_daemon_start "$tmp/d" "$sync"
token=$(cat "$tmp/d/unit.token")
port=${BENCH_DAEMON_URL##*:}
# wrk's done() writes the figures as one JSON object; the shell adds what was measured.
report='
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "{\"requests\":%d,\"duration_s\":%.3f,\"requests_per_s\":%.1f,\"ok_per_s\":%.1f,\"non_2xx\":%d," ..
    "\"socket_errors\":%d,\"latency_ms\":{\"p50\":%.3f,\"p99\":%.3f,\"max\":%.3f}}\n",
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    (summary.requests - e.status) / (summary.duration / 1e6), e.status,
    e.connect + e.read + e.write + e.timeout, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000))
end'
cat >"$tmp/ack.lua" <<LUA
-- Each request acknowledges a different duty: thread t takes duties t, t+T, t+2T, ...
local counter, step = 0, 2
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) i = id end
function request()
  local path = "/api/v1/plans/bench/duties/d" .. i .. "/events"
  i = i + step
  return wrk.format("POST", path, {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
                    '{"event":"acknowledge"}')
end
$report
LUA
printf '%s\n' "$report" >"$tmp/health.lua"
measure() { # NAME ARGS...: runs wrk, prints its JSON line with the setting added
  local name=$1 line
  shift
  line=$(wrk -t2 -c64 -d"${secs}s" "$@" | grep '^{')
  printf '{"bench":"http_wrk","target":"%s","duties_in_plan":%s,"synchronous":"%s","threads":2,"connections":64,%s\n' \
    "$name" "$n" "$sync" "${line#\{}"
  echo "== $name (64 connections, 2 threads, ${secs}s, synchronous=$sync): $line" >&2
}
measure healthz -s "$tmp/health.lua" "http://127.0.0.1:$port/healthz"
measure acknowledge -s "$tmp/ack.lua" "http://127.0.0.1:$port"
echo "== journal: $(sqlite3 "file:$tmp/d/j.db?mode=ro" "select count(*) from events where type='acknowledge'") acknowledge events" >&2
