#!/usr/bin/env bash
# Webhook benchmark: signed WhatsApp webhooks acknowledged after a durable commit, end-to-end
# replies per second (webhook to the provider's send API), and latency at a fixed rate, beside
# the same machine's ceiling (a bare axum handler that verifies and parses the same body and
# answers 200 without storing it), all in one run.
#
#   scripts/bench-webhooks.sh            # prints a Markdown summary for BENCHMARKS.md
#
# Server on one core, load generator and mock provider on another (taskset). The generator is
# `layan bench webhooks`: every request is a real-shaped text webhook with a unique wamid (the
# inbox dedupes on it, so a fixed body would measure only duplicate handling), open loop at a
# fixed rate with latency measured from each request's scheduled send (coordinated omission
# corrected), or closed loop (--max) for throughput. `oha` is run against the ceiling only,
# with one fixed signed body, as an independent cross-check of the generator.
#
# Environment (all optional):
#   DURATION=10 WARMUP=3     seconds measured / warm-up per run
#   RATE=2000                the fixed rate of the latency runs
#   SUSTAIN_RATES="3000 3500 4000 4500 5000 5500 6000"
#                            the rising open-loop rates of the sustained end-to-end search (SQLite);
#                            after it, the latency at RATE is measured again on the grown database
#   CONNECTIONS=64           keep-alive connections of the generator (and oha)
#   SENDERS=100000           distinct sender MSISDNs
#   DEMO_PARTICIPANTS=2000   size of the demo database behind the server
#   SERVER_CPUS=0 CLIENT_CPUS=1   taskset CPU lists (default: 0 and 1 when nproc >= 2)
#   LAYAN_BENCH_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/layan_bench
#                            created and dropped by this script; skipped when unreachable
#   INGEST_CHECKPOINT_MS=    the ingest node's background checkpoint interval (SQLite; default as shipped, 0 = off)
#   SKIP_POSTGRES=1 SKIP_OHA=1 NO_BUILD=1 LAYAN_BIN=path/to/layan
#   KEEP_WORK=1              keep the work directory (logs, JSON results)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-3}
RATE=${RATE:-2000}
CONNECTIONS=${CONNECTIONS:-64}
SENDERS=${SENDERS:-100000}
DEMO_PARTICIPANTS=${DEMO_PARTICIPANTS:-2000}
PG_URL=${LAYAN_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/layan_bench}
CEILING_PORT=${CEILING_PORT:-9290}
MOCK_PORT=${MOCK_PORT:-9300}
SERVER_PORT=${SERVER_PORT:-9280}

# shellcheck source=bench-common.sh
source "$ROOT/scripts/bench-common.sh"
APP_SECRET=$BENCH_APP_SECRET
ACCESS_TOKEN=$BENCH_ACCESS_TOKEN
PHONE_NUMBER_ID=$BENCH_PHONE_NUMBER_ID

