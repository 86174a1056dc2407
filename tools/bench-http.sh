#!/usr/bin/env bash
# Issue 3b: acknowledgements per second over HTTP with wrk at 64 connections, next to the
# same binary's /healthz rate measured in the same run. Starts its own dutyflowd on a
# loopback port with a scratch journal and a plan of N duties, stops it by pid.
# Usage: tools/bench-http.sh [DUTIES] [SECONDS]   (needs: apt-get install wrk)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
n=${1:-120000}
secs=${2:-5}
b="$root/build/tools"
tmp=$(mktemp -d)
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$tmp"' EXIT
mkdir -p "$tmp/plans"
"$b/dutyflow-bench" plan --duties "$n" --out "$tmp/plans/bench.json"
token=$("$b/dutyflow" token add --tokens "$tmp/tokens.json" --name xa-a --role unit --unit xa-a)
port=$((20000 + RANDOM % 20000))
# The plan load queues one "assigned" notification per duty; the dispatcher delivering
# 120,000 of them would compete for the journal's write lock during the measurement, so
# this run measures the engine and HTTP path with delivery switched off.
sed 's/"enabled": true/"enabled": false/' "$root/config/dutyflowd.json" >"$tmp/dutyflowd.json"
"$b/dutyflowd" --config "$tmp/dutyflowd.json" --db "$tmp/j.db" --plans "$tmp/plans" \
  --tokens "$tmp/tokens.json" --listen "127.0.0.1:$port" >"$tmp/daemon.log" 2>&1 &
pid=$!
until grep -q "dutyflowd ready" "$tmp/daemon.log"; do
  kill -0 $pid 2>/dev/null || { cat "$tmp/daemon.log"; exit 1; }
  sleep 0.2
done
cat >"$tmp/ack.lua" <<LUA
-- Each request acknowledges a different duty: thread t takes duties t, t+T, t+2T, ...
local counter, step = 0, 2
local codes = {}
function setup(thread) thread:set("id", counter); counter = counter + 1 end
function init(args) i = id; ok = 0; other = 0 end
function request()
  local path = "/api/v1/plans/bench/duties/d" .. i .. "/events"
  i = i + step
  return wrk.format("POST", path, {["Authorization"] = "Bearer $token", ["Content-Type"] = "application/json"},
                    '{"event":"acknowledge"}')
end
function response(status) if status == 200 then ok = ok + 1 else other = other + 1 end end
function done(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
cat >"$tmp/health.lua" <<'LUA'
function done(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f max_ms=%.2f\n", latency:percentile(50) / 1000,
                         latency:percentile(99) / 1000, latency.max / 1000))
end
LUA
echo "== /healthz (64 connections, 2 threads, ${secs}s)"
wrk -t2 -c64 -d"${secs}s" -s "$tmp/health.lua" "http://127.0.0.1:$port/healthz" | grep -E "Requests/sec|p50_ms|Non-2xx"
echo "== acknowledge (64 connections, 2 threads, ${secs}s, one duty per request, durable before the answer)"
wrk -t2 -c64 -d"${secs}s" -s "$tmp/ack.lua" "http://127.0.0.1:$port" | grep -E "Requests/sec|p50_ms|Non-2xx"
echo "== journal: $(sqlite3 "$tmp/j.db" "select count(*) from events where type='acknowledge'") acknowledge events"
