#!/usr/bin/env bash
# Throwaway PostgreSQL cluster for tests and CI (idempotent).
#
#   scripts/postgres.sh         install server binaries if missing (Debian, as root), init .pgdata/, start it on
#                               127.0.0.1:$PGPORT (default 54329), create database skillbot_test and print its URL
#   scripts/postgres.sh stop    stop the cluster (no error when it is not running)
#
# Only the URL goes to stdout (use: export SKILLBOT_TEST_PG_URL="$(scripts/postgres.sh)"); progress goes to stderr.
# Trust authentication on loopback only: never use this cluster for real data.
# Environment: PGPORT (54329), SKILLBOT_PG_USER (postgres: the superuser), SKILLBOT_PG_DB (skillbot_test),
# SKILLBOT_PGDATA (<repo>/.pgdata).
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
port="${PGPORT:-54329}"
superuser="${SKILLBOT_PG_USER:-postgres}"
dbname="${SKILLBOT_PG_DB:-skillbot_test}"
base="${SKILLBOT_PGDATA:-$repo/.pgdata}"
case "$base" in /*) ;; *) base="$PWD/$base" ;; esac
data="$base/data"
logfile="$base/server.log"
os_user="postgres"  # system account that owns the cluster when this script runs as root

say() { echo "postgres.sh: $*" >&2; }
die() { say "$*"; exit 1; }

# Directory holding pg_ctl, initdb and postgres (newest Debian version first), or empty.
find_bindir() {
  local candidate dir
  if candidate="$(command -v pg_ctl 2>/dev/null)"; then
    dir="$(dirname "$(readlink -f "$candidate")")"
    if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return
    fi
  fi
  for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    if [ -x "$dir/pg_ctl" ] && [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ]; then
      echo "$dir"
      return
    fi
  done
}

# Install the Debian server packages without creating or starting the packaged "main" cluster.
install_server() {
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo="sudo -n"
    else
      die "PostgreSQL server binaries not found; install them (apt-get install postgresql) or run as root"
    fi
  fi
  command -v apt-get >/dev/null 2>&1 || die "PostgreSQL server binaries not found and apt-get is unavailable"
  say "installing PostgreSQL from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update >&2
  $sudo apt-get install -y --no-install-recommends postgresql-common >&2
  if [ -f /etc/postgresql-common/createcluster.conf ]; then
    $sudo sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' /etc/postgresql-common/createcluster.conf
  fi
  $sudo apt-get install -y postgresql >&2
}

is_root() { [ "$(id -u)" -eq 0 ]; }

# Run a command as the cluster owner (the postgres system user when root, else the caller).
as_owner() {
  if is_root; then
    if command -v runuser >/dev/null 2>&1; then
      (cd / && runuser -u "$os_user" -- "$@")  # cd: the caller's folder may be private to root
    else
      (cd / && su "$os_user" -s /bin/sh -c "$(printf '%q ' "$@")")
    fi
  else
    "$@"
  fi
}

ensure_os_user() {
  is_root || return 0
  id -u "$os_user" >/dev/null 2>&1 && return 0
  say "creating system user $os_user"
  useradd --system --no-create-home --home-dir /var/lib/postgresql --shell /bin/sh "$os_user"
}

pg_ctl_status() { as_owner "$bindir/pg_ctl" status -D "$data" >/dev/null 2>&1; }

port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The default port taken by another server (another checkout's cluster): use the next free one.
free_port() {
  [ -z "${PGPORT:-}" ] || return 0
  local tries=0
  while port_busy "$port"; do
    tries=$((tries + 1))
    [ "$tries" -lt 50 ] || die "no free port from ${PGPORT:-54329} on"
    port=$((port + 1))
  done
}

stop_cluster() {
  [ -f "$data/PG_VERSION" ] || { say "no cluster in $data"; return 0; }
  bindir="$(find_bindir)"
  [ -n "$bindir" ] || die "PostgreSQL server binaries not found"
  if pg_ctl_status; then
    as_owner "$bindir/pg_ctl" stop -D "$data" -m fast -w -t 60 >&2
  else
    say "not running"
  fi
}

start_cluster() {
  bindir="$(find_bindir)"
  if [ -z "$bindir" ]; then
    install_server
    bindir="$(find_bindir)"
    [ -n "$bindir" ] || die "PostgreSQL server binaries still not found after installing"
  fi
  ensure_os_user
  mkdir -p "$base"
  if is_root; then
    chown -R "$os_user": "$base"
    as_owner test -w "$base" || die "user $os_user cannot write $base (is a parent folder private?); set SKILLBOT_PGDATA"
  fi
  if [ ! -f "$data/PG_VERSION" ]; then
    say "initialising cluster in $data ($bindir)"
    as_owner "$bindir/initdb" -D "$data" -U "$superuser" --auth=trust --encoding=UTF8 --locale=C >"$base/initdb.log" 2>&1 \
      || { cat "$base/initdb.log" >&2; rm -rf "$data"; die "initdb failed"; }
  fi
  if ! pg_ctl_status; then
    free_port
    say "starting on 127.0.0.1:$port (log: $logfile)"
    as_owner "$bindir/pg_ctl" start -D "$data" -l "$logfile" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories='' -c fsync=off -c full_page_writes=off" >&2 \
      || { tail -n 20 "$logfile" >&2 || true; die "server did not start"; }
  else
    port="$(sed -n 4p "$data/postmaster.pid")"  # already running: report the port it listens on
  fi
  local psql="psql"
  [ -x "$bindir/psql" ] && psql="$bindir/psql"
  local tries=0
  until "$psql" -h 127.0.0.1 -p "$port" -U "$superuser" -d postgres -qtAc "SELECT 1" >/dev/null 2>&1; do
    tries=$((tries + 1))
    [ "$tries" -lt 60 ] || die "server on port $port does not accept connections"
    sleep 0.5
  done
  if [ -z "$("$psql" -h 127.0.0.1 -p "$port" -U "$superuser" -d postgres -qtAc "SELECT 1 FROM pg_database WHERE datname = '$dbname'")" ]; then
    "$psql" -h 127.0.0.1 -p "$port" -U "$superuser" -d postgres -qtAc "CREATE DATABASE \"$dbname\"" >&2
  fi
  echo "postgresql://$superuser@127.0.0.1:$port/$dbname"
}

case "${1:-start}" in
  start) start_cluster ;;
  stop) stop_cluster ;;
  *) die "usage: $0 [start|stop]" ;;
esac