log() { printf '[bench] %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in curl python3 openssl; do
  command -v "$tool" >/dev/null || die "$tool is required"
done

# ---- cores ---------------------------------------------------------------------------------
CORES=$(nproc)
if [[ -z "${SERVER_CPUS:-}" || -z "${CLIENT_CPUS:-}" ]]; then
  if (( CORES >= 2 )); then
    SERVER_CPUS=${SERVER_CPUS:-0}
    CLIENT_CPUS=${CLIENT_CPUS:-1}
  fi
fi
# Command prefixes (arrays, so a background process is the pinned program itself and its pid
# is the one to stop).
if [[ -n "${SERVER_CPUS:-}" ]] && command -v taskset >/dev/null; then
  ON_SERVER=(taskset -c "$SERVER_CPUS")
  ON_CLIENT=(taskset -c "$CLIENT_CPUS")
  PINNING="server on CPU $SERVER_CPUS, generator and mock provider on CPU $CLIENT_CPUS (taskset)"
else
  log "warning: one core or no taskset: server and client share the CPUs; numbers mean little"
  ON_SERVER=(env)
  ON_CLIENT=(env)
  PINNING="not pinned (nproc=$CORES)"
fi

# ---- tools and build -----------------------------------------------------------------------
if [[ -z "${SKIP_OHA:-}" ]] && ! command -v oha >/dev/null; then
  log "installing oha from crates.io (cargo install oha --locked)"
  if ! cargo install oha --locked >&2; then
    log "warning: oha could not be installed; skipping the oha cross-check"
    SKIP_OHA=1
  fi
  export PATH="$HOME/.cargo/bin:$PATH"
fi

if [[ -n "${LAYAN_BIN:-}" ]]; then
  BIN=$LAYAN_BIN
else
  TARGET_DIR=${CARGO_TARGET_DIR:-$ROOT/target}
  if [[ -z "${NO_BUILD:-}" ]]; then
    log "building layan (release)"
    cargo build --release -p layan >&2
  fi
  BIN=$TARGET_DIR/release/layan
fi
[[ -x "$BIN" ]] || die "no layan binary at $BIN"

# ---- processes and clean-up ----------------------------------------------------------------
WORK=$(mktemp -d "${TMPDIR:-/tmp}/layan-bench.XXXXXX")
PIDS=()
PG_CREATED=
PG_ADMIN_URL="${PG_URL%/*}/postgres"
PG_DB="${PG_URL##*/}"
PG_DB="${PG_DB%%\?*}"

stop_pid() {
  local pid=$1
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
}

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
  if [[ -n "$PG_CREATED" ]]; then
    psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ -n "${KEEP_WORK:-}" ]]; then
    log "results and logs kept in $WORK"
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Starts a background process with its output in $WORK/$1.log; its pid in $LAST_PID.
start_bg() {
  local name=$1; shift
  "$@" >"$WORK/$name.log" 2>&1 &
  LAST_PID=$!
  PIDS+=("$LAST_PID")
}

stop_all() {
  local pid
  for pid in "${PIDS[@]}"; do stop_pid "$pid"; done
  PIDS=()
}

wait_ready() { # url pid name [tries]
  bench_wait_ready "$1" "$2" "$WORK/$3.log" "${4:-600}" || die "$3 did not start"
}

# jv FILE KEY/KEY/...: one value of a JSON file ("" when absent).
jv() {
  python3 - "$1" "$2" <<'PY'
import json, sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("/"):
    if isinstance(v, list):
        v = v[int(k)] if k.isdigit() and int(k) < len(v) else None
    elif isinstance(v, dict):
        v = v.get(k)
    if v is None:
        break
print("" if v is None else v)
PY
}

# Formats: integer with thousands separators / microseconds as ms / seconds as ms / percentage.
num() { [[ -n "$1" ]] && python3 -c 'import sys; print(f"{float(sys.argv[1]):,.0f}")' "$1" || echo "–"; }
us_ms() { [[ -n "$1" ]] && python3 -c 'import sys; print(f"{float(sys.argv[1])/1000:.2f} ms")' "$1" || echo "–"; }
s_ms() { [[ -n "$1" ]] && python3 -c 'import sys; print(f"{float(sys.argv[1])*1000:.2f} ms")' "$1" || echo "–"; }
pct() { python3 -c 'import sys; a,b=sys.argv[1:3]; print(f"{100*float(a)/float(b):.0f}%" if a and b and float(b) > 0 else "–")' "$1" "$2"; }

# Accepted WhatsApp message sends so far (message sends only when the mock counts them apart
# from receipts, else every accepted request).
mock_sent() {
  curl -fsS "http://127.0.0.1:$MOCK_PORT/_mock/stats" | python3 -c '
import json, sys
s = json.load(sys.stdin).get("whatsapp", {})
print(s.get("messages", s.get("accepted", 0)))'
}

now() { date +%s.%N; }

# Runs the generator with "$@" into $WORK/$NAME.json while measuring how busy the server process
# $SERVER_PID was (share of its core), into $WORK/$NAME.cpu: near 100% means the server's core
# is the limit; well below means the limit is elsewhere (the generator, or waiting on disk).
measured_generator() {
  local name=$1; shift
  local c0 c1 t0 t1
  c0=$(bench_cpu_s "$SERVER_PID"); t0=$(now)
  generator "$@" >"$WORK/$name.json"
  c1=$(bench_cpu_s "$SERVER_PID"); t1=$(now)
  python3 -c 'import sys; c0,c1,t0,t1=map(float,sys.argv[1:]); print(f"{100*(c1-c0)/(t1-t0):.0f}%")' \
    "$c0" "$c1" "$t0" "$t1" >"$WORK/$name.cpu"
}

