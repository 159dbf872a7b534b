#!/usr/bin/env bash
# The first start of a new user, checked end to end: clone this repository into a fresh `mktemp -d`
# directory (mode 0700, so as root the postgres user cannot enter it), install with `npm ci`, run
# `npm start` with no configuration, and wait until /health/ready answers 200. Then stop it with
# SIGTERM and remove the clone and the files the start kept under /var/tmp.
#
#   scripts/first-start-check.sh [repository]      (default: this checkout; its committed HEAD is cloned)
#
# Environment: FIRST_START_TIMEOUT (seconds to wait for readiness, default 240).
set -euo pipefail

repo="${1:-$(cd "$(dirname "$0")/.." && pwd)}"
timeout_s="${FIRST_START_TIMEOUT:-240}"
log() { printf '[first-start] %s\n' "$*"; }

work="$(mktemp -d)"
clone="$work/clone"
pid=""
cleanup() {
  local status=$?
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  if [ "$status" -ne 0 ] && [ -f "$work/start.log" ]; then
    log "the start's output:"
    tail -n 60 "$work/start.log" | sed 's/^/    /'
  fi
  # As root, the embedded cluster of a closed directory lives under /var/tmp (see libs/runtime/embedded-postgres.ts).
  local key
  key="$(printf '%s' "$clone/.data/postgres" | sha256sum | cut -c1-16)"
  rm -rf "/var/tmp/credential-import/$key" "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "cloning $repo into $clone (parent mode $(stat -c %a "$work"))"
git clone --quiet "$repo" "$clone"
cd "$clone"
log "npm ci"
npm ci --no-audit --no-fund >"$work/install.log" 2>&1 || { tail -n 40 "$work/install.log"; exit 1; }

log "npm start (no configuration, PORT=0)"
# Its own process group, so that everything it starts (npm, node, postgres, redis-server) stops together.
PORT=0 setsid npm start >"$work/start.log" 2>&1 < /dev/null &
pid=$!

url=""
deadline=$((SECONDS + timeout_s))
while [ $SECONDS -lt $deadline ]; do
  if ! kill -0 "$pid" 2>/dev/null; then log "npm start exited before it was ready"; exit 1; fi
  if [ -z "$url" ]; then
    url="$(grep -soE 'Readiness: +http://[^ ]+' "$work/start.log" | head -n1 | awk '{print $2}' || true)"
  fi
  if [ -n "$url" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" = "200" ]; then
    log "ready: $url answered 200 after ${SECONDS} s"
    break
  fi
  sleep 1
done
[ -n "$url" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$url" || true)" = "200" ] || { log "not ready within ${timeout_s} s"; exit 1; }

prefix="$(grep -oE 'queues: prefix [^ ]+' "$work/start.log" | awk '{print $3}' || true)"
log "stopping (SIGTERM)"
kill -TERM -- "-$pid"
for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
if kill -0 "$pid" 2>/dev/null; then log "did not stop within 60 s after SIGTERM"; exit 1; fi
code=0; wait "$pid" || code=$?
pid=""
# npm passes the signal on; the app exits 0 after a clean shutdown (143 if npm itself reports the signal).
if [ "$code" -ne 0 ] && [ "$code" -ne 143 ]; then log "npm start exited with $code after SIGTERM"; exit 1; fi
if [ -n "$prefix" ] && command -v redis-cli >/dev/null 2>&1; then
  redis-cli --scan --pattern "$prefix:*" | xargs -r redis-cli del >/dev/null || true
fi
log "ok"
