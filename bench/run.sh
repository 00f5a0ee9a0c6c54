#!/usr/bin/env bash
# The performance harness (issues 6 and 19): one command, both backends, one table each.
#
#   bench/run.sh [EMPLOYEES] [SECONDS]          defaults 20000 and 10 (BENCH_EMPLOYEES also sets
#                                               EMPLOYEES, e.g. 200000 for a province)
#
# First `pgbench -S -M prepared` on the PostgreSQL server (same transport, same -c/-j, SECONDS,
# after a checkpoint and a 2 s warm-up), the yardstick of every line. Then for SQLite and
# PostgreSQL it seeds `seed-demo --employees EMPLOYEES` (timed), starts the release binary, and
# measures with wrk from loopback (-t2 -c32, SECONDS per line), each line with its ratio to
# pgbench:
#   every single-row GET (trainings, partners, trainers, employees, enrolments, units,
#   competencies, positions, users, api-clients, settings) at random ids, also as a ratio to the
#   fastest of them
#   lists: GET /trainings?per_page=20&page=N at random pages, GET /employees?q=<a name> (search),
#   each as served (pages are kept until a write) and computed every time (`Cache-Control:
#   no-cache`)
#   GET /employees/{id}/competency-profile and /learning-record of 100 employees, as served (kept
#   until a write, like list pages) and computed every time
#   writes: PATCH /enrolments/{id} (attendance of random enrolments of ongoing trainings),
#   POST /trainings/{id}/enrolments (random employees into open trainings: a full training or
#   an employee already enrolled answers 409, counted as non-2xx), POST
#   /trainings/{id}/feedback/paper (one response to a random ongoing training: 409 once every
#   eligible participant has responded)
#   every report under load (its answers cached; asked with `Accept-Encoding: gzip, deflate,
#   br, zstd`, as Chromium asks), and the median of 11 requests of every report computed afresh
#   (`Cache-Control: no-cache`, no compression)
# then the server's idle and peak RSS (each line also shows the RSS and the peak so far after
# it, so the load that raised the peak can be told). Both start alike: the seeded PostgreSQL database is
# VACUUM ANALYZEd and checkpointed, and the first GET gets a 2 s warm-up.
#
# Environment: BENCH_POSTGRES_URL (default postgres://root@127.0.0.1:5432/test) names the server
# and the transport: a `?host=/var/run/postgresql` URL benchmarks both over the Unix socket.
# BENCH_BACKENDS ("sqlite postgres" by default) picks the backends. KOMPETENSI_POOL_SIZE /
# KOMPETENSI_WORKERS pass through to the server. Loopback only; every load run is bounded by
# SECONDS; the servers and databases it makes are removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."
EMPLOYEES="${1:-${BENCH_EMPLOYEES:-20000}}"
SECS="${2:-10}"
PG_BASE="${BENCH_POSTGRES_URL:-postgres://root@127.0.0.1:5432/test}"
SECRET="bench-secret-bench-secret-bench-secret-00"
PASSWORD="bench-password-1"
CONNECTIONS=32
# shellcheck source=bench/lib.sh
. bench/lib.sh
bench_setup bench/run.sh wrk pgbench psql curl python3