generator() {
  "${ON_CLIENT[@]}" "$BIN" bench webhooks --app-secret "$APP_SECRET" --phone-number-id "$PHONE_NUMBER_ID" \
    --connections "$CONNECTIONS" --senders "$SENDERS" --duration "$DURATION" --warmup "$WARMUP" \
    --json "$@"
}

# Waits until the mock's count stops growing for 3 s (the reply backlog drained), at most 120 s.
# Prints the count and the time of the last growth.
drain() {
  local last current since t
  last=$(mock_sent); since=$(now)
  local deadline=$(( $(date +%s) + 120 ))
  while (( $(date +%s) < deadline )); do
    sleep 1
    current=$(mock_sent)
    t=$(now)
    if [[ "$current" != "$last" ]]; then
      last=$current; since=$t
    elif python3 -c 'import sys; sys.exit(0 if float(sys.argv[2]) - float(sys.argv[1]) >= 3 else 1)' "$since" "$t"; then
      break
    fi
  done
  echo "$last $since"
}

# ---- (a) the ceiling -----------------------------------------------------------------------
unset LAYAN_CONFIG LAYAN_DATABASE_URL || true
export LAYAN_LOG_LEVEL=warn

log "ceiling: bare axum handler (verify + parse, no storage) on port $CEILING_PORT"
start_bg ceiling "${ON_SERVER[@]}" "$BIN" bench ceiling --listen "127.0.0.1:$CEILING_PORT" --app-secret "$APP_SECRET"
wait_ready "http://127.0.0.1:$CEILING_PORT/readyz" "$LAST_PID" ceiling
SERVER_PID=$LAST_PID
CEILING_URL="http://127.0.0.1:$CEILING_PORT/webhooks/whatsapp"
measured_generator ceiling-max --url "$CEILING_URL" --max
log "ceiling --max: $(num "$(jv "$WORK/ceiling-max.json" acknowledged_per_s)") acknowledged/s"
generator --url "$CEILING_URL" --rate "$RATE" >"$WORK/ceiling-rate.json"

if [[ -z "${SKIP_OHA:-}" ]]; then
  # One fixed, real-shaped body (the channels crate's WhatsApp text fixture), signed once.
  BODY=crates/channels/tests/fixtures/whatsapp_text.json
  SIG="sha256=$(openssl dgst -sha256 -hmac "$APP_SECRET" -r "$BODY" | cut -d' ' -f1)"
  oha_run() {
    "${ON_CLIENT[@]}" oha --no-tui --output-format json -m POST -c "$CONNECTIONS" \
      -H "content-type: application/json" -H "x-hub-signature-256: $SIG" -D "$BODY" "$@" "$CEILING_URL"
  }
  log "oha against the ceiling (fixed body)"
  c0=$(bench_cpu_s "$SERVER_PID"); t0=$(now)
  oha_run -z "${DURATION}s" >"$WORK/oha-max.json" 2>"$WORK/oha-max.err" || log "warning: oha --max failed"
  c1=$(bench_cpu_s "$SERVER_PID"); t1=$(now)
  python3 -c 'import sys; c0,c1,t0,t1=map(float,sys.argv[1:]); print(f"{100*(c1-c0)/(t1-t0):.0f}%")' \
    "$c0" "$c1" "$t0" "$t1" >"$WORK/oha-max.cpu"
  oha_run -z "${DURATION}s" -q "$RATE" --latency-correction >"$WORK/oha-rate.json" 2>"$WORK/oha-rate.err" \
    || log "warning: oha -q failed"
fi
stop_all

# ---- (b)-(e) the real server, per backend --------------------------------------------------
# Starts `layan serve --demo` on the server's core over data directory $2 (log $WORK/$1.log),
# with any further VAR=value settings; its pid in $SERVER_PID once it is ready.
start_server() {
  local name=$1 data=$2; shift 2
  mkdir -p "$data"
  bench_server_env "$SERVER_PORT" "$data" "$MOCK_PORT"
  start_bg "$name" env "${BENCH_ENV[@]}" "$@" \
    "${ON_SERVER[@]}" "$BIN" serve --demo
  wait_ready "http://127.0.0.1:$SERVER_PORT/readyz" "$LAST_PID" "$name" 1500
  SERVER_PID=$LAST_PID
}

