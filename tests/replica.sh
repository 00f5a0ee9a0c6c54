#!/usr/bin/env bash
# A streaming replica of the local PostgreSQL server, for the read-replica test: made once with
# `pg_basebackup -R` into /tmp and started on port 5433 (as the `postgres` user; the test runs as
# root in CI). Idempotent: a replica already streaming is left alone. Prints the replica's base
# URL. The primary gets a replication line in pg_hba.conf (127.0.0.1, trust, as its other lines)
# when it has none.
set -euo pipefail
PRIMARY_HOST=127.0.0.1
PRIMARY_PORT=5432
PORT=${REPLICA_PORT:-5433}
DIR=${REPLICA_DIR:-/tmp/kompetensi-replica}
BIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
URL="postgres://root@127.0.0.1:$PORT/postgres"

# In recovery and receiving WAL: a replica that fell behind the primary's kept WAL (a bulk load
# meanwhile) is in recovery still, but never catches up, and is made again.
streaming() {
  [ "$(psql "$URL" -Atc "SELECT pg_is_in_recovery() AND EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')" 2>/dev/null)" = t ]
}

if streaming; then
  # A test stopped between pausing and resuming replay must not leave it paused.
  psql "$URL" -qAtc 'SELECT pg_wal_replay_resume()' >/dev/null
  echo "postgres://root@127.0.0.1:$PORT"
  exit 0
fi

hba=$(psql "postgres://root@$PRIMARY_HOST:$PRIMARY_PORT/postgres" -Atc 'SHOW hba_file')
if ! grep -Eq '^host[[:space:]]+replication' "$hba"; then
  echo "host replication all 127.0.0.1/32 trust" >> "$hba"
  psql "postgres://root@$PRIMARY_HOST:$PRIMARY_PORT/postgres" -qAtc 'SELECT pg_reload_conf()' >/dev/null
fi

# A stopped or broken earlier copy is made again.
if [ -f "$DIR/postmaster.pid" ]; then
  runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR" -m immediate stop >/dev/null 2>&1 || true
fi
rm -rf "$DIR"
mkdir -p "$DIR"
chown postgres:postgres "$DIR"
chmod 700 "$DIR"
runuser -u postgres -- "$BIN/pg_basebackup" -h "$PRIMARY_HOST" -p "$PRIMARY_PORT" -U root \
  -D "$DIR" -R -X stream -c fast >/dev/null
# Debian keeps the primary's configuration in /etc: the copy gets its own, minimal one.
cat > "$DIR/postgresql.conf" <<CONF
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/tmp'
hot_standby = on
max_connections = 100
shared_buffers = 64MB
CONF
printf 'local all all trust\nhost all all 127.0.0.1/32 trust\n' > "$DIR/pg_hba.conf"
: > "$DIR/pg_ident.conf"
chown postgres:postgres "$DIR"/*.conf
runuser -u postgres -- "$BIN/pg_ctl" -D "$DIR" -l "$DIR/server.log" -w -t 60 start >/dev/null
for _ in $(seq 1 300); do
  streaming && { echo "postgres://root@127.0.0.1:$PORT"; exit 0; }
  sleep 0.1
done
echo "the replica did not start streaming; its log:" >&2
tail -20 "$DIR/server.log" >&2
exit 1
