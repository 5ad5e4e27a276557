#!/usr/bin/env bash
# Makes sure the database services the tests use are up: PostgreSQL (127.0.0.1:5432, user
# postgres, database test, trust auth), MariaDB (127.0.0.1:3306, root with empty password,
# database test), Redis (127.0.0.1:6379, and a second one on 6380 for the course's replica). A stopped service is started; an absent one is installed
# from Debian packages (needs root or passwordless sudo) and configured. Under CI=true any service
# still missing afterwards is a failure; otherwise it is a warning and the tests that need it fail
# with a message naming it.
set -uo pipefail

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
missing=()

say() { printf '[services] %s\n' "$*" >&2; }

apt_install() {
  say "installing Debian packages: $*"
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
}

wait_for() { # wait_for NAME COMMAND...
  local name=$1; shift
  for _ in $(seq 1 60); do "$@" >/dev/null 2>&1 && return 0; sleep 0.5; done
  say "$name did not come up"; return 1
}

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 && psql -h 127.0.0.1 -U postgres -d test -Atc 'select 1' >/dev/null 2>&1; }
ensure_postgres() {
  pg_up && return 0
  command -v pg_ctlcluster >/dev/null 2>&1 || apt_install postgresql postgresql-client
  if ! pg_isready -q -h 127.0.0.1 -p 5432; then
    say "starting PostgreSQL"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n1)" main start >/dev/null 2>&1
    wait_for PostgreSQL pg_isready -q -h 127.0.0.1 -p 5432 || return 1
  fi
  if ! psql -h 127.0.0.1 -U postgres -d postgres -Atc 'select 1' >/dev/null 2>&1; then
    # A fresh Debian cluster asks for passwords on TCP; these tests use trust auth on loopback.
    local hba; hba=$(ls /etc/postgresql/*/main/pg_hba.conf 2>/dev/null | tail -n1)
    if [ -n "$hba" ]; then
      say "configuring trust auth for 127.0.0.1 in $hba"
      $SUDO sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\nlocal all all trust' "$hba"
      $SUDO pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | tail -n1)" main reload >/dev/null 2>&1
      sleep 1
    fi
  fi
  psql -h 127.0.0.1 -U postgres -d postgres -Atc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 \
    || psql -h 127.0.0.1 -U postgres -d postgres -qc 'create database test' >/dev/null 2>&1
  pg_up
}

maria_up() { mariadb -h 127.0.0.1 -P 3306 -u root -e 'select 1' test >/dev/null 2>&1 || mysql -h 127.0.0.1 -P 3306 -u root -e 'select 1' test >/dev/null 2>&1; }
ensure_mariadb() {
  maria_up && return 0
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || apt_install mariadb-server mariadb-client
  if ! mariadb-admin -h 127.0.0.1 -u root ping >/dev/null 2>&1; then
    say "starting MariaDB"
    $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null
    $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd >/dev/null 2>&1
    wait_for MariaDB mariadb-admin -h 127.0.0.1 -u root ping || wait_for MariaDB mariadb-admin -u root ping || return 1
  fi
  # Root over TCP with an empty password, and the test database (via the socket, as root).
  $SUDO mariadb -u root -e "CREATE DATABASE IF NOT EXISTS test; ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password USING PASSWORD(''); CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;" >/dev/null 2>&1
  maria_up
}

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  say "starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log >/dev/null 2>&1
  wait_for Redis redis_up
}

# A second, empty Redis on 127.0.0.1:6380 for the course's replication lesson
# (notebooks/12-scaling-replication-backup.ipynb makes it a replica of 6379 and detaches it again).
redis_replica_up() { redis-cli -h 127.0.0.1 -p 6380 ping 2>/dev/null | grep -q PONG; }
ensure_redis_replica() {
  redis_replica_up && return 0
  command -v redis-server >/dev/null 2>&1 || return 1
  say "starting a second Redis on 127.0.0.1:6380"
  local dir="${TMPDIR:-/tmp}/dbkernel-course-redis-6380"
  mkdir -p "$dir"
  redis-server --daemonize yes --bind 127.0.0.1 --port 6380 --save "" --appendonly no --dir "$dir" --logfile "$dir/redis.log" >/dev/null 2>&1
  wait_for "Redis on 6380" redis_replica_up
}

ensure_postgres || missing+=("PostgreSQL on 127.0.0.1:5432 (user postgres, database test)")
ensure_mariadb || missing+=("MariaDB on 127.0.0.1:3306 (root, empty password, database test)")
ensure_redis || missing+=("Redis on 127.0.0.1:6379")
ensure_redis_replica || missing+=("a second Redis on 127.0.0.1:6380 (the course's replication lesson)")

if [ ${#missing[@]} -gt 0 ]; then
  for m in "${missing[@]}"; do say "MISSING: $m"; done
  if [ "${CI:-}" = "true" ]; then
    say "CI=true: a missing service is a failure"
    exit 1
  fi
  say "continuing; the tests that need the missing services will fail and name them"
fi
say "ready"