# Starts the mock provider on the client's core, as $1 (log $WORK/$1.log).
start_mock() {
  start_bg "$1" "${ON_CLIENT[@]}" "$BIN" bench mock-provider --listen "127.0.0.1:$MOCK_PORT" \
    --whatsapp-token "$ACCESS_TOKEN"
  wait_ready "http://127.0.0.1:$MOCK_PORT/_mock/stats" "$LAST_PID" "$1"
}

# The open loop at $RATE against the running server into $WORK/$1.json, then the drain of its
# replies; $WORK/$1.replies holds the replies/s during the run and the replies it led to.
latency_run() {
  local m0 t0 m1 t1 rest
  m0=$(mock_sent); t0=$(now)
  generator --url "http://127.0.0.1:$SERVER_PORT/webhooks/whatsapp" --rate "$RATE" >"$WORK/$1.json"
  t1=$(now); m1=$(mock_sent)
  read -r rest _ < <(drain)
  python3 -c 'import sys; m0,m1,t0,t1,rest=map(float,sys.argv[1:]); print(f"{(m1-m0)/(t1-t0):.1f} {rest-m0:.0f}")' \
    "$m0" "$m1" "$t0" "$t1" "$rest" >"$WORK/$1.replies"
}

# Runs one backend: $1 = label, $2 = file prefix; LAYAN_DATABASE_URL set by the caller if any
# (the caller then resets that database between the two servers).
run_backend() {
  local label=$1 tag=$2
  log "$label: mock provider on port $MOCK_PORT, server on port $SERVER_PORT"
  start_mock "mock-$tag"
  start_server "server-$tag" "$WORK/data-$tag"
  local url="http://127.0.0.1:$SERVER_PORT/webhooks/whatsapp"

  # (d) latency at the fixed rate, on a quiet server; then let the replies drain.
  latency_run "$tag-rate"

  # (b) durable ingest at saturation and (c) replies accepted by the mock meanwhile.
  local m0 t0 m1 t1
  m0=$(mock_sent); t0=$(now)
  measured_generator "$tag-max" --url "$url" --max
  t1=$(now); m1=$(mock_sent)
  local last since
  read -r last since < <(drain)
  python3 -c '
import sys
m0, m1, t0, t1, last, since, acked = map(float, sys.argv[1:])
during = (m1 - m0) / (t1 - t0)
# Every reply of the run, over the time from the first webhook to the last reply.
overall = (last - m0) / max(since - t0, t1 - t0)
per_webhook = (last - m0) / acked if acked else 0
print(f"{during:.1f} {overall:.1f} {last - m0:.0f} {max(0.0, since - t1):.1f} {per_webhook:.2f}")' \
    "$m0" "$m1" "$t0" "$t1" "$last" "$since" "$(jv "$WORK/$tag-max.json" acknowledged_incl_warmup)" \
    >"$WORK/$tag-max.replies"
  log "$label --max: $(num "$(jv "$WORK/$tag-max.json" acknowledged_per_s)") acknowledged/s, replies $(cut -d' ' -f1 "$WORK/$tag-max.replies")/s"
  stop_all
}

# (e) durable ingest alone: an ingest node (messaging.process = false) stores and acknowledges
# webhooks and answers nothing, so its core does only what the ceiling does plus the commit.
# It runs as shipped (INGEST_CHECKPOINT_MS sets the background checkpoint interval, 0 for
# SQLite's checkpoints inside commits).
run_ingest_node() {
  local label=$1 tag=$2
  local checkpoint=()
  [[ -n "${INGEST_CHECKPOINT_MS:-}" ]] && checkpoint=("LAYAN_SQLITE_CHECKPOINT_MS=$INGEST_CHECKPOINT_MS")
  log "$label: ingest node (LAYAN_MESSAGING_PROCESS=false ${checkpoint[*]}) on port $SERVER_PORT"
  start_server "ingest-$tag" "$WORK/data-ingest-$tag" LAYAN_MESSAGING_PROCESS=false "${checkpoint[@]}"
  measured_generator "$tag-ingest" --url "http://127.0.0.1:$SERVER_PORT/webhooks/whatsapp" --max
  log "$label ingest node --max: $(num "$(jv "$WORK/$tag-ingest.json" acknowledged_per_s)") acknowledged/s"
  stop_all
}

