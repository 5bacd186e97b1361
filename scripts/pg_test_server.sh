#!/usr/bin/env bash
# A throwaway PostgreSQL for trying the server against PostgreSQL by hand.
#
#   scripts/pg_test_server.sh start [port]   # prints the TORCHCANVAS_DATABASE_URL to use
#   scripts/pg_test_server.sh stop
#
# The cluster lives in $TORCHCANVAS_PG_DIR (default /tmp/torchcanvas-pg) and trusts local
# connections: never use it for real data. The test suite does not need this script; its
# fixture (tests/api/conftest.py) starts its own cluster. Needs the PostgreSQL server binaries
# (Debian/Ubuntu: apt-get install postgresql). As root, PostgreSQL runs as the postgres user.
set -euo pipefail

dir="${TORCHCANVAS_PG_DIR:-/tmp/torchcanvas-pg}"
initdb="$(command -v initdb || ls -d /usr/lib/postgresql/*/bin/initdb 2>/dev/null | sort -V | tail -1 || true)"
bindir="$(dirname "$(readlink -f "${initdb:-/nonexistent}")")"
if [[ ! -x "$bindir/initdb" ]]; then
  echo "PostgreSQL binaries not found; install them (apt-get install postgresql)" >&2
  exit 1
fi
as_pg=()
if [[ "$(id -u)" == 0 ]]; then as_pg=(runuser -u postgres --); fi

case "${1:-}" in
  start)
    port="${2:-54329}"
    if [[ ! -d "$dir/data" ]]; then
      mkdir -p "$dir"
      [[ ${#as_pg[@]} -gt 0 ]] && chown postgres: "$dir"
      "${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-sync >/dev/null
    fi
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off" start >/dev/null
    psql=("${as_pg[@]}" "$bindir/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qtA)
    "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'torchcanvas'" | grep -q 1 \
      || "${psql[@]}" -c "CREATE DATABASE torchcanvas"
    echo "TORCHCANVAS_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:$port/torchcanvas"
    ;;
  stop)
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start [port] | stop" >&2
    exit 2
    ;;
esac
