#!/usr/bin/env bash
# A throwaway PostgreSQL cluster for tests, benchmarks and CI, kept under the checkout.
#
#   scripts/postgres.sh start     initdb (first time) and start on 127.0.0.1 at a free port; prints the URL
#   scripts/postgres.sh url       prints the URL of the running cluster (exit 1 if it is not running)
#   scripts/postgres.sh restart   fast restart on the same port (the cluster fault campaign uses it)
#   scripts/postgres.sh stop      fast shutdown (harmless when not running)
#   scripts/postgres.sh destroy   stop and delete the cluster's folder
#
# MEERKAT_PG_DIR picks the folder (default <checkout>/.tmp/pg). The binaries come from
# MEERKAT_PG_BIN, else the newest /usr/lib/postgresql/*/bin, else PATH. PostgreSQL refuses to run
# as root: as root the cluster belongs to the `postgres` user (created as a system user if missing).
# Authentication is `trust` and the server listens on 127.0.0.1 only (and a Unix socket in the folder).
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DIR="${MEERKAT_PG_DIR:-$ROOT/.tmp/pg}"
DATA="$DIR/data"
LOG="$DIR/server.log"
PORT_FILE="$DIR/port"

find_bin() {
  if [ -n "${MEERKAT_PG_BIN:-}" ]; then echo "$MEERKAT_PG_BIN"; return; fi
  local newest
  newest="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
  if [ -n "$newest" ] && [ -x "$newest/initdb" ]; then echo "$newest"; return; fi
  if command -v initdb >/dev/null 2>&1; then dirname "$(command -v initdb)"; return; fi
  echo "postgres.sh: no PostgreSQL binaries found (install the Debian package: apt-get install -y postgresql, or set MEERKAT_PG_BIN)" >&2
  exit 1
}
BIN="$(find_bin)"

# Runs a command as the cluster's owner: ourselves, or `postgres` when we are root.
as_owner() {
  if [ "$(id -u)" -ne 0 ]; then "$@"; return; fi
  runuser -u postgres -- "$@"
}

ensure_owner() {
  [ "$(id -u)" -ne 0 ] && return
  if ! id postgres >/dev/null 2>&1; then
    useradd --system --user-group --no-create-home --shell /usr/sbin/nologin postgres
  fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

running() {
  [ -f "$DATA/postmaster.pid" ] && as_owner "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1
}

url() {
  echo "postgresql://postgres@127.0.0.1:$(cat "$PORT_FILE")/postgres"
}

start() {
  ensure_owner
  mkdir -p "$DIR"
  if running; then url; return; fi
  if [ ! -f "$DATA/PG_VERSION" ]; then
    rm -rf "$DATA"
    mkdir -p "$DATA"
    [ "$(id -u)" -eq 0 ] && chown -R postgres: "$DIR"
    as_owner "$BIN/initdb" -D "$DATA" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { cat "$DIR/initdb.log" >&2; exit 1; }
  fi
  [ "$(id -u)" -eq 0 ] && chown -R postgres: "$DIR"
  local port
  port="$(free_port)"
  echo "$port" >"$PORT_FILE"
  # Small settings for a test server: enough connections for three workers, the campaign and the
  # suites; idle transactions are cut so a stopped client cannot hold a lease row's lock forever.
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -w -t 60 start -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c max_connections=200 -c idle_in_transaction_session_timeout=10s -c shared_buffers=64MB" >/dev/null \
    || { tail -n 30 "$LOG" >&2; exit 1; }
  url
}

stop() {
  if [ -f "$DATA/postmaster.pid" ]; then as_owner "$BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null 2>&1 || true; fi
}

restart() {
  running || { echo "postgres.sh: no cluster running in $DIR" >&2; exit 1; }
  local port
  port="$(cat "$PORT_FILE")"
  as_owner "$BIN/pg_ctl" -D "$DATA" -l "$LOG" -m fast -w -t 60 restart -o "-c listen_addresses=127.0.0.1 -p $port -k $DIR -c max_connections=200 -c idle_in_transaction_session_timeout=10s -c shared_buffers=64MB" >/dev/null \
    || { tail -n 30 "$LOG" >&2; exit 1; }
}

case "${1:-}" in
  start) start ;;
  url) running || { echo "postgres.sh: no cluster running in $DIR" >&2; exit 1; }; url ;;
  restart) restart ;;
  stop) stop ;;
  destroy) stop; rm -rf "$DIR" ;;
  *) echo "usage: $0 start|url|restart|stop|destroy" >&2; exit 2 ;;
esac