# (f) sustained end to end: open loop at rising rates on a fresh server. A rate is sustained
# when the replies keep pace with it during the run: at least 97% of the rate times the replies
# each webhook led to. The closed loop (--max) above measures the pipeline overloaded instead:
# it acknowledges more than it can answer, and the ingest then takes part of the core.
SUSTAIN_RATES=${SUSTAIN_RATES:-3000 3500 4000 4500 5000 5500 6000}
run_sustained() {
  log "SQLite: sustained end to end at rising rates ($SUSTAIN_RATES webhooks/s)"
  start_mock "mock-sustain"
  start_server "server-sustain" "$WORK/data-sustain"
  : >"$WORK/sustain.tsv"
  local r m0 t0 m1 t1 last since kept
  for r in $SUSTAIN_RATES; do
    m0=$(mock_sent); t0=$(now)
    generator --url "http://127.0.0.1:$SERVER_PORT/webhooks/whatsapp" --rate "$r" >"$WORK/sustain-$r.json"
    t1=$(now); m1=$(mock_sent)
    read -r last since < <(drain)
    kept=$(python3 -c '
import sys
r, m0, m1, t0, t1, last, since, acked = map(float, sys.argv[1:])
during = (m1 - m0) / (t1 - t0)
per = (last - m0) / acked if acked else 0
need = r * per
kept = "yes" if need and during >= 0.97 * need else "no"
print(f"{r:.0f} {during:.0f} {per:.2f} {100 * during / need if need else 0:.0f} {max(0.0, since - t1):.1f} {kept}")' \
      "$r" "$m0" "$m1" "$t0" "$t1" "$last" "$since" "$(jv "$WORK/sustain-$r.json" acknowledged_incl_warmup)")
    echo "$kept" >>"$WORK/sustain.tsv"
    log "sustained at $r/s? $kept"
    [[ "${kept##* }" == yes ]] || break
  done
  # (g) latency at $RATE again, on the database the search grew (its backlog drained).
  latency_run sqlite-grown-rate
  GROWN_BY=$(for f in "$WORK"/sustain-*.json; do jv "$f" acknowledged_incl_warmup; done \
    | python3 -c 'import sys; print(sum(int(float(x)) for x in sys.stdin if x.strip()))')
  log "SQLite: p99 at $RATE/s after the search: $(us_ms "$(jv "$WORK/sqlite-grown-rate.json" latency_us/p99)")"
  stop_all
}

run_backend "SQLite" sqlite
run_ingest_node "SQLite" sqlite
run_sustained

PG_DONE=
if [[ -z "${SKIP_POSTGRES:-}" ]] && command -v psql >/dev/null \
  && psql "$PG_ADMIN_URL" -q -c 'SELECT 1' >/dev/null 2>&1; then
  psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
  psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE $PG_DB" >/dev/null
  PG_CREATED=1
  # Its settings that move the figures: how often dirty pages and statistics are cleaned up.
  PG_SERVER="PostgreSQL $(psql "$PG_ADMIN_URL" -Atc 'SHOW server_version' 2>/dev/null), autovacuum \
$(psql "$PG_ADMIN_URL" -Atc 'SHOW autovacuum' 2>/dev/null), shared_buffers \
$(psql "$PG_ADMIN_URL" -Atc 'SHOW shared_buffers' 2>/dev/null), synchronous_commit \
$(psql "$PG_ADMIN_URL" -Atc 'SHOW synchronous_commit' 2>/dev/null)"
  LAYAN_DATABASE_URL=$PG_URL run_backend "PostgreSQL" postgres
  psql "$PG_ADMIN_URL" -q -c "DROP DATABASE IF EXISTS $PG_DB WITH (FORCE)" >/dev/null
  psql "$PG_ADMIN_URL" -q -c "CREATE DATABASE $PG_DB" >/dev/null
  LAYAN_DATABASE_URL=$PG_URL run_ingest_node "PostgreSQL" postgres
  unset LAYAN_DATABASE_URL
  PG_DONE=1
else
  log "PostgreSQL not reachable at $PG_ADMIN_URL (or SKIP_POSTGRES set): skipped"
fi

# ---- report --------------------------------------------------------------------------------
CPU_MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || echo unknown)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
CEIL=$(jv "$WORK/ceiling-max.json" acknowledged_per_s)

errs() { # errors, and unsent requests of the open loop
  local e u
  e=$(jv "$1" errors); u=$(jv "$1" unsent)
  if [[ "${u:-0}" != "0" ]]; then echo "$e (+$u unsent)"; else echo "$e"; fi
}

