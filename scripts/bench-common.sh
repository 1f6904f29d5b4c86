# Shared by the benchmark scripts (sourced, not run): the benchmark server's settings, waiting
# for a process to answer, and reading a process's CPU time.

BENCH_APP_SECRET=bench-app-secret
BENCH_VERIFY_TOKEN=bench-verify-token
BENCH_ACCESS_TOKEN=bench-access-token
BENCH_PHONE_NUMBER_ID=106540352242922

# bench_server_env PORT DATA_DIR MOCK_PORT: sets BENCH_ENV to the environment of a benchmark
# server (WhatsApp on, its API at the mock provider, no send rate limit, demo database of
# $DEMO_PARTICIPANTS participants in DATA_DIR), for `env "${BENCH_ENV[@]}" layan serve`.
bench_server_env() {
  BENCH_ENV=(
    "LAYAN_LISTEN=127.0.0.1:$1"
    "LAYAN_DATA_DIR=$2"
    "LAYAN_DEMO_PARTICIPANTS=${DEMO_PARTICIPANTS:-2000}"
    "LAYAN_WHATSAPP_APP_SECRET=$BENCH_APP_SECRET"
    "LAYAN_WHATSAPP_VERIFY_TOKEN=$BENCH_VERIFY_TOKEN"
    "LAYAN_WHATSAPP_ACCESS_TOKEN=$BENCH_ACCESS_TOKEN"
    "LAYAN_WHATSAPP_PHONE_NUMBER_ID=$BENCH_PHONE_NUMBER_ID"
    "LAYAN_WHATSAPP_API_BASE=http://127.0.0.1:$3/v21.0"
    "LAYAN_WHATSAPP_RATE_PER_SEC=1000000"
    "LAYAN_LOG_LEVEL=warn"
  )
}

# bench_wait_ready URL PID LOG [TRIES]: waits (0.2 s per try, 600 tries by default) until URL
# answers. Fails, showing the end of LOG, when PID exits first or the tries run out.
bench_wait_ready() {
  local url=$1 pid=$2 log=$3 tries=${4:-600}
  for _ in $(seq "$tries"); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then
      tail -n 30 "$log" >&2 || true
      echo "[bench] error: the process logging to $log exited before it was ready" >&2
      return 1
    fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2 || true
  echo "[bench] error: not ready at $url" >&2
  return 1
}

# bench_cpu_s PID: CPU seconds (user + system) the process has used so far.
bench_cpu_s() {
  awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f\n", ($14 + $15) / hz}' "/proc/$1/stat"
}
