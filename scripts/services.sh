#!/usr/bin/env bash
# Start PostgreSQL and Redis when they are installed but not running. Under CI=true a
# service that cannot be reached afterwards is a failure, never a skip.
set -u
pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! pg_up && command -v pg_ctlcluster >/dev/null 2>&1; then
  for v in $(ls /etc/postgresql 2>/dev/null); do
    pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  done
  for _ in $(seq 1 30); do pg_up && break; sleep 0.5; done
fi
if ! redis_up && command -v redis-server >/dev/null 2>&1; then
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log || true
  for _ in $(seq 1 30); do redis_up && break; sleep 0.3; done
fi

status=0
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432"; status=1; }
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379"; status=1; }
if [ "$status" -ne 0 ] && [ "${CI:-}" = "true" ]; then
  echo "CI=true: a missing service is a failure"; exit 1
fi
exit 0
