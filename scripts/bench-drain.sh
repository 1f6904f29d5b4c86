#!/usr/bin/env bash
# Processing cost without ingest: an ingest node stores a backlog of signed WhatsApp webhooks,
# then the full server starts over the same SQLite database and drains it (assistant, outbox,
# sends to the mock provider). Prints events/s, server CPU and disk bytes per event.
#
#   scripts/bench-drain.sh               # about 24,000 events
#   WAL_FRAMES=1 scripts/bench-drain.sh  # also: WAL frames per event, by B-tree
#
# WAL_FRAMES holds a read transaction open from the start, so the WAL is never reset and keeps
# every frame of the drain; each frame's page is then mapped to its table or index (`dbstat`).
# That makes the drain slower and its batches larger, so the counts are a lower bound.
#
# Environment: RATE=8000 SECONDS_OF_LOAD=3 (the backlog), SERVER_CPUS=0 CLIENT_CPUS=1,
# LAYAN_BIN=path (default target/release/layan, built if missing), KEEP_WORK=1.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN=${LAYAN_BIN:-$ROOT/target/release/layan}
[[ -x "$BIN" ]] || (cd "$ROOT" && cargo build --release -p layan >&2)
RATE=${RATE:-8000}
LOAD_S=${SECONDS_OF_LOAD:-3}
PORT=${SERVER_PORT:-9280}
MOCK_PORT=${MOCK_PORT:-9300}
ON_SERVER=(taskset -c "${SERVER_CPUS:-0}")
ON_CLIENT=(taskset -c "${CLIENT_CPUS:-1}")
# shellcheck source=bench-common.sh
source "$ROOT/scripts/bench-common.sh"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/layan-drain.XXXXXX")
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  if [[ -n "${KEEP_WORK:-}" ]]; then echo "[drain] kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
unset LAYAN_CONFIG LAYAN_DATABASE_URL || true
bench_server_env "$PORT" "$WORK/data" "$MOCK_PORT"

ready() { # pid log
  bench_wait_ready "http://127.0.0.1:$PORT/readyz" "$1" "$2" 1500 || { KEEP_WORK=1; exit 1; }
}
sql() { python3 - "$WORK/data/layan.db" "$1" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1], timeout=30)
print(c.execute(sys.argv[2]).fetchone()[0])
PY
}

# 1. The backlog, stored by an ingest node.
env "${BENCH_ENV[@]}" LAYAN_MESSAGING_PROCESS=false "${ON_SERVER[@]}" "$BIN" serve --demo \
  >"$WORK/ingest.log" 2>&1 &
INGEST=$!; PIDS+=("$INGEST"); ready "$INGEST" "$WORK/ingest.log"
"${ON_CLIENT[@]}" "$BIN" bench webhooks --url "http://127.0.0.1:$PORT/webhooks/whatsapp" \
  --app-secret "$BENCH_APP_SECRET" --phone-number-id "$BENCH_PHONE_NUMBER_ID" --connections 64 \
  --senders 100000 --duration "$LOAD_S" --warmup 0 --rate "$RATE" --json >"$WORK/load.json"
kill "$INGEST"; wait "$INGEST" || true
EVENTS=$(sql "SELECT count(*) FROM inbox WHERE processed_at IS NULL")

# 2. The drain.
"${ON_CLIENT[@]}" "$BIN" bench mock-provider --listen "127.0.0.1:$MOCK_PORT" \
  --whatsapp-token "$BENCH_ACCESS_TOKEN" >"$WORK/mock.log" 2>&1 &
PIDS+=("$!")
if [[ -n "${WAL_FRAMES:-}" ]]; then
  python3 - "$WORK/data/layan.db" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN"); c.execute("SELECT count(*) FROM inbox").fetchall()
time.sleep(600)
PY
  HOLDER=$!; PIDS+=("$HOLDER")
fi
env "${BENCH_ENV[@]}" "${ON_SERVER[@]}" "$BIN" serve >"$WORK/server.log" 2>&1 &
SERVER=$!; PIDS+=("$SERVER"); ready "$SERVER" "$WORK/server.log"
written() { awk '/^write_bytes/ {print $2}' "/proc/$SERVER/io"; }
t0=$(date +%s.%N); c0=$(bench_cpu_s "$SERVER"); w0=$(written)
until [[ "$(sql "SELECT (SELECT count(*) FROM inbox WHERE processed_at IS NULL) + \
  (SELECT count(*) FROM outbound WHERE status IN ('queued', 'sending'))")" == 0 ]]; do
  kill -0 "$SERVER" || { echo "[drain] the server exited; see $WORK" >&2; KEEP_WORK=1; exit 1; }
  sleep 0.25
done
t1=$(date +%s.%N); c1=$(bench_cpu_s "$SERVER"); w1=$(written)
if [[ -n "${WAL_FRAMES:-}" ]]; then
  mkdir "$WORK/snapshot"
  cp "$WORK/data/layan.db" "$WORK/data/layan.db-wal" "$WORK/snapshot/"
fi
python3 - "$EVENTS" "$t0" "$t1" "$c0" "$c1" "$w0" "$w1" <<'PY'
import sys
n, t0, t1, c0, c1, w0, w1 = map(float, sys.argv[1:])
print(f"{n:.0f} events drained in {t1 - t0:.2f} s: {n / (t1 - t0):,.0f} events/s, "
      f"{(c1 - c0) / n * 1e6:.0f} µs server CPU and {(w1 - w0) / n / 1024:.1f} KB written per event")
PY
if [[ -n "${WAL_FRAMES:-}" ]]; then
  python3 - "$WORK/snapshot" "$EVENTS" <<'PY'
import collections, os, sqlite3, struct, sys
folder, events = sys.argv[1], int(sys.argv[2])
wal = open(os.path.join(folder, "layan.db-wal"), "rb").read()
page_size = struct.unpack(">I", wal[8:12])[0]
salt = wal[16:24]
frames, commits, at = [], 0, 32
while at + 24 + page_size <= len(wal) and wal[at + 8:at + 16] == salt:
    page, commit_size = struct.unpack(">II", wal[at:at + 8])
    frames.append(page)
    commits += commit_size != 0
    at += 24 + page_size
db = sqlite3.connect(os.path.join(folder, "layan.db"))
owner = dict((page, name) for name, page in db.execute("SELECT name, pageno FROM dbstat"))
counts = collections.Counter(owner.get(p, "(free)") for p in frames)
print(f"{len(frames)} WAL frames in {commits} commits: {len(frames) / events:.1f} per event")
for name, k in counts.most_common():
    print(f"  {name:32} {k / events:6.2f} per event")
PY
fi
