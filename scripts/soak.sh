#!/usr/bin/env bash
# Soak test (not in CI): a release server under mixed load for a long stretch —
# submissions from kiosks, office pages and API reads, a CSV export every minute —
# with the server's memory, open files, threads and the latency of a dashboard read
# and a submission sampled once a minute. Memory must level off, not grow with time.
#
#   scripts/soak.sh                         # 20 minutes on SQLite
#   MINUTES=5 scripts/soak.sh               # a shorter look
#   DB=postgres scripts/soak.sh             # PostgreSQL (PG_URL, default the local test db)
#   RATE=200 scripts/soak.sh                # submissions per second (default 100)
#
# Needs wrk and curl. Prints one row a minute and a verdict on the memory curve.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-20}
RATE=${RATE:-100}
DB=${DB:-sqlite}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
bin=$PWD/target/release/minyi
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "${schema:-}" ]; then PGOPTIONS=--client-min-messages=warning psql "$PG_URL" -qc "DROP SCHEMA $schema CASCADE" || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT
export ROCKET_ADDRESS=127.0.0.1 ROCKET_LOG_LEVEL=critical ROCKET_CLI_COLORS=false
export ROCKET_SURVEYS_DIR="$PWD/surveys"
export ROCKET_SECRET_KEY=$(printf '4c%.0s' $(seq 32))
export ROCKET_RATE_PER_SOURCE_PER_MINUTE=100000000
if [ "$DB" = postgres ]; then
  schema="soak_$(date +%s)_$$"
  psql "$PG_URL" -qc "CREATE SCHEMA $schema"
  export DATABASE_URL="$PG_URL?options=-c%20search_path%3D$schema"
else
  export DATABASE_URL="sqlite://$tmp/soak.sqlite3"
fi
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
export ROCKET_PORT=$port
base="http://127.0.0.1:$port"

echo "== preparing: two demo waves of 25,000, an intake token, a viewer and an admin"
"$bin" demo --per-wave 25000 >"$tmp/demo.txt"
MINYI_TOKEN=$("$bin" token add --intake --label soak 2>/dev/null)
export MINYI_TOKEN
printf 'a long soak password 1\n' | "$bin" user add soak-admin --role admin >/dev/null
API_TOKEN=$("$bin" token add --user soak-admin --label soak 2>/dev/null)

