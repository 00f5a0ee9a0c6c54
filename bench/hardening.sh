#!/usr/bin/env bash
# The hardening figures (issue 14), per backend on the seeded set:
#
#   bench/hardening.sh [EMPLOYEES] [BACKENDS]      defaults 20000 and "sqlite postgres"
#
#   1. memory against hostile requests: RSS idle, then after ≥ 50,000 requests with invented
#      methods and random paths (no token), and the /metrics series count before and after;
#   2. a login flood: GET /trainings/{id} p99 idle, then during 10 s of valid logins (-c16), with
#      the logins' status counts;
#   3. 8 parallel full SIASN CSV exports: peak RSS growth over the RSS before them (the peak is
#      reset through /proc/PID/clear_refs), bytes and rows each, and the slowest /health/live
#      answered meanwhile;
#   4. the shutdown drain: a fresh server with KOMPETENSI_SHUTDOWN_DRAIN_SECONDS=5 under 8
#      clients requesting GET /trainings/{id} for 6 s, SIGTERM after 2 s; failed requests
#      (connect, read, write, timeout, non-2xx) and the exit status.
#
# Environment: BENCH_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test). Loopback only;
# every load run is bounded; the servers and databases it makes are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
EMPLOYEES="${1:-20000}"
BACKENDS="${2:-sqlite postgres}"
PG_BASE="${BENCH_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}"
SECRET="bench-secret-bench-secret-bench-secret-00"
PASSWORD="bench-password-1"
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup bench/hardening.sh wrk psql curl python3