throughput_row() { # file label
  local f=$1 label=$2 replies="–" during overall drain_s per cpu="–"
  if [[ -f "${f%.json}.replies" ]]; then
    read -r during overall _ drain_s per <"${f%.json}.replies"
    replies="$(num "$during") ($(num "$overall") incl. $drain_s s drain; $per per webhook)"
  fi
  [[ -f "${f%.json}.cpu" ]] && cpu=$(cat "${f%.json}.cpu")
  echo "| $label | **$(num "$(jv "$f" acknowledged_per_s)")** | $(pct "$(jv "$f" acknowledged_per_s)" "$CEIL") | $cpu | $(us_ms "$(jv "$f" latency_us/p50)") / $(us_ms "$(jv "$f" latency_us/p99)") | $replies | $(errs "$f") |"
}

latency_row() { # file label
  local f=$1 label=$2 replies="–" during
  if [[ -f "${f%.json}.replies" ]]; then
    read -r during _ <"${f%.json}.replies"
    replies=$(num "$during")
  fi
  echo "| $label | $(num "$(jv "$f" acknowledged_per_s)") | $(us_ms "$(jv "$f" latency_us/p50)") | **$(us_ms "$(jv "$f" latency_us/p99)")** | $(us_ms "$(jv "$f" latency_us/p999)") | $(us_ms "$(jv "$f" latency_us/max)") | $replies | $(errs "$f") |"
}