# wrk: one Lua file per endpoint picks ids at random from a list and prints one line.
cat > "$WORK/common.lua" <<'LUA'
ids = {}
for line in io.lines(os.getenv("IDS")) do ids[#ids + 1] = line end
math.randomseed(os.time())
done = function(summary, latency, requests)
  local non2xx = summary.errors.status + summary.errors.connect + summary.errors.timeout
  io.write(string.format("RESULT %.0f %.2f %d\n", summary.requests / (summary.duration / 1e6),
    latency:percentile(99) / 1000, non2xx))
end
LUA
cat > "$WORK/get.lua" <<'LUA'
dofile(os.getenv("COMMON"))
request = function()
  return wrk.format("GET", string.format(os.getenv("PATH_FMT"), ids[math.random(#ids)]))
end
LUA
cat > "$WORK/patch.lua" <<'LUA'
dofile(os.getenv("COMMON"))
wrk.method = "PATCH"
wrk.headers["Content-Type"] = "application/json"
request = function()
  return wrk.format("PATCH", "/api/v1/enrolments/" .. ids[math.random(#ids)], nil,
    string.format('{"attendance_percent": %d}', math.random(50, 100)))
end
LUA
cat > "$WORK/post.lua" <<'LUA'
-- Each line of IDS: a path, a tab, a JSON body.
dofile(os.getenv("COMMON"))
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  local line = ids[math.random(#ids)]
  local tab = string.find(line, "\t")
  return wrk.format("POST", string.sub(line, 1, tab - 1), nil, string.sub(line, tab + 1))
end
LUA

load() { # label path_fmt ids_file script [header] -> "req/s p99 errors"
  local out
  out=$(COMMON="$WORK/common.lua" IDS="$3" PATH_FMT="$2" wrk -t2 -c$CONNECTIONS -d"${SECS}s" \
    -H "Authorization: Bearer $TOKEN" ${5:+-H "$5"} -s "$4" "$URL" | awk '/^RESULT/ {print $2, $3, $4}')
  echo "$out"
}

# The server's RSS and its peak so far (MiB) after each line: which load raised the peak.
rss_now() { awk '/VmRSS/ {r = $2} /VmHWM/ {h = $2} END {printf "%.1f / %.1f", r / 1024, h / 1024}' "/proc/$SERVER_PID/status"; }

row() { printf "| %-44s | %10s | %10s | %6s | %9s | %9s | %13s |\n" "$1" "$2" "$3" "$4" "${5:-}" "${6:-}" "${7:-$(rss_now)}"; }

ratio() { [ -n "$1" ] && [ -n "$2" ] && [ "$2" != 0 ] && echo "scale=2; $1 / $2" | bc || true; }

ids_of() { # path -> one id a line
  curl -sf "$api$1" -H "$auth" | python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["items"]]'
}

run_backend() {
  local label=$1 db_url=$2 port=$3
  local started seed_s
  started=$(date +%s.%N)
  DATABASE_URL="$db_url" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_ADMIN_PASSWORD="$PASSWORD" RUST_LOG=error \
    "$BIN" seed-demo --employees "$EMPLOYEES" >/dev/null
  seed_s=$(echo "$(date +%s.%N) - $started" | bc)
  # The same start as pgbench below: statistics and dirty pages settled (autovacuum would
  # otherwise analyse the fresh 200k rows during the first load), then a warm-up run.
  case "$db_url" in
    postgres*) psql "$db_url" -qc "VACUUM ANALYZE" -qc "CHECKPOINT" >/dev/null ;;
  esac
  DATABASE_URL="$db_url" KOMPETENSI_JWT_SECRET="$SECRET" KOMPETENSI_BIND="127.0.0.1:$port" RUST_LOG=error "$BIN" &
  local pid=$!
  SERVER_PID=$pid
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/health/ready" >/dev/null && break; sleep 0.1; done
  URL="http://127.0.0.1:$port"
  TOKEN=$(curl -sf -XPOST "$URL/api/v1/auth/login" -H 'content-type: application/json' \
    -d "{\"username\":\"admin\",\"password\":\"$PASSWORD\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["access_token"])')
  api="$URL/api/v1" auth="authorization: Bearer $TOKEN"
  local idle
  idle=$(ps -o rss= -p "$pid" | awk '{printf "%.1f", $1/1024}')
  # An API client and a few accounts, so their single-row GETs have rows to read.
  curl -sf -XPOST "$api/api-clients" -H "$auth" -H 'content-type: application/json' \
    -d '{"name":"Bench","scopes":["records:read"]}' >/dev/null
  for n in 1 2 3; do
    curl -sf -XPOST "$api/users" -H "$auth" -H 'content-type: application/json' \
      -d "{\"username\":\"bench$n\",\"display_name\":\"Bench $n\",\"password\":\"$PASSWORD\",\"role\":\"operator\"}" >/dev/null
  done
  ids_of "/trainings?per_page=100&status=completed" > "$WORK/trainings"
  ids_of "/employees?per_page=100" > "$WORK/employees"
  for r in partners trainers units competencies positions users api-clients; do
    ids_of "/$r?per_page=100" > "$WORK/$r"
  done
  echo 1 > "$WORK/settings"
  : > "$WORK/enrolments"
  for t in $(ids_of "/trainings?status=ongoing&per_page=100"); do
    curl -sf "$api/trainings/$t/enrolments?per_page=100" -H "$auth" \
      | python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["items"] if i["status"] in ("registered","attended")]' >> "$WORK/enrolments"
  done
  head -100 "$WORK/enrolments" > "$WORK/enrolment_ids"
  echo
  echo "### $label — $EMPLOYEES employees, wrk -t2 -c$CONNECTIONS ${SECS}s per line, pgbench $TPS tps"
  echo
  row "measure" "req/s" "p99 ms" "non2xx" "× pgbench" "× fastest" "RSS/peak MiB"
  row "---" "---:" "---:" "---:" "---:" "---:" "---:"
  local r by_id=() best=0
  SECS=2 load "$label" "/api/v1/trainings/%s" "$WORK/trainings" "$WORK/get.lua" >/dev/null   # warm-up
  for spec in "trainings:trainings" "partners:partners" "trainers:trainers" "employees:employees" \
              "enrolments:enrolment_ids" "units:units" "competencies:competencies" \
              "positions:positions" "users:users" "api-clients:api-clients" "settings:settings"; do
    local path=${spec%%:*} file=${spec##*:} fmt
    fmt="/api/v1/$path/%s"
    [ "$path" = settings ] && fmt="/api/v1/settings"
    r=$(load "$label" "$fmt" "$WORK/$file" "$WORK/get.lua")
    by_id+=("$path|$r")
    [ "${r%% *}" -gt "$best" ] && best=${r%% *}
  done
  for line in "${by_id[@]}"; do
    local path=${line%%|*} values=${line#*|}
    local name="GET /$path/{id}"
    [ "$path" = settings ] && name="GET /settings"
    row "$name" $values "$(ratio "${values%% *}" "$TPS")" "$(ratio "${values%% *}" "$best")"
  done
  seq 1 "$(curl -sf "$api/trainings?per_page=20" -H "$auth" | python3 -c 'import json,sys; print(max(1, -(-json.load(sys.stdin)["total"] // 20)))')" > "$WORK/pages"
  # Name search: a part of the names of random employees (first names and family names alike).
  curl -sf "$api/employees?per_page=100&sort=-nip" -H "$auth" \
    | python3 -c 'import json,sys,urllib.parse as u; [print(u.quote(w[:5])) for i in json.load(sys.stdin)["items"] for w in i["name"].split()[:2]]' > "$WORK/names"
  r=$(load "$label" "/api/v1/trainings?per_page=20&page=%s" "$WORK/pages" "$WORK/get.lua"); row "GET /trainings?per_page=20&page=N" $r "$(ratio "${r%% *}" "$TPS")"
  r=$(load "$label" "/api/v1/employees?q=%s" "$WORK/names" "$WORK/get.lua"); row "GET /employees?q=<name>" $r "$(ratio "${r%% *}" "$TPS")"
  r=$(load "$label" "/api/v1/trainings?per_page=20&page=%s" "$WORK/pages" "$WORK/get.lua" "Cache-Control: no-cache"); row "GET /trainings?page=N, computed (no-cache)" $r "$(ratio "${r%% *}" "$TPS")"
  r=$(load "$label" "/api/v1/employees?q=%s" "$WORK/names" "$WORK/get.lua" "Cache-Control: no-cache"); row "GET /employees?q=<name>, computed (no-cache)" $r "$(ratio "${r%% *}" "$TPS")"
  for record in competency-profile learning-record; do
    r=$(load "$label" "/api/v1/employees/%s/$record" "$WORK/employees" "$WORK/get.lua"); row "GET /employees/{id}/$record" $r "$(ratio "${r%% *}" "$TPS")"
    r=$(load "$label" "/api/v1/employees/%s/$record" "$WORK/employees" "$WORK/get.lua" "Cache-Control: no-cache"); row "GET /employees/{id}/$record, computed (no-cache)" $r "$(ratio "${r%% *}" "$TPS")"
  done
  r=$(load "$label" "" "$WORK/enrolments" "$WORK/patch.lua"); row "PATCH /enrolments/{id} (attendance)" $r "$(ratio "${r%% *}" "$TPS")"
  # Enrolments: random employees into the open trainings.
  ids_of "/trainings?status=open&per_page=100" > "$WORK/open"
  curl -sf "$api/employees?per_page=100&sort=-name" -H "$auth" | python3 -c 'import json,sys; [print(i["id"]) for i in json.load(sys.stdin)["items"]]' >> "$WORK/employees"
  python3 - "$WORK/open" "$WORK/employees" > "$WORK/enrol" <<'PY'
import random, sys
trainings = open(sys.argv[1]).read().split()
employees = open(sys.argv[2]).read().split()
for _ in range(5000):
    t, e = random.choice(trainings), random.choice(employees)
    print(f'/api/v1/trainings/{t}/enrolments\t{{"employee_id": {e}}}')
PY
  r=$(load "$label" "" "$WORK/enrol" "$WORK/post.lua"); row "POST /trainings/{id}/enrolments" $r "$(ratio "${r%% *}" "$TPS")"
  ids_of "/trainings?status=ongoing&per_page=100" | python3 -c '
import sys
body = "{\"responses\": [{\"ratings\": {\"material\": 4, \"method\": 3, \"trainer\": 5, \"facilities\": 4, \"relevance\": 4, \"organisation\": 4}, \"overall\": 4, \"recommend\": 8}]}"
for t in sys.stdin.read().split():
    print(f"/api/v1/trainings/{t}/feedback/paper\t{body}")' > "$WORK/paper"
  r=$(load "$label" "" "$WORK/paper" "$WORK/post.lua"); row "POST /trainings/{id}/feedback/paper" $r "$(ratio "${r%% *}" "$TPS")"
  echo 1 > "$WORK/one"
  for report in training-evaluation trainer-evaluation "programme-trends?programme_id=1" transfer \
                learning-outcomes jp-compliance competency-gaps training-needs partners trainers summary \
                plan-realization trainer-hours policy-coverage trainer-shortage; do
    local median
    r=$(load "$label" "/api/v1/reports/$report" "$WORK/one" "$WORK/get.lua" "Accept-Encoding: gzip, deflate, br, zstd")
    median=$(for _ in $(seq 1 11); do
      curl -s -o /dev/null -w '%{time_total}\n' "$api/reports/$report" -H "$auth" -H 'Cache-Control: no-cache'
    done | sort -n | awk 'NR==6 {printf "%.1f", $1*1000}')
    row "report $report (cached, compressed; p50 uncached ${median} ms)" $r "$(ratio "${r%% *}" "$TPS")"
  done
  row "seed-demo --employees $EMPLOYEES (s)" "" "$seed_s" ""
  row "RSS idle / peak (MiB)" "$idle" "$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")" ""
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

PGB="kbench_pgbench_$$"
psql "$PG_BASE" -qc "CREATE DATABASE $PGB" >/dev/null
DBS+=("$PGB")
PGB_URL=$(with_db "$PG_BASE" "$PGB")
pgbench -q -i -s 10 "$PGB_URL" >/dev/null 2>&1
psql "$PGB_URL" -qc "CHECKPOINT" >/dev/null
pgbench -S -M prepared -c $CONNECTIONS -j 2 -T 2 "$PGB_URL" >/dev/null 2>&1   # warm-up
TPS=$(pgbench -S -M prepared -c $CONNECTIONS -j 2 -T "$SECS" "$PGB_URL" 2>/dev/null | awk '/^tps/ {printf "%.0f", $3}')
echo "pgbench -S -M prepared on the same server and transport, -c$CONNECTIONS -j2 ${SECS}s: $TPS tps"

for backend in ${BENCH_BACKENDS:-sqlite postgres}; do
  case $backend in
    sqlite) run_backend SQLite "sqlite://$WORK/bench.db" 18181 ;;
    postgres)
      DB="kbench_$$"
      psql "$PG_BASE" -qc "CREATE DATABASE $DB" >/dev/null
      DBS+=("$DB")
      run_backend PostgreSQL "$(with_db "$PG_BASE" "$DB")" 18182 ;;
  esac
done