cat > "$WORK/hostile.lua" <<'LUA'
-- Invented methods on real paths, GET on invented paths, and both, in turn.
math.randomseed(os.time())
local real = {"/api/v1/trainings/1", "/api/v1/partners", "/health/live", "/api/v1/reports/summary"}
local n = 0
request = function()
  n = n + 1
  local method = string.format("X%05d", math.random(0, 99999))
  local path = string.format("/api/v1/%x/%d", math.random(0, 2^30), math.random(0, 2^30))
  if n % 3 == 0 then
    return wrk.format(method, real[math.random(#real)])
  elseif n % 3 == 1 then
    return wrk.format("GET", path)
  end
  return wrk.format(method, path)
end
done = function(summary)
  io.write(string.format("RESULT %d\n", summary.requests))
end
LUA
cat > "$WORK/get.lua" <<'LUA'
done = function(summary, latency)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %d %.2f %d\n", summary.requests, latency:percentile(99) / 1000, failed))
end
LUA
cat > "$WORK/login.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"admin","password":"$PASSWORD"}'
-- Each wrk thread is its own Lua state: the threads count, done() adds their counts up.
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init() statuses = {} end
function response(status) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary)
  local total = {}
  for _, t in ipairs(threads) do
    for s, c in pairs(t:get("statuses")) do total[s] = (total[s] or 0) + c end
  end
  local parts = {}
  for s, c in pairs(total) do parts[#parts + 1] = s .. "×" .. c end
  table.sort(parts)
  io.write("RESULT " .. summary.requests .. " " .. table.concat(parts, ",") .. "\n")
end
LUA

rss() { awk '/VmRSS/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
hwm() { awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
series() { curl -s "$1/metrics" | grep -vc '^#' || true; }

start() { # db_url port drain_seconds -> pid in $PID
  DATABASE_URL="$1" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_BIND="127.0.0.1:$2" \
    KOMPETENSI_SHUTDOWN_DRAIN_SECONDS="$3" RUST_LOG=error "$BIN" &
  PID=$!
  PIDS+=("$PID")
  for _ in $(seq 1 200); do curl -sf "http://127.0.0.1:$2/health/ready" >/dev/null && return; sleep 0.1; done
  echo "server did not start"; exit 1
}

row() { printf "| %-58s | %18s |\n" "$1" "$2"; }

run_backend() {
  local label=$1 db_url=$2 port=$3
  DATABASE_URL="$db_url" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_ADMIN_PASSWORD="$PASSWORD" RUST_LOG=error \
    "$BIN" seed-demo --employees "$EMPLOYEES" >/dev/null
  case "$db_url" in
    postgres*) psql "$db_url" -qc "VACUUM ANALYZE" -qc "CHECKPOINT" >/dev/null ;;
  esac
  start "$db_url" "$port" 0
  local pid=$PID url="http://127.0.0.1:$port"
  local token
  token=$(curl -sf -XPOST "$url/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  local auth="Authorization: Bearer $token"
  local training
  training=$(curl -sf "$url/api/v1/trainings?per_page=1&status=completed" -H "$auth" | python3 -c 'import json,sys; print(json.load(sys.stdin)["items"][0]["id"])')
  echo
  echo "### $label — $EMPLOYEES employees"
  echo
  row "measure" "figure"
  row "---" "---:"

  # 1. Hostile methods and paths.
  for path in /api/v1/partners /health/live "/api/v1/trainings/$training"; do curl -s -o /dev/null "$url$path" -H "$auth"; done
  local idle before_series requests after after_series
  idle=$(rss "$pid"); before_series=$(series "$url")
  requests=$(wrk -t2 -c32 -d10s -s "$WORK/hostile.lua" "$url" | awk '/^RESULT/ {print $2}')
  sleep 1
  after=$(rss "$pid"); after_series=$(series "$url")
  row "RSS idle (MiB)" "$idle"
  row "RSS after $requests invented-method/path requests (MiB)" "$after"
  row "  growth (MiB; target ≤ 10)" "$(echo "$after - $idle" | bc)"
  row "/metrics series before / after" "$before_series / $after_series"

  # 2. GET p99 idle and during a flood of valid logins.
  local idle_get flood_get logins
  wrk -t1 -c4 -d2s -H "$auth" "$url/api/v1/trainings/$training" >/dev/null   # warm-up
  idle_get=$(wrk -t1 -c4 -d8s -H "$auth" -s "$WORK/get.lua" "$url/api/v1/trainings/$training" | awk '/^RESULT/ {print $3}')
  wrk -t1 -c16 -d10s -s "$WORK/login.lua" "$url/api/v1/auth/login" > "$WORK/logins" &
  local flood=$!
  sleep 1
  flood_get=$(wrk -t1 -c4 -d8s -H "$auth" -s "$WORK/get.lua" "$url/api/v1/trainings/$training" | awk '/^RESULT/ {print $3}')
  wait "$flood"
  logins=$(awk '/^RESULT/ {print $2 " (" $3 ")"}' "$WORK/logins")
  row "GET /trainings/{id} p99 idle (ms), -c4" "$idle_get"
  row "GET /trainings/{id} p99 during a valid-login flood (ms)" "$flood_get"
  row "  ratio (target ≤ 5)" "$(echo "scale=2; $flood_get / $idle_get" | bc)"
  row "logins in the flood, -c16 10 s (status×count)" "$logins"

  # 3. Eight parallel full SIASN exports.
  curl -s -o /dev/null "$url/api/v1/exports/siasn/course-records.csv" -H "$auth"   # warm-up
  sleep 1
  echo 5 > "/proc/$pid/clear_refs"
  local base started elapsed
  base=$(rss "$pid")
  started=$(date +%s.%N)
  local exports=()
  for n in $(seq 1 8); do
    curl -s -o "$WORK/export$n.csv" "$url/api/v1/exports/siasn/course-records.csv" -H "$auth" &
    exports+=($!)
  done
  local slowest=0
  running() { for p in "${exports[@]}"; do kill -0 "$p" 2>/dev/null && return 0; done; return 1; }
  while running; do
    local t
    t=$(curl -s -o /dev/null -w '%{time_total}' "$url/health/live")
    slowest=$(echo "if ($t > $slowest) $t else $slowest" | bc)
    sleep 0.05
  done
  wait "${exports[@]}"
  elapsed=$(echo "$(date +%s.%N) - $started" | bc)
  row "8 parallel CSV exports: rows / MiB each" "$(( $(wc -l < "$WORK/export1.csv") - 1 )) / $(awk -v b="$(stat -c %s "$WORK/export1.csv")" 'BEGIN {printf "%.1f", b/1048576}')"
  row "  all identical" "$(cmp -s "$WORK/export1.csv" "$WORK/export8.csv" && echo yes || echo no)"
  row "  RSS before / peak during (MiB)" "$base / $(hwm "$pid")"
  row "  peak RSS growth (MiB; target ≤ 32)" "$(echo "$(hwm "$pid") - $base" | bc)"
  row "  wall time (s)" "$(printf %.1f "$elapsed")"
  row "  slowest /health/live meanwhile (ms)" "$(echo "$slowest * 1000" | bc | xargs printf %.0f)"
  kill "$pid"; wait "$pid" 2>/dev/null || true

  # 4. The shutdown drain under a steady stream of requests.
  start "$db_url" "$port" 5
  pid=$PID
  wrk -t2 -c8 -d6s -H "$auth" -s "$WORK/get.lua" "$url/api/v1/trainings/$training" > "$WORK/drain" &
  local load=$!
  sleep 2
  kill -TERM "$pid"
  local ready
  ready=$(curl -s -o /dev/null -w '%{http_code}' "$url/health/ready")
  wait "$load"
  local rc=0
  wait "$pid" || rc=$?
  row "drain: /health/ready just after SIGTERM" "$ready"
  row "drain: requests / failed, 8 clients 6 s, SIGTERM at 2 s" "$(awk '/^RESULT/ {print $2 " / " $4}' "$WORK/drain")"
  row "drain: server exit status" "$rc"
}

for backend in $BACKENDS; do
  case $backend in
    sqlite) run_backend SQLite "sqlite://$WORK/bench.db" 18281 ;;
    postgres)
      DB="kbench_hard_$$"
      psql "$PG_BASE" -qc "CREATE DATABASE $DB" >/dev/null
      DBS+=("$DB")
      run_backend PostgreSQL "$(with_db "$PG_BASE" "$DB")" 18282 ;;
  esac
done
