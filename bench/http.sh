#!/usr/bin/env bash
# Read throughput of the release binary under wrk, on SQLite and PostgreSQL, on the seed-demo set.
#   bench/http.sh [EMPLOYEES] [SECONDS]      (defaults 20000, 10)
# Prints one line per backend and endpoint: requests/s and latency percentiles, then the median
# latency of every report over 11 requests. Loopback only;
# every wrk run is bounded by SECONDS; the servers it starts are stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
EMPLOYEES="${1:-20000}"
SECONDS_PER_RUN="${2:-10}"
PG_BASE="${BENCH_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}"
SECRET="bench-secret-bench-secret-bench-secret-00"
PASSWORD="bench-password-1"
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)"; exit 1; }
cargo build --release -q
BIN=target/release/kompetensi
WORK=$(mktemp -d)
PIDS=()
cleanup() { for p in "${PIDS[@]:-}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

cat > "$WORK/report.lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("%10.0f req/s  p50 %6.2f ms  p99 %6.2f ms  errors %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000, summary.errors.status + summary.errors.connect + summary.errors.timeout))
end
LUA

run_backend() {
  local label=$1 url=$2 port=$3
  DATABASE_URL="$url" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_ADMIN_PASSWORD="$PASSWORD" RUST_LOG=error \
    "$BIN" seed-demo --employees "$EMPLOYEES" | tail -1
  DATABASE_URL="$url" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_BIND="127.0.0.1:$port" RUST_LOG=error "$BIN" &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
  local token
  token=$(curl -sf -XPOST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local training
  training=$(curl -sf "http://127.0.0.1:$port/api/v1/trainings?status=completed&per_page=1" -H "authorization: Bearer $token" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  echo "idle RSS ($label): $(ps -o rss= -p "$pid" | awk '{printf "%.1f MiB", $1/1024}')"
  for path in "/api/v1/partners/1" "/api/v1/trainings/$training" "/api/v1/trainings?per_page=20"; do
    printf "%-9s %-32s" "$label" "$path"
    wrk -t2 -c32 -d"${SECONDS_PER_RUN}s" -s "$WORK/report.lua" -H "Authorization: Bearer $token" "http://127.0.0.1:$port$path" | tail -1
  done
  for report in training-evaluation learning-outcomes jp-compliance competency-gaps training-needs partners trainers summary; do
    printf "%-9s report %-22s" "$label" "$report"
    for _ in $(seq 1 11); do
      curl -s -o /dev/null -w '%{time_total}\n' "http://127.0.0.1:$port/api/v1/reports/$report" -H "authorization: Bearer $token"
    done | sort -n | awk 'NR==6 {printf "median %7.1f ms\n", $1*1000}'
  done
  echo "peak RSS ($label): $(awk '/VmHWM/ {printf "%.1f MiB", $2/1024}' "/proc/$pid/status")"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

run_backend sqlite "sqlite://$WORK/bench.db" 18181
DB="kbench_http_$$"
psql "$PG_BASE" -qc "CREATE DATABASE $DB" >/dev/null
run_backend postgres "${PG_BASE%/*}/$DB" 18182
psql "$PG_BASE" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