{
  echo "## Webhooks: durable ingest, end to end, latency (\`scripts/bench-webhooks.sh\`)"
  echo
  echo "$(date -u '+%Y-%m-%d %H:%M UTC'), $CORES cores ($CPU_MODEL), load average before the report $LOAD;"
  echo "$PINNING. $CONNECTIONS keep-alive HTTP/1.1 connections, $SENDERS senders, demo database of"
  echo "$DEMO_PARTICIPANTS participants, ${WARMUP} s warm-up + ${DURATION} s per run. Every request is a signed,"
  echo "real-shaped WhatsApp text webhook with a unique wamid (\`layan bench webhooks\`)."
  [[ -n "$PG_DONE" ]] && echo "$PG_SERVER, on the same machine, fresh database per server."
  echo
  echo "Saturation (closed loop, \`--max\`): webhooks answered 200 per second; for the server a 200"
  echo "means the events are durably committed. Server CPU: share of its core the server process used"
  echo "(near 100%: the server's core is the limit). Replies/s: WhatsApp sends accepted by the mock"
  echo "provider per second during the same run (and over the whole run including the drain of the"
  echo "backlog), and how many sends each acknowledged webhook led to."
  echo
  echo "| target | acknowledged/s | of ceiling | server CPU | p50 / p99 (closed loop) | replies accepted/s | errors |"
  echo "|---|---|---|---|---|---|---|"
  throughput_row "$WORK/ceiling-max.json" "ceiling: bare axum, verify + parse, no storage"
  if [[ -z "${SKIP_OHA:-}" && -s "$WORK/oha-max.json" ]]; then
    O="$WORK/oha-max.json"
    echo "| ceiling, oha (one fixed body) | $(num "$(jv "$O" summary/requestsPerSec)") | $(pct "$(jv "$O" summary/requestsPerSec)" "$CEIL") | $(cat "$WORK/oha-max.cpu" 2>/dev/null || echo –) | $(s_ms "$(jv "$O" latencyPercentiles/p50)") / $(s_ms "$(jv "$O" latencyPercentiles/p99)") | – | success rate $(jv "$O" summary/successRate) |"
  fi
  throughput_row "$WORK/sqlite-ingest.json" "SQLite: ingest node, durable ingest alone"
  throughput_row "$WORK/sqlite-max.json" "SQLite: whole pipeline on the same core"
  if [[ -n "$PG_DONE" ]]; then
    throughput_row "$WORK/postgres-ingest.json" "PostgreSQL: ingest node, durable ingest alone"
    throughput_row "$WORK/postgres-max.json" "PostgreSQL: whole pipeline on the same core"
  fi
  echo
  echo "Open loop at $RATE webhooks/s; latency from each request's scheduled send to its 200"
  echo "(corrected for coordinated omission):"
  echo
  echo "| target | acknowledged/s | p50 | p99 | p99.9 | max | replies accepted/s | errors |"
  echo "|---|---|---|---|---|---|---|---|"
  latency_row "$WORK/ceiling-rate.json" "ceiling"
  if [[ -z "${SKIP_OHA:-}" && -s "$WORK/oha-rate.json" ]]; then
    O="$WORK/oha-rate.json"
    echo "| ceiling, oha \`-q $RATE --latency-correction\` | $(num "$(jv "$O" summary/requestsPerSec)") | $(s_ms "$(jv "$O" latencyPercentiles/p50)") | **$(s_ms "$(jv "$O" latencyPercentiles/p99)")** | $(s_ms "$(jv "$O" latencyPercentiles/p99.9)") | $(s_ms "$(jv "$O" summary/slowest)") | – | success rate $(jv "$O" summary/successRate) |"
  fi
  latency_row "$WORK/sqlite-rate.json" "SQLite"
  if [[ -s "$WORK/sqlite-grown-rate.json" ]]; then
    latency_row "$WORK/sqlite-grown-rate.json" "SQLite, after the sustained search ($(num "$GROWN_BY") more messages stored)"
  fi
  if [[ -n "$PG_DONE" ]]; then
    latency_row "$WORK/postgres-rate.json" "PostgreSQL"
  fi
  echo
  echo "Sustained end to end on SQLite: open loop at rising rates, all on one server started on a"
  echo "fresh database (each step runs on the database the earlier steps grew); a rate is kept up"
  echo "when the replies accepted during the run reach 97% of the rate times the replies per"
  echo "webhook. The search stops at the first rate not kept up."
  echo
  echo "| webhooks/s offered | acknowledged/s | p50 | p99 | replies accepted/s | replies per webhook | of the pace needed | drain after the run | kept up |"
  echo "|---|---|---|---|---|---|---|---|---|"
  SUSTAINED_MSGS=0; SUSTAINED_REPLIES=0
  while read -r r during per share drain_s kept; do
    f="$WORK/sustain-$r.json"
    echo "| $(num "$r") | $(num "$(jv "$f" acknowledged_per_s)") | $(us_ms "$(jv "$f" latency_us/p50)") | $(us_ms "$(jv "$f" latency_us/p99)") | $(num "$during") | $per | $share% | $drain_s s | $kept |"
    if [[ "$kept" == yes ]]; then SUSTAINED_MSGS=$r; SUSTAINED_REPLIES=$during; fi
  done <"$WORK/sustain.tsv"
  echo
  python3 - "$CEIL" "$(jv "$WORK/sqlite-ingest.json" acknowledged_per_s)" \
    "$(jv "$WORK/sqlite-max.json" acknowledged_per_s)" \
    "$(cut -d' ' -f1 "$WORK/sqlite-max.replies")" "$(jv "$WORK/sqlite-rate.json" latency_us/p99)" "$RATE" \
    "$SUSTAINED_MSGS" "$SUSTAINED_REPLIES" "$(jv "$WORK/sqlite-grown-rate.json" latency_us/p99 2>/dev/null)" \
    "${GROWN_BY:-0}" <<'PY'
import sys
ceil, alone, shared, overload, p99, rate, msgs, replies, grown_p99, grown_by = (
    float(x or 0) for x in sys.argv[1:])
def verdict(ok): return "met" if ok else "NOT met"
def share(x): return 100 * x / ceil if ceil else 0
print(f"Targets on SQLite: durable ingest {share(alone):.0f}% of the ceiling on an ingest node, "
      f"{share(shared):.0f}% with the whole pipeline on the same core (target 40%: "
      f"{verdict(ceil and alone >= 0.4 * ceil)}); end to end, sustained: {msgs:,.0f} messages/s "
      f"answered with {replies:,.0f} provider calls/s (target 5,000 messages/s: "
      f"{verdict(msgs >= 5000)}; 5,000 provider calls/s: {verdict(replies >= 5000)}), and "
      f"{overload:,.0f} replies/s while overloaded (--max); p99 {p99 / 1000:.2f} ms at "
      f"{rate:,.0f}/s on the fresh database (target under 25 ms: {verdict(0 < p99 < 25000)})"
      + (f", {grown_p99 / 1000:.2f} ms after {grown_by:,.0f} more messages "
         f"({verdict(grown_p99 < 25000)})" if grown_p99 else "") + ".")
PY
} | tee "$WORK/report.md"
