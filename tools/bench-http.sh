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
b="$root/build/tools"
tmp=$(mktemp -d)
pid=""
trap '[[ -n $pid ]] && kill -TERM $pid 2>/dev/null && wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plans"
"$b/dutyflow-bench" plan --duties "$n" --out "$tmp/plans/bench.json"
token=$("$b/dutyflow" token add --tokens "$tmp/tokens.json" --name xa-a --role unit --unit xa-a)
port=$((20000 + RANDOM % 20000))
# The plan load queues one "assigned" notification per duty; the dispatcher delivering
# 120,000 of them would compete for the journal's write lock during the measurement, so
# this run measures the engine and HTTP path with delivery switched off.
sed -e 's/"enabled": true/"enabled": false/' -e "s/\"synchronous\": \"full\"/\"synchronous\": \"$sync\"/" \
  "$root/config/dutyflowd.json" >"$tmp/dutyflowd.json"
"$b/dutyflowd" --config "$tmp/dutyflowd.json" --db "$tmp/j.db" --plans "$tmp/plans" \
  --tokens "$tmp/tokens.json" --listen "127.0.0.1:$port" >"$tmp/daemon.log" 2>&1 &
pid=$!
until grep -q "dutyflowd ready" "$tmp/daemon.log"; do
  kill -0 $pid 2>/dev/null || { cat "$tmp/daemon.log" >&2; exit 1; }
  sleep 0.2
done
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
echo "== journal: $(sqlite3 "$tmp/j.db" "select count(*) from events where type='acknowledge'") acknowledge events" >&2
