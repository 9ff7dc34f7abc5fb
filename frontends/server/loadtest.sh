#!/usr/bin/env bash
# Load test of `kerasrt serve` with wrk (Debian), on loopback, bounded in time (6 runs of
# --seconds each): an MLP and a CNN, one at a time and both at once, with dynamic batching on
# and off. Prints requests/s, p50/p99 latency and errors per run, the throughput gain from
# batching, and how many requests each predict call served. Not a test: no figure gates
# anything. Measure on an idle machine (client and server share its cores).
#
#   bash frontends/server/loadtest.sh [--kerasrt build-server/kerasrt] [--models DIR]
#        [--seconds 5] [--connections 32] [--json results.jsonl]
#        [--batching-options "--max-queue-delay-us 500 --max-batch-size 16"]
#
# --models DIR holds mlp.keras or mlp.h5, and mnist_cnn.h5: examples/models/ by default (tiny
# models: HTTP dominates), or the benchmark models bench/run.sh writes to BUILD/bench/models/
# (MLP 784-512-512-10, MNIST CNN Conv32-Conv64-Dense128). Requests: one 784-value row each, TF
# Serving row-format JSON for the MLP, KServe v2 with binary tensor data for the CNN.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
kerasrt="$root/build-server/kerasrt"; [[ -x "$kerasrt" ]] || kerasrt="$root/build/kerasrt"
models="$root/examples/models"; seconds=5; connections=32; json=""; batching_options=()
while (($#)); do
  case "$1" in
    --kerasrt) kerasrt="$2"; shift 2 ;;
    --models) models="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --connections) connections="$2"; shift 2 ;;
    --json) json="$2"; shift 2 ;;
    --batching-options) read -ra batching_options <<<"$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk (scripts/setup.sh)" >&2; exit 1; }
[[ -x "$kerasrt" ]] || { echo "no kerasrt binary at $kerasrt (--kerasrt)" >&2; exit 1; }

work="$(mktemp -d)"; server_pid=""
cleanup() { if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null || true; fi; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/repo/mlp/1" "$work/repo/cnn/1"
if [[ -f "$models/mlp.keras" ]]; then cp "$models/mlp.keras" "$work/repo/mlp/1/"; else cp "$models/mlp.h5" "$work/repo/mlp/1/"; fi
cp "$models/mnist_cnn.h5" "$work/repo/cnn/1/"
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
results="$work/results.jsonl"

start_server() {  # start_server [extra serve options...]
  "$kerasrt" serve --model-repository "$work/repo" --host 127.0.0.1 --port "$port" --access-log off "$@" \
    2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 400); do
    curl -sf "http://127.0.0.1:$port/v2/health/ready" >/dev/null && return 0
    sleep 0.05
  done
  echo "the server did not start:"; cat "$work/server.log"; exit 1
}
stop_server() { kill -TERM "$server_pid"; wait "$server_pid" || true; server_pid=""; }

run() {  # run LABEL BATCHING TARGET...
  local label="$1" batching="$2"; shift 2
  local line
  line=$(wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$root/frontends/server/loadtest.lua" \
           "http://127.0.0.1:$port" -- "$@" | tail -n 1)
  echo "{\"run\":\"$label\",\"batching\":\"$batching\",\"connections\":$connections,${line#\{}" >>"$results"
  echo "$label batching=$batching: $line"
}

for batching in on off; do
  if [[ $batching == on ]]; then start_server "${batching_options[@]}"; else start_server --no-batching; fi
  if [[ ! -f "$work/mlp.json" ]]; then
    # Request bodies, from the models' metadata.
    /usr/bin/python3 - "$work" "$port" <<'PY'
import json, random, struct, sys, urllib.request
work, port = sys.argv[1], sys.argv[2]
rng = random.Random(7)
def meta(name):
    return json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/models/{name}"))
m, c = meta("mlp"), meta("cnn")
x = [round(rng.random(), 6) for _ in range(784)]
json.dump({"instances": [x]}, open(f"{work}/mlp.json", "w"))
shape = [1] + c["inputs"][0]["shape"][1:]
header = json.dumps({"inputs": [{"name": c["inputs"][0]["name"], "shape": shape, "datatype": "FP32",
                                  "parameters": {"binary_data_size": 4 * 784}}],
                     "outputs": [{"name": c["outputs"][0]["name"], "parameters": {"binary_data": True}}]}).encode()
open(f"{work}/cnn.bin", "wb").write(header + struct.pack("<784f", *x))
open(f"{work}/cnn.hlen", "w").write(str(len(header)))
PY
  fi
  cnn="/v2/models/cnn/infer=$work/cnn.bin=$(cat "$work/cnn.hlen")"
  run mlp "$batching" "/v1/models/mlp:predict=$work/mlp.json"
  run cnn "$batching" "$cnn"
  run "mlp+cnn" "$batching" "/v1/models/mlp:predict=$work/mlp.json" "$cnn"
  curl -s "http://127.0.0.1:$port/metrics" | grep -E '^kerasrt_model_(requests|inferences)_total' >"$work/metrics_$batching.txt" || true
  stop_server
done

/usr/bin/python3 - "$results" "$work" <<'PY'
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
print()
print("| run | batching | requests/s | p50 ms | p99 ms | errors | requests |")
print("|---|---|---|---|---|---|---|")
for r in rows:
    print(f"| {r['run']} | {r['batching']} | {r['rps']:.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {r['errors']} | {r['requests']} |")
print()
by = {(r["run"], r["batching"]): r for r in rows}
for run in ("mlp", "cnn", "mlp+cnn"):
    on, off = by.get((run, "on")), by.get((run, "off"))
    if on and off:
        print(f"{run}: batching on / off throughput = {on['rps'] / off['rps']:.2f}x")
for b in ("on", "off"):
    try:
        m = dict(l.rsplit(" ", 1) for l in open(f"{sys.argv[2]}/metrics_{b}.txt").read().split("\n") if l)
    except OSError:
        continue
    for model in ("mlp", "cnn"):
        req = float(m.get(f'kerasrt_model_requests_total{{model="{model}",version="1"}}', 0))
        calls = float(m.get(f'kerasrt_model_inferences_total{{model="{model}",version="1"}}', 0))
        if calls:
            print(f"batching {b}, {model}: {req / calls:.2f} requests per predict call")
PY
[[ -n "$json" ]] && cp "$results" "$json"
errors=$(/usr/bin/python3 -c 'import json,sys; print(sum(json.loads(l)["errors"] for l in open(sys.argv[1])))' "$results")
[[ "$errors" == 0 ]] || { echo "errors: $errors"; exit 1; }
