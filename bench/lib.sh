# The set-up every bench script shares; source it after `cd` to the project root.
#
#   bench_setup NAME TOOL...    checks the tools, builds the release binary, makes $WORK, and
#                               on exit stops the servers in PIDS, drops the databases in DBS
#                               (on $PG_BASE) and removes $WORK
#   with_db URL NAME            the PostgreSQL URL with another database, keeping the query
#                               (e.g. ?host=/socket/dir)

bench_setup() {
  local name=$1 tool
  shift
  for tool in "$@"; do
    command -v "$tool" >/dev/null || { echo "$name needs $tool"; exit 1; }
  done
  cargo build --release -q
  BIN=target/release/kompetensi
  WORK=$(mktemp -d)
  PIDS=()
  DBS=()
  trap bench_cleanup EXIT
}

bench_cleanup() {
  for p in "${PIDS[@]:-}"; do [ -n "$p" ] && kill -9 "$p" 2>/dev/null || true; done
  for d in "${DBS[@]:-}"; do [ -n "$d" ] && psql "$PG_BASE" -qc "DROP DATABASE IF EXISTS $d WITH (FORCE)" >/dev/null 2>&1 || true; done
  rm -rf "$WORK"
}

with_db() { python3 - "$1" "$2" <<'PY'
import sys, urllib.parse as u
p = u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path="/" + sys.argv[2])))
PY
}
