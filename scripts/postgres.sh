#!/usr/bin/env bash
# A throwaway PostgreSQL server for the test suite and benchmarks, from the distribution's
# `postgresql` package (.ci/run installs it): a new cluster in a temporary folder, listening on
# 127.0.0.1 only, trust authentication (nothing but this machine can reach it).
#
#   scripts/postgres.sh start [PORT]   prints the URL to use (postgres://postgres@127.0.0.1:PORT/postgres)
#   scripts/postgres.sh stop  [PORT]
#
# TLS is on, with a certificate for 127.0.0.1 signed by a throwaway CA: $DIR/ca.crt, which the
# TLS test trusts through SSL_CERT_FILE (SENTRIAL_TEST_PG_CA points at it).
#
# Durability is off (fsync, full-page writes): the cluster is deleted after the run, and the tests
# measure behaviour, not disk speed. Run as root, the server runs as the `postgres` user.
set -euo pipefail

cmd="${1:-start}"
port="${2:-55432}"
dir="${TMPDIR:-/tmp}/sentrial-pg-$port"

bindir=""
for candidate in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$candidate/pg_ctl" ]; then bindir="$candidate"; break; fi
done
if [ -z "$bindir" ] && command -v pg_ctl >/dev/null; then bindir="$(dirname "$(command -v pg_ctl)")"; fi
if [ -z "$bindir" ]; then
  echo "PostgreSQL server not found: install the distribution's package (apt-get install -y postgresql; .ci/run does this)" >&2
  exit 1
fi

as_owner() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
  start)
    if [ -f "$dir/data/postmaster.pid" ] && as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      exit 0
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    if [ "$(id -u)" = 0 ]; then chown postgres "$dir"; fi
    as_owner "$bindir/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    (
      cd "$dir"
      openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=sentrial test CA" \
        -keyout ca.key -out ca.crt >/dev/null 2>&1
      openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" -keyout data/server.key \
        -out server.csr >/dev/null 2>&1
      printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n' >san.ext
      openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 \
        -extfile san.ext -out data/server.crt >/dev/null 2>&1
      chmod 600 data/server.key
      if [ "$(id -u)" = 0 ]; then chown postgres data/server.key data/server.crt; fi
    )
    as_owner "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start \
      -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c synchronous_commit=off -c max_connections=300 -c ssl=on" \
      >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "postgres://postgres@127.0.0.1:$port/postgres"
    ;;
  stop)
    if [ -d "$dir/data" ]; then
      as_owner "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    ;;
  *)
    echo "usage: $0 start|stop [PORT]" >&2
    exit 2
    ;;
esac