# A script cannot read a phone: this run asks no role for a second factor.
ROCKET_TWO_FACTOR_ROLES='[]' "$bin" serve >"$tmp/server.log" 2>&1 &
server=$!
pids+=("$server")
for _ in $(seq 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

# A signed-in browser for the office pages and downloads.
jar="$tmp/cookies"
csrf=$(curl -s -c "$jar" "$base/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
curl -s -b "$jar" -c "$jar" -o /dev/null -d "csrf=$csrf&username=soak-admin&password=a+long+soak+password+1&next=/office" "$base/login"

# Kiosks: wrk at a steady rate (each of 4 connections waits between requests).
delay=$(( 4000 / RATE ))
cat >"$tmp/paced.lua" <<LUA
dofile("$PWD/scripts/load/submit.lua")
function delay() return $delay end
LUA
seconds=$(( MINUTES * 60 ))
wrk -t2 -c4 -d"${seconds}s" --latency -s "$tmp/paced.lua" "$base/api/surveys/civility-2026/responses" >"$tmp/wrk.txt" 2>&1 &
pids+=("$!")

# Office staff: every office page and the read API, round and round.
pages=(/office/civility-2026 /office/civility-2026/d/XC /office/civility-2026/quality
  /office/civility-2026/voices /office/civility-2026/funnel /office/civility-2026/interviewers
  "/office/civility-2026/chart/heat.svg" /office/audit)
(
  while true; do
    for p in "${pages[@]}"; do curl -s -o /dev/null -b "$jar" "$base$p"; sleep 1; done
    curl -s -o /dev/null -H "Authorization: Bearer $API_TOKEN" "$base/api/surveys/civility-2026/summary"
  done
) &
pids+=("$!")
# An export every minute.
(
  while true; do
    curl -s -o /dev/null -b "$jar" "$base/office/civility-2026/download/responses.csv"
    sleep 60
  done
) &
pids+=("$!")

kib() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }
printf '%-6s %10s %10s %6s %8s %12s %12s %10s\n' minute rss_mib hwm_mib fds threads summary_ms submit_ms wave2_rows
: >"$tmp/curve.txt"
for m in $(seq 1 "$MINUTES"); do
  sleep 60
  kill -0 "$server" 2>/dev/null || { echo "the server died; its log:"; tail -20 "$tmp/server.log"; exit 1; }
  rss=$(( $(kib VmRSS) / 1024 )); hwm=$(( $(kib VmHWM) / 1024 ))
  fds=$(ls "/proc/$server/fd" | wc -l); threads=$(kib Threads)
  summary=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $API_TOKEN" "$base/api/surveys/civility-2026/summary")
  key="soak-probe-$m"
  submit=$(curl -s -o /dev/null -w '%{time_total}' -H "Authorization: Bearer $MINYI_TOKEN" -H 'Content-Type: application/json' \
    -d "{\"district\":\"XC\",\"submission_key\":\"$key\",\"answers\":{\"age_band\":\"a40\",\"residence\":\"gt3y\",\"district\":\"XC\",\"aware_campaign\":\"1\",\"aware_values\":\"2\",\"quiz_values\":\"b\",\"support\":\"1\",\"participated\":\"3\",\"sat_sanitation\":\"4\",\"sat_shops\":\"4\",\"sat_culture\":\"dk\",\"sat_security\":\"5\",\"sat_ecology\":\"4\",\"sat_traffic\":\"3\",\"sat_windows\":\"4\",\"sat_minors\":\"4\",\"civic_behaviour\":\"4\",\"sat_overall\":\"4\",\"sex\":\"f\"}}" \
    "$base/api/surveys/civility-2026/responses")
  n=$(curl -s -H "Authorization: Bearer $API_TOKEN"  "$base/api/surveys/civility-2026/summary?wave=2" | python3 -c 'import json,sys; v=json.load(sys.stdin); print(sum(c["total"] for c in v.get("counts", [])))' 2>/dev/null || echo "?")
  printf '%-6s %10s %10s %6s %8s %12.1f %12.1f %10s\n' "$m" "$rss" "$hwm" "$fds" "$threads" \
    "$(echo "$summary * 1000" | bc -l)" "$(echo "$submit * 1000" | bc -l)" "$n"
  echo "$m $rss" >>"$tmp/curve.txt"
done
wait "${pids[1]}" 2>/dev/null || true
echo "== kiosks (wrk): $(awk '/Requests\/sec/ {print $2}' "$tmp/wrk.txt") req/s, p99 $(awk '$1 == "99%" {print $2}' "$tmp/wrk.txt"), $(grep -o 'created=[0-9]* server_errors=[0-9]*' "$tmp/wrk.txt")"
# Memory levels off when the last third of the run grows by less than a tenth of the
# first third's level (caches fill early; a leak keeps climbing).
python3 - "$tmp/curve.txt" <<'PY'
import sys
rows = [tuple(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
if len(rows) < 3:
    print("too short to judge the memory curve"); sys.exit(0)
third = max(1, len(rows) // 3)
early = max(r[1] for r in rows[:third]); late_first, late_last = rows[-third][1], rows[-1][1]
growth = late_last - late_first
print(f"memory: {early:.0f} MiB at most in the first third; the last third went from {late_first:.0f} to {late_last:.0f} MiB")
print(("LEVEL   " if growth <= 0.1 * early else "GROWING ") + f"growth over the last third {growth:+.0f} MiB (limit +{0.1*early:.0f})")
PY
