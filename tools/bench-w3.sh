#!/usr/bin/env bash
# W3 (../shared/peers/README.md) for dutyflow: one client process per operation, run
# sequentially against a scratch dutyflowd on loopback, timed with bash's $EPOCHREALTIME as
# the taskwarrior peer (w3_taskwarrior.sh) is. The mapping, since dutyflow tracks duties of
# plans rather than free-standing tasks:
#   add       a one-duty plan (report duty "d" of plan w3-<i>, owner xa-a, due "at" now +
#             (i - N/2) h) POSTed to /api/v1/plans with curl: the dutyflow CLI has no
#             plan-upload command, and a plan is the only way to create a duty. Duties
#             already past due get their due_soon and overdue events from the scheduler
#             right after the load, as the daemon does for any plan.
#   annotate  dutyflow fire w3-<i>/d comment --note "reviewed by user-<k>" (the owner unit)
#   done      a report duty is Done after four events by two roles, each its own CLI call:
#             dutyflow ack, fire start, fire submit (owner), fire approve (coordinator).
#             Reported per task (4 processes) and per process.
#   overdue   dutyflow duties --overdue (open duties past their deadline, as task overdue)
#   list      dutyflow duties: every duty, done ones included; the CLI has no "open only"
#             filter, so at the end it prints N rows where task list prints none.
# Env: N (default 1000), SYNCHRONOUS (full, the daemon's default | normal).
# Prints one JSON line.
set -euo pipefail
DUTYFLOW_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=tools/bench-daemon.sh
source "$DUTYFLOW_ROOT/tools/bench-daemon.sh"
N=${N:-1000}
sync=${SYNCHRONOUS:-full}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/dutyflow-w3.XXXXXX")
trap 'bench_daemon_stop; rm -rf "$tmp"' EXIT
bench_daemon_start "$tmp/d" "$sync"
cli=("$BENCH_BIN/dutyflow" --server "$BENCH_DAEMON_URL")
unit=(--token-file "$tmp/d/unit.token")
coord=(--token-file "$tmp/d/coord.token")
(umask 077; printf 'Authorization: Bearer %s\n' "$(cat "$tmp/d/coord.token")" >"$tmp/coord.hdr")

# The plans are written before the clock starts, as the peer computes its due dates first.
mkdir -p "$tmp/plans"
now=$(printf '%(%s)T' -1)
plan_fmt='{"id":"w3-%d","number":"%d/W3","title":"W3","issuer":"UBND huyện Phong Thổ","issued_on":"2023-06-05",'
plan_fmt+='"coordinator":"noi-vu","units":[{"id":"noi-vu","name":"Phòng Nội vụ"},{"id":"xa-a","name":"Xã A"}],'
plan_fmt+='"defaults":{"reminders":{"before":[],"overdue_every":null,"escalate_after":null}},'
plan_fmt+='"duties":[{"id":"d","kind":"report","title":"duty %d","owner":"xa-a","due":{"at":"%s+00:00"}}]}'
for ((i = 1; i <= N; i++)); do
  TZ=UTC0 printf -v due '%(%Y-%m-%dT%H:%M:%S)T' $((now + (i - N / 2) * 3600))
  # shellcheck disable=SC2059
  printf "$plan_fmt" "$i" "$i" "$i" "$due" >"$tmp/plans/$i.json"
done

ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", (b - a) * 1000 }'; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.1f", n / (b - a) }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
# median of 5 timings (ms) of a listing; rows = its lines less the header
time_report() {
  local a b rows; local -a v=()
  for _ in 1 2 3 4 5; do
    a=$EPOCHREALTIME; "${cli[@]}" "${coord[@]}" duties "$@" >"$tmp/report.out" 2>&1; b=$EPOCHREALTIME
    v+=("$(ms "$a" "$b")")
  done
  rows=$(($(grep -c . "$tmp/report.out") - 1))
  printf '{"ms":%s,"rows":%s}' "$(printf '%s\n' "${v[@]}" | sort -g | sed -n 3p)" "$rows"
}
: >"$tmp/err.out"

t0=$EPOCHREALTIME
for ((i = 1; i <= N; i++)); do
  code=$(curl -sS -o /dev/null -w '%{http_code}' -H @"$tmp/coord.hdr" -H 'Content-Type: application/json' \
    --data-binary @"$tmp/plans/$i.json" "$BENCH_DAEMON_URL/api/v1/plans" 2>>"$tmp/err.out") || true
  [[ $code == 201 ]] || echo "add $i: HTTP $code" >>"$tmp/err.out"
done
t1=$EPOCHREALTIME
after_add_overdue=$(time_report --overdue)
after_add_list=$(time_report)

t2=$EPOCHREALTIME
for ((i = 1; i <= N; i++)); do
  "${cli[@]}" "${unit[@]}" fire "w3-$i/d" comment --note "reviewed by user-$((i % 50))" >/dev/null 2>>"$tmp/err.out"
done
t3=$EPOCHREALTIME
for ((i = 1; i <= N; i++)); do
  {
    "${cli[@]}" "${unit[@]}" ack "w3-$i/d"
    "${cli[@]}" "${unit[@]}" fire "w3-$i/d" start
    "${cli[@]}" "${unit[@]}" fire "w3-$i/d" submit
    "${cli[@]}" "${coord[@]}" fire "w3-$i/d" approve
  } >/dev/null 2>>"$tmp/err.out"
done
t4=$EPOCHREALTIME
end_overdue=$(time_report --overdue)
end_list=$(time_report)

# What the daemon says, not what the loop believes it did.
plans_json=$(curl -sS -H @"$tmp/coord.hdr" "$BENCH_DAEMON_URL/api/v1/plans")
done_count=$(jq '[.plans[] | select(.id | startswith("w3-")) | .counts.done] | add // 0' <<<"$plans_json")
open_count=$(jq '[.plans[] | select(.id | startswith("w3-")) | .counts.total - .counts.done] | add // 0' <<<"$plans_json")
comments=$(sqlite3 "file:$tmp/d/j.db?mode=ro" "select count(*) from events where type = 'comment'")
overdue_events=$(sqlite3 "file:$tmp/d/j.db?mode=ro" "select count(*) from events where type = 'overdue'")
errs=$(grep -c . "$tmp/err.out" || true)
printf '{"workload":"W3","system":"dutyflow","n":%s,"synchronous":"%s",' "$N" "$sync"
printf '"add_ops_per_s":%s,"annotate_ops_per_s":%s,"done_tasks_per_s":%s,"done_calls_per_task":4,"done_calls_per_s":%s,' \
  "$(rate "$N" "$t0" "$t1")" "$(rate "$N" "$t2" "$t3")" "$(rate "$N" "$t3" "$t4")" "$(rate $((4 * N)) "$t3" "$t4")"
printf '"phase_wall_s":{"add":%s,"annotate":%s,"done":%s},' "$(secs "$t0" "$t1")" "$(secs "$t2" "$t3")" "$(secs "$t3" "$t4")"
printf '"end_overdue":%s,"end_list":%s,"after_add_overdue":%s,"after_add_list":%s,' \
  "$end_overdue" "$end_list" "$after_add_overdue" "$after_add_list"
printf '"check":{"done":%s,"open":%s,"comments":%s,"overdue_events":%s,"stderr_lines":%s}}\n' \
  "$done_count" "$open_count" "$comments" "$overdue_events" "$errs"
[[ $done_count -eq $N && $open_count -eq 0 && $comments -eq $N && $errs -eq 0 ]]
