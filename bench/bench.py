#!/usr/bin/python3
"""kerasrt against ONNX Runtime on the same models, weights, inputs and thread counts, in one run.
Called by bench/run.sh (which builds everything and generates the models first).

usage: /usr/bin/python3 bench/bench.py --build-dir DIR --models-dir DIR --out-dir DIR
           [--models mlp,mnist_cnn,...] [--seconds S] [--warmup S] [--memory-models a,b]
           [--memory-threads 1,4,16,64] [--profile] [--no-memory]
       /usr/bin/python3 bench/bench.py ... --from-json OUT_DIR/results.json   (the report again)

Every measurement is a fresh process (`kerasrt bench ... --json`, `node ort_bench.js bench ...`),
so load time and peak RSS are each run's own. Writes OUT_DIR/results.md and results.json and
prints the markdown. Exits 1 when kerasrt and ONNX Runtime disagree on a model's outputs
(max |a - b| over max |b| above 1e-4), or a model's ONNX twin disagrees with the NumPy
reference where kerasrt cannot run the model yet.
"""

import argparse
import datetime
import glob
import json
import os
import platform
import re
import shlex
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import keras2onnx  # noqa: E402

REL_TOLERANCE = 1e-4
ALL_MODELS = ["mlp", "mnist_cnn", "mobilenet_v2", "resnet50", "lstm_text", "transformer"]
LABELS = {"mlp": "MLP 784-512-512-10", "mnist_cnn": "MNIST CNN", "mobilenet_v2": "MobileNetV2 224",
          "resnet50": "ResNet50 224", "lstm_text": "LSTM text (200x128, 2x LSTM128)",
          "transformer": "Transformer enc. (128x256, 4 heads, 2 blocks)"}
COMMANDS = []  # every command run, for the report


def log(msg):
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def run(cmd, env=None, check=True, timeout=3600):
    """env: extra environment variables for this command (shown in the report's command list)."""
    prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in (env or {}).items())
    COMMANDS.append(prefix + " ".join(shlex.quote(c) for c in cmd))
    full_env = dict(os.environ, **env) if env else None
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=full_env, timeout=timeout)
    if check and p.returncode != 0:
        raise SystemExit(f"bench.py: command failed ({p.returncode}): {' '.join(cmd)}\n{p.stderr}{p.stdout}")
    return p


# ------------------------------------------------------------------ machine

def machine_info():
    info = {"cpu": platform.processor() or "?", "flags": [], "cores": len(os.sched_getaffinity(0))}
    try:
        with open("/proc/cpuinfo") as f:
            text = f.read()
        m = re.search(r"^model name\s*:\s*(.*)$", text, re.M)
        if m:
            info["cpu"] = m.group(1).strip()
        m = re.search(r"^flags\s*:\s*(.*)$", text, re.M)
        flags = set(m.group(1).split()) if m else set()
        info["flags"] = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512vl", "avx512_vnni", "avx512_bf16",
                                     "amx_tile", "amx_bf16", "amx_int8") if f in flags]
        info["avx2"] = "avx2" in flags
        info["avx512"] = "avx512f" in flags
        info["amx"] = "amx_tile" in flags
    except OSError:
        pass
    try:
        lscpu = subprocess.run(["lscpu"], stdout=subprocess.PIPE, text=True).stdout
        for key in ("Vendor ID", "CPU family", "Model", "Hypervisor vendor", "L2 cache", "L3 cache"):
            m = re.search(rf"^{key}:\s*(.*)$", lscpu, re.M)
            if m:
                info[key.lower().replace(" ", "_")] = m.group(1).strip()
    except OSError:
        pass
    info["kernel"] = platform.release()
    info["load_average_at_start"] = os.getloadavg()
    with open("/proc/meminfo") as f:
        info["memory_gb"] = round(int(re.search(r"MemTotal:\s*(\d+)", f.read()).group(1)) / 1e6, 1)
    info["node"] = run(["node", "--version"]).stdout.strip()
    return info


# ------------------------------------------------------------------ runners

class Runner:
    def __init__(self, args):
        self.args = args
        self.kerasrt = os.path.join(args.build_dir, "kerasrt")
        self.ort = os.path.join(HERE, "node", "ort_bench.js")
        self.cores = len(os.sched_getaffinity(0))

    def model(self, name, ext):
        return os.path.join(self.args.models_dir, name + ext)

    def kerasrt_bench(self, name, callers, batch, intra, seconds=None, env=None):
        cmd = [self.kerasrt, "bench", self.model(name, ".h5"), "--threads", str(callers), "--batch", str(batch),
               "--intra-op-threads", str(intra), "--seconds", str(seconds or self.args.seconds),
               "--warmup", str(self.args.warmup), "--input", self.model(name, "_input.npy"), "--json"]
        return json.loads(run(cmd, env=env).stdout)

    def ort_bench(self, onnx_path, input_npy, callers, batch, intra, seconds=None):
        cmd = ["node", self.ort, "bench", onnx_path, "--callers", str(callers), "--batch", str(batch),
               "--intra", str(intra), "--inter", "1", "--seconds", str(seconds or self.args.seconds),
               "--warmup", str(self.args.warmup), "--input", input_npy]
        # onnxruntime-node sometimes aborts (Napi::Error) when two worker threads start sessions
        # at once; a failed run is retried, and said so in the log.
        for attempt in range(3):
            p = run(cmd, check=attempt == 2)
            if p.returncode == 0:
                return json.loads(p.stdout)
            log(f"  ONNX Runtime run failed ({p.returncode}), retrying: {p.stderr.strip()[-200:]}")


def rel_diff(a, b):
    a, b = a.astype(np.float64), b.astype(np.float64)
    if a.shape != b.shape:
        return float("inf"), float("inf")
    d = float(np.max(np.abs(a - b))) if a.size else 0.0
    return d, d / max(float(np.max(np.abs(b))), 1e-30)


def check_outputs(r, name, out_dir):
    """kerasrt and ORT on the same batch-4 input; for models kerasrt refuses, ORT against the
    NumPy reference. Returns (entry, kerasrt_unsupported_reason)."""
    x = r.model(name, "_input.npy")
    y_ort = os.path.join(out_dir, name + "_ort.npy")
    y_k = os.path.join(out_dir, name + "_kerasrt.npy")
    run(["node", r.ort, "predict", r.model(name, ".onnx"), "--input", x, "--output", y_ort])
    p = run([r.kerasrt, "predict", r.model(name, ".h5"), "--input", x, "--output", y_k], check=False)
    entry = {}
    unsupported = None
    if p.returncode != 0:
        msg = (p.stderr or p.stdout).strip()
        if "not supported" not in msg:
            raise SystemExit(f"bench.py: kerasrt failed on {name}:\n{msg}")
        classes = sorted(set(re.findall(r"layer type '([^']+)' is not supported", msg)))
        unsupported = "unsupported: " + ", ".join(classes) if classes else "unsupported"
        entry["kerasrt_error"] = msg
    else:
        d, rel = rel_diff(np.load(y_k), np.load(y_ort))
        entry.update({"kerasrt_vs_ort_max_abs_diff": d, "kerasrt_vs_ort_rel_diff": rel})
        if not rel <= REL_TOLERANCE:
            raise SystemExit(f"bench.py: {name}: kerasrt and ONNX Runtime disagree: max |diff| {d:.3g}, "
                             f"relative {rel:.3g} > {REL_TOLERANCE}")
    expected = r.model(name, "_expected.npy")
    if os.path.exists(expected):
        d, rel = rel_diff(np.load(y_ort), np.load(expected))
        entry.update({"ort_vs_numpy_max_abs_diff": d, "ort_vs_numpy_rel_diff": rel})
        if not rel <= REL_TOLERANCE:
            raise SystemExit(f"bench.py: {name}: the ONNX twin disagrees with the NumPy reference: "
                             f"max |diff| {d:.3g}, relative {rel:.3g}")
    return entry, unsupported


def dense_flops_per_sample(h5_path):
    """2 * sum of Dense kernel sizes, for models made of Dense layers only (else None)."""
    import h5py
    with h5py.File(h5_path, "r") as f:
        fn = keras2onnx.as_functional(json.loads(keras2onnx._text(f.attrs["model_config"])))
        if any(e["class_name"] not in ("InputLayer", "Dropout", "Dense") for e in fn["layers"]):
            return None
        group = f["model_weights"]
        flops = 0
        for entry in fn["layers"]:
            if entry["class_name"] == "Dense":
                g = group[entry.get("name", entry["config"]["name"])]
                flops += 2 * int(g[keras2onnx._names(g.attrs, "weight_names")[0]].size)
    return flops


def overhead_ms(r, name, batch, cache):
    """ORT per-call overhead for this model's input at this batch: p50 latency of y = x."""
    key = (name, batch)
    if key not in cache:
        x = np.load(r.model(name, "_input.npy"))
        ident = os.path.join(r.args.out_dir, f"identity_{name}.onnx")
        if not os.path.exists(ident):
            keras2onnx.identity("x".join(str(d) for d in x.shape[1:]), ident)
        rep = r.ort_bench(ident, r.model(name, "_input.npy"), 1, batch, 1, seconds=1.0)
        cache[key] = rep["latency_ms"]["p50"]
    return cache[key]


# ------------------------------------------------------------------ formatting

def fmt_ms(v):
    if v is None:
        return "–"
    return f"{v:.3f} ms" if v < 1 else (f"{v:.2f} ms" if v < 100 else f"{v:.0f} ms")


def fmt_rate(v):
    if v is None:
        return "–"
    return f"{v:,.0f}/s" if v >= 100 else f"{v:.1f}/s"


def fmt_ratio(v, target=None):
    if v is None:
        return "–"
    text = f"{v:.2f}"
    if target is not None and v > target:
        text = f"**{text}**"
    return text


def fmt_mb(b):
    return "–" if b is None else f"{b / 1e6:.0f} MB" if b >= 1e8 else f"{b / 1e6:.1f} MB"


def fmt_s(v):
    return "–" if v is None else (f"{v * 1e3:.1f} ms" if v < 1 else f"{v:.2f} s")


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build-dir", required=True)
    ap.add_argument("--models-dir", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--models", default=",".join(ALL_MODELS))
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--memory-models", default="lstm_text,mobilenet_v2")
    ap.add_argument("--memory-threads", default="1,4,16,64")
    ap.add_argument("--no-memory", action="store_true")
    ap.add_argument("--profile", action="store_true", help="perf profile of kerasrt on MobileNetV2, ResNet50, LSTM")
    ap.add_argument("--command-line", default="")
    ap.add_argument("--from-json", help="only write the report again from a results.json")
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    if args.from_json:
        with open(args.from_json) as f:
            md = markdown(json.load(f))
        with open(os.path.join(args.out_dir, "results.md"), "w") as f:
            f.write(md)
        print(md)
        return
    r = Runner(args)
    cores = r.cores
    names = [n for n in args.models.split(",") if n]
    started = datetime.datetime.now().astimezone()
    machine = machine_info()
    log(f"machine: {machine['cpu']}, {cores} cores, flags {' '.join(machine['flags'])}, "
        f"load average {machine['load_average_at_start'][0]:.1f}")

    log("GEMM peak (oneDNN sgemm)")
    gemm = json.loads(run([os.path.join(args.build_dir, "bench", "kerasrt_gemm_peak"), "--json", "--threads",
                           f"1,{cores}" if cores > 1 else "1", "--seconds", "2"]).stdout)
    log(f"  peak GFLOP/s by threads: {gemm['peak_gflops']}")

    log("ORT per-call overhead on a trivial graph")
    trivial = os.path.join(args.out_dir, "identity_1.onnx")
    keras2onnx.identity("1", trivial)
    tiny = os.path.join(args.out_dir, "identity_1_input.npy")
    np.save(tiny, np.zeros((1, 1), np.float32))
    trivial_rep = r.ort_bench(trivial, tiny, 1, 1, 1, seconds=1.0)
    ort_version = trivial_rep["runtime"]

    results = {}
    overheads = {}
    for name in names:
        log(f"{name}: outputs")
        res = {"label": LABELS.get(name, name)}
        check, unsupported = check_outputs(r, name, args.out_dir)
        res["check"] = check
        res["kerasrt_unsupported"] = unsupported
        onnx_path, x = r.model(name, ".onnx"), r.model(name, "_input.npy")
        runs = {"latency": (1, 1, 1), "throughput": (1, 32, cores), "concurrent": (2, 1, 1)}
        for key, (callers, batch, intra) in runs.items():
            log(f"{name}: {key}: {callers} caller(s) x batch {batch}, {intra} intra-op thread(s)")
            res[key] = {"ort": r.ort_bench(onnx_path, x, callers, batch, intra)}
            res[key]["ort_overhead_ms"] = overhead_ms(r, name, batch, overheads)
            if not unsupported:
                res[key]["kerasrt"] = r.kerasrt_bench(name, callers, batch, intra)
        if not unsupported and cores > 1:
            # Diagnostic: the same all-cores run with libgomp's waiting threads sleeping instead of
            # spinning (a spinning thread holds a core the other may need on a shared machine).
            log(f"{name}: throughput again with OMP_WAIT_POLICY=passive")
            res["throughput"]["kerasrt_omp_passive"] = r.kerasrt_bench(name, 1, 32, cores,
                                                                       env={"OMP_WAIT_POLICY": "passive"})
        log(f"{name}: HDF5's own floor (kerasrt_hdf5_floor, 4 fresh processes)")
        res["hdf5_floor"] = hdf5_floor(args.build_dir, r.model(name, ".h5"))
        flops = dense_flops_per_sample(r.model(name, ".h5"))
        if flops and not unsupported:
            res["dense64"] = {"flops_per_sample": flops}
            for threads in sorted({1, cores}):
                log(f"{name}: dense batch 64, {threads} thread(s)")
                k = r.kerasrt_bench(name, 1, 64, threads)
                o = r.ort_bench(onnx_path, x, 1, 64, threads)
                peak = gemm["peak_gflops"][str(threads)]
                res["dense64"][str(threads)] = {
                    "kerasrt_gflops": k["samples_per_second"] * flops / 1e9,
                    "ort_gflops": o["samples_per_second"] * flops / 1e9, "gemm_peak_gflops": peak}
        results[name] = res

    memory = {}
    if not args.no_memory:
        for name in [n for n in args.memory_models.split(",") if n]:
            log(f"memory scaling: {name}, threads {args.memory_threads}")
            memory[name] = json.loads(run([os.path.join(args.build_dir, "bench", "kerasrt_memory_scaling"),
                                           r.model(name, ".h5"), "--threads", args.memory_threads, "--json"]).stdout)

    profiles = {}
    if args.profile:
        profiles = profile(r, [n for n in ("mobilenet_v2", "resnet50", "lstm_text") if n in names])

    report = {"started": started.isoformat(timespec="seconds"), "machine": machine, "gemm": gemm,
              "ort": ort_version, "ort_trivial_overhead_ms": trivial_rep["latency_ms"]["p50"],
              "seconds": args.seconds, "warmup": args.warmup, "cores": cores, "models": results,
              "memory_scaling": memory, "profiles": profiles, "commands": COMMANDS,
              "command_line": args.command_line or "bash bench/run.sh",
              "paths": {"models": args.models_dir, "build": args.build_dir, "out": args.out_dir},
              "load_average_at_end": os.getloadavg()}
    with open(os.path.join(args.out_dir, "results.json"), "w") as f:
        json.dump(report, f, indent=1, default=lambda o: o.item() if hasattr(o, "item") else str(o))
    md = markdown(report)
    with open(os.path.join(args.out_dir, "results.md"), "w") as f:
        f.write(md)
    print(md)
    log(f"wrote {os.path.join(args.out_dir, 'results.md')} and results.json")


def profile(r, names):
    """perf profile (flat, by symbol) of `kerasrt bench` batch 1, 1 thread; oneDNN's JIT kernels
    are named through its perf map (DNNL_JIT_PROFILE=2)."""
    if not shutil.which("perf"):
        log("profile: perf not found, skipped")
        return {}
    out = {}
    env = {"DNNL_JIT_PROFILE": "2"}  # oneDNN writes /tmp/perf-<pid>.map for its JIT code
    maps_before = set(glob.glob("/tmp/perf-*.map"))
    for name in names:
        log(f"profile: {name}")
        data = os.path.join(r.args.out_dir, f"perf_{name}.data")
        cmd = ["perf", "record", "-F", "999", "-o", data, "--", r.kerasrt, "bench", r.model(name, ".h5"), "--batch",
               "1", "--seconds", "5", "--warmup", "1", "--input", r.model(name, "_input.npy")]
        p = run(cmd, env=env, check=False)
        if p.returncode != 0:
            log(f"profile: perf record failed: {p.stderr.strip()[-300:]}")
            continue
        rep = run(["perf", "report", "-i", data, "--stdio", "--no-children", "--sort", "dso,symbol",
                   "--percent-limit", "0.3"], check=False).stdout
        merged = {}
        for line in rep.splitlines():
            # "  27.01%  [JIT] tid 30990  [.] jit_avx512_common_gemm_f32_xbyak_gemm   -   -"
            m = re.match(r"\s*([\d.]+)%\s+(.+?)\s+\[[.kj]\]\s+(.+?)(\s{2,}.*)?$", line)
            if m:
                dso = re.sub(r"^\[JIT\] tid \d+$", "oneDNN JIT", m.group(2).strip())
                key = (dso, m.group(3).strip())
                merged[key] = merged.get(key, 0.0) + float(m.group(1))
        rows = [{"percent": p, "dso": d, "symbol": sym} for (d, sym), p in merged.items()]
        out[name] = sorted(rows, key=lambda x: -x["percent"])[:25]
    for path in set(glob.glob("/tmp/perf-*.map")) - maps_before:
        os.remove(path)
    return out


def bench_runs(res, engine):
    """The bench processes of `engine` for a model: each loads the model once."""
    runs = [res[key][engine] for key in ("latency", "throughput", "concurrent") if engine in res.get(key, {})]
    if engine == "kerasrt" and "kerasrt_omp_passive" in res.get("throughput", {}):
        runs.append(res["throughput"]["kerasrt_omp_passive"])
    return runs


def hdf5_floor(build_dir, h5_path, processes=4):
    """What HDF5's C library alone takes on the file (bench/hdf5_floor.cc), fastest over fresh
    processes, with the fastest file read of the same processes."""
    runs = [json.loads(run([os.path.join(build_dir, "bench", "kerasrt_hdf5_floor"), h5_path, "--json"]).stdout)
            for _ in range(processes)]
    return {"hdf5_seconds": min(x["hdf5_seconds"] for x in runs),
            "file_read_seconds": min(x["file_read_seconds"] for x in runs),
            "datasets": runs[0]["datasets"], "processes": processes}


def best_load(res, engine):
    """The fastest load and the fastest file read of `engine` over a model's bench processes, and
    how many processes there were."""
    runs = bench_runs(res, engine)
    return (min(r["load_seconds"] for r in runs), min(r["file_read_seconds"] for r in runs), len(runs))


def best_reload(res):
    """kerasrt's fastest second load of the model in one process (libraries set up), or None."""
    times = [r["reload_seconds"] for r in bench_runs(res, "kerasrt") if "reload_seconds" in r]
    return min(times) if times else None


def ratio(a, b):
    return None if a is None or b is None or b <= 0 else a / b


def markdown(rep):
    m = rep["machine"]
    cores = rep["cores"]
    L = []
    load0, load1 = rep["machine"]["load_average_at_start"][0], rep["load_average_at_end"][0]
    L.append("# kerasrt vs ONNX Runtime")
    L.append("")
    if max(load0, load1) > 0.5 * cores:
        L.append(f"> **Provisional figures**: the machine was shared while they were taken (1-minute load average "
                 f"{load0:.1f} at the start, {load1:.1f} at the end, on {cores} cores). Ratios between runs taken "
                 f"seconds apart are more telling than the absolute figures; re-run on an idle machine.")
        L.append("")
    L.append(f"Run {rep['started']}; {m['cpu']} ({m.get('vendor_id', '?')} family {m.get('cpu_family', '?')} model "
             f"{m.get('model', '?')}), {cores} cores, {m['memory_gb']} GB, {m.get('hypervisor_vendor', 'bare metal')} "
             f"guest; AVX2 {'yes' if m.get('avx2') else 'no'}, AVX-512 {'yes' if m.get('avx512') else 'no'}, "
             f"AMX {'yes' if m.get('amx') else 'no'} (flags: {' '.join(m['flags'])}); Linux {m['kernel']}.")
    L.append(f"kerasrt (this tree, Release) against {rep['ort']} from npm, node {m['node']}; {rep['gemm']['library']}. "
             f"Each figure is one fresh process: {rep['warmup']:g} s warm-up, {rep['seconds']:g} s measured.")
    L.append("")
    L.append("Ratios are **time** ratios kerasrt / ORT (latency, or time per sample for throughput): below 1.0 kerasrt "
             "is faster. \"w/o ovh\" subtracts ONNX Runtime's per-call overhead in onnxruntime-node (p50 of a "
             f"`y = x` graph fed the same input; {rep['ort_trivial_overhead_ms'] * 1e3:.1f} µs on a 1-float "
             "tensor) from ORT's times, which only makes ORT look faster. Targets (issue 5): ratio ≤ 1.0 "
             "everywhere, ≤ 0.8 on MLP, MNIST CNN, LSTM; bold marks a miss.")
    L.append("")
    models = rep["models"]

    # Table 1: latency and throughput
    L.append(f"## Latency (batch 1, 1 thread) and throughput (batch 32, 1 caller, {cores} intra-op threads)")
    L.append("")
    L.append("| model | kerasrt p50 | ORT p50 | ratio | w/o ovh | kerasrt b32 | ORT b32 | ratio | w/o ovh |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, res in models.items():
        target = 0.8 if name in ("mlp", "mnist_cnn", "lstm_text") else 1.0
        lat, tp = res["latency"], res["throughput"]
        unsup = res["kerasrt_unsupported"]
        o_lat = lat["ort"]["latency_ms"]["p50"]
        o_tp = tp["ort"]["samples_per_second"]
        if unsup:
            L.append(f"| {res['label']} | {unsup} | {fmt_ms(o_lat)} | – | – | {unsup} | {fmt_rate(o_tp)} | – | – |")
            continue
        k_lat = lat["kerasrt"]["latency_ms"]["p50"]
        k_tp = tp["kerasrt"]["samples_per_second"]
        r_lat = ratio(k_lat, o_lat)
        r_lat2 = ratio(k_lat, o_lat - lat["ort_overhead_ms"])
        # time per call per caller
        t_k, t_o = 1 / tp["kerasrt"]["calls_per_second"], 1 / tp["ort"]["calls_per_second"]
        r_tp = ratio(t_k, t_o)
        r_tp2 = ratio(t_k, t_o - tp["ort_overhead_ms"] / 1e3)
        L.append(f"| {res['label']} | {fmt_ms(k_lat)} | {fmt_ms(o_lat)} | {fmt_ratio(r_lat, target)} | "
                 f"{fmt_ratio(r_lat2, target)} | {fmt_rate(k_tp)} | {fmt_rate(o_tp)} | {fmt_ratio(r_tp, target)} | "
                 f"{fmt_ratio(r_tp2, target)} |")
    L.append("")

    diag = [(n, res) for n, res in models.items() if "kerasrt_omp_passive" in res["throughput"]]
    if diag:
        L.append(f"Threading diagnostic, same batch-32 run ({cores} intra-op threads): kerasrt's OpenMP threads "
                 "spin while they wait (libgomp's default); with `OMP_WAIT_POLICY=passive` they sleep. On a machine "
                 "whose cores are not all ours a spinning thread can hold the core the other thread needs.")
        L.append("")
        L.append("| model | kerasrt b32 (default) | kerasrt b32 (passive) | ORT b32 | kerasrt b1, 1 thread |")
        L.append("|---|---:|---:|---:|---:|")
        for name, res in diag:
            tp = res["throughput"]
            one = res["latency"]["kerasrt"]["samples_per_second"]
            L.append(f"| {res['label']} | {fmt_rate(tp['kerasrt']['samples_per_second'])} | "
                     f"{fmt_rate(tp['kerasrt_omp_passive']['samples_per_second'])} | "
                     f"{fmt_rate(tp['ort']['samples_per_second'])} | {fmt_rate(one)} |")
        L.append("")

    # Table 2: concurrency
    L.append("## Two concurrent callers (batch 1, 1 intra-op thread each)")
    L.append("")
    L.append("kerasrt: 2 threads calling `predict` on one shared `Model`. ORT: onnxruntime-node runs `session.run` "
             "synchronously on the JavaScript thread, so 2 worker threads with one session each (2 copies of the "
             "weights). Scaling = 2-caller throughput / 1-caller throughput (target ≥ 1.85 on 2 cores).")
    L.append("")
    L.append("| model | kerasrt | ORT | ratio | w/o ovh | kerasrt scaling | ORT scaling | kerasrt p99 | ORT p99 |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, res in models.items():
        target = 0.8 if name in ("mlp", "mnist_cnn", "lstm_text") else 1.0
        c, one = res["concurrent"], res["latency"]
        o = c["ort"]["samples_per_second"]
        o_scale = ratio(o, one["ort"]["samples_per_second"])
        if res["kerasrt_unsupported"]:
            L.append(f"| {res['label']} | {res['kerasrt_unsupported']} | {fmt_rate(o)} | – | – | – | "
                     f"{fmt_ratio(o_scale)} | – | {fmt_ms(c['ort']['latency_ms']['p99'])} |")
            continue
        k = c["kerasrt"]["samples_per_second"]
        t_k, t_o = 2 / c["kerasrt"]["calls_per_second"], 2 / c["ort"]["calls_per_second"]
        k_scale = ratio(k, one["kerasrt"]["samples_per_second"])
        scale_text = fmt_ratio(k_scale)
        if k_scale is not None and k_scale < 1.85 and cores >= 2:
            scale_text = f"**{scale_text}**"
        L.append(f"| {res['label']} | {fmt_rate(k)} | {fmt_rate(o)} | {fmt_ratio(ratio(t_k, t_o), target)} | "
                 f"{fmt_ratio(ratio(t_k, t_o - c['ort_overhead_ms'] / 1e3), target)} | {scale_text} | "
                 f"{fmt_ratio(o_scale)} | {fmt_ms(c['kerasrt']['latency_ms']['p99'])} | "
                 f"{fmt_ms(c['ort']['latency_ms']['p99'])} |")
    L.append("")

    # Table 3: load and memory
    L.append("## Load time and peak RSS")
    L.append("")
    L.append("Load: `Model::load` / `InferenceSession.create` from the file, page cache warm (each bench reads the "
             "file once first, into a plain `std::vector` / `Buffer`: \"file read\"; target kerasrt load ≤ 1.5 × "
             "file read). Every bench process of a model loads it once; the table gives the fastest load and the "
             "fastest read over those processes (one process alone varies by up to 3x on a VM). \"Reload\": kerasrt "
             "loading the same file again in the same process, once HDF5, oneDNN and the dynamic linker have done "
             "their once-per-process set-up (what a server pays for a new model version). \"HDF5 alone\": what "
             "HDF5's C library takes for the file's structure with no work of kerasrt's (`kerasrt_hdf5_floor`: set-up, "
             "the bytes opened in place, model_config, each layer's group and weight_names, each weight dataset's "
             "type, shape and offset, closing; fastest of 4 fresh processes, over their own file read): the floor "
             "under any loader built on it. Peak RSS: the whole "
             "process "
             "of the batch-1 latency run and of the batch-32 run (ORT's includes node itself, "
             f"{fmt_mb(next(iter(models.values()))['latency']['ort']['rss_before_load_bytes']) if models else '?'} "
             "before loading).")
    L.append("")
    L.append("| model | file | file read | kerasrt load | load / read | reload / read | HDF5 alone / read | ORT load "
             "| ratio | kerasrt RSS b1 | ORT RSS b1 | ratio | kerasrt RSS b32 | ORT RSS b32 | ratio |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, res in models.items():
        lat, tp = res["latency"], res["throughput"]
        o = lat["ort"]
        if res["kerasrt_unsupported"]:
            L.append(f"| {res['label']} | {fmt_mb(o['file_bytes'])} (onnx) | {fmt_s(o['file_read_seconds'])} | – | – | – | – | "
                     f"{fmt_s(o['load_seconds'])} | – | – | {fmt_mb(o['peak_rss_bytes'])} | – | – | "
                     f"{fmt_mb(tp['ort']['peak_rss_bytes'])} | – |")
            continue
        k = lat["kerasrt"]
        floor = res.get("hdf5_floor")
        k_load, k_read, k_runs = best_load(res, "kerasrt")
        o_load, _, _ = best_load(res, "ort")
        load_read = ratio(k_load, k_read)
        lr = fmt_ratio(load_read)
        if load_read is not None and load_read > 1.5:
            lr = f"**{lr}**"
        L.append(f"| {res['label']} | {fmt_mb(k['file_bytes'])} | {fmt_s(k_read)} | "
                 f"{fmt_s(k_load)} (of {k_runs}) | {lr} | {fmt_ratio(ratio(best_reload(res), k_read))} | "
                 f"{fmt_ratio(ratio(floor['hdf5_seconds'], floor['file_read_seconds'])) if floor else '–'} | "
                 f"{fmt_s(o_load)} | "
                 f"{fmt_ratio(ratio(k_load, o_load))} | {fmt_mb(k['peak_rss_bytes'])} | "
                 f"{fmt_mb(o['peak_rss_bytes'])} | {fmt_ratio(ratio(k['peak_rss_bytes'], o['peak_rss_bytes']))} | "
                 f"{fmt_mb(tp['kerasrt']['peak_rss_bytes'])} | {fmt_mb(tp['ort']['peak_rss_bytes'])} | "
                 f"{fmt_ratio(ratio(tp['kerasrt']['peak_rss_bytes'], tp['ort']['peak_rss_bytes']))} |")
    L.append("")

    # Dense vs GEMM peak
    g = rep["gemm"]
    L.append("## Dense layers against the machine's GEMM peak")
    L.append("")
    L.append(f"{g['library']} `sgemm` on square matrices, best of repeated calls: " +
             ", ".join(f"n={x['n']}, {x['threads']} thread(s): {x['best_gflops']:.0f} GFLOP/s (median "
                       f"{x['median_gflops']:.0f})" for x in g["results"]) + ".")
    L.append("")
    dense_rows = [(n, res) for n, res in models.items() if "dense64" in res]
    if dense_rows:
        L.append("| model, batch 64 | threads | kerasrt GFLOP/s | % of peak | ORT GFLOP/s | % of peak |")
        L.append("|---|---:|---:|---:|---:|---:|")
        for name, res in dense_rows:
            for threads, d in res["dense64"].items():
                if threads == "flops_per_sample":
                    continue
                kp = 100 * d["kerasrt_gflops"] / d["gemm_peak_gflops"]
                kp_text = f"{kp:.0f}%" if kp >= 70 else f"**{kp:.0f}%**"
                L.append(f"| {res['label']} ({res['dense64']['flops_per_sample'] / 1e6:.2f} MFLOP/sample) | {threads} | "
                         f"{d['kerasrt_gflops']:.1f} | {kp_text} | {d['ort_gflops']:.1f} | "
                         f"{100 * d['ort_gflops'] / d['gemm_peak_gflops']:.0f}% |")
        L.append("")
        L.append("(Target: ≥ 70% of the peak with the same thread count. The MLP's 784x512 and 512x512 GEMMs at "
                 "batch 64 are far smaller than the peak's n = 2048-4096, so 70% there is demanding.)")
        L.append("")

    # Memory scaling
    if rep["memory_scaling"]:
        L.append("## Memory scaling: N threads predicting on one model vs one model per thread")
        L.append("")
        L.append("`kerasrt_memory_scaling`: each row is a fresh process; N threads start together at a barrier "
                 "and each makes 3 batch-1 predictions, after one call per model on the main thread (which plans "
                 "the shape). Peak RSS = the process high-water mark (VmHWM), loading included. \"Beyond "
                 "activations\" = peak RSS while predicting (the mark is reset after that first call) with N "
                 "threads − the same with 1 thread − the growth of the workspaces the model made (its own count, "
                 "`Model::workspace_stats()`: \"workspaces\" is the most that existed at once, one per call in "
                 "flight); target < 10% of the weights at 64 threads. \"Idle threads\": the same N threads "
                 "created and joined without predicting (their stacks), for comparison. Within ±1-2 MB it is "
                 "noise: RSS counts touched pages only, and glibc's per-thread malloc arenas (up to 8 per core) "
                 "count here too.")
        L.append("")
        for name, ms in rep["memory_scaling"].items():
            L.append(f"**{LABELS.get(name, name)}**: weights {fmt_mb(ms['weights_bytes'])}, one call's workspace "
                     f"{fmt_mb(ms['workspace_bytes'])} (first-call heap growth {fmt_mb(ms['first_call_heap_bytes'])}).")
            L.append("")
            L.append("| threads | one shared model | N models | saving | shared: workspaces | "
                     "shared: beyond activations | of which N idle threads | beyond activations and threads |")
            L.append("|---:|---:|---:|---:|---:|---:|---:|---:|")
            for row in ms["rows"]:
                a, b = row["shared"]["peak_rss_bytes"], row["copies"]["peak_rss_bytes"]
                frac = row["shared_beyond_activations_fraction_of_weights"]
                frac_text = f"{100 * frac:.1f}% of weights"
                if row["threads"] == 64 and frac >= 0.10:
                    frac_text = f"**{frac_text}**"
                extra = row["shared_beyond_activations_bytes"]
                own = row["shared_beyond_activations_and_threads_bytes"]
                own_frac = row["shared_beyond_activations_and_threads_fraction_of_weights"]
                L.append(f"| {row['threads']} | {fmt_mb(a)} | {fmt_mb(b)} | {fmt_mb(b - a)} ({100 * (b - a) / b:.0f}%) | "
                         f"{row['shared_workspaces_alive']:.0f} | {extra / 1e6:+.1f} MB ({frac_text}) | "
                         f"{row['thread_creation_bytes'] / 1e6:+.1f} MB | {own / 1e6:+.1f} MB ({100 * own_frac:.1f}%) |")
            L.append("")

    # Output checks
    L.append("## Same outputs")
    L.append("")
    L.append(f"Batch-4 seeded inputs; max |a − b| and the same over max |b| (fails the run above {REL_TOLERANCE:g}).")
    L.append("")
    L.append("| model | kerasrt vs ORT | relative | ORT vs NumPy reference |")
    L.append("|---|---:|---:|---:|")
    for name, res in models.items():
        c = res["check"]
        kv = (f"{c['kerasrt_vs_ort_max_abs_diff']:.2g} | {c['kerasrt_vs_ort_rel_diff']:.2g}"
              if "kerasrt_vs_ort_max_abs_diff" in c else f"{res['kerasrt_unsupported']} | –")
        nv = f"{c['ort_vs_numpy_max_abs_diff']:.2g}" if "ort_vs_numpy_max_abs_diff" in c else "–"
        L.append(f"| {res['label']} | {kv} | {nv} |")
    L.append("")

    if rep["profiles"]:
        L.append("## Where kerasrt spends its time (perf, batch 1, 1 thread)")
        L.append("")
        for name, rows in rep["profiles"].items():
            L.append(f"**{LABELS.get(name, name)}**")
            L.append("")
            L.append("| % | object | function |")
            L.append("|---:|---|---|")
            for row in rows:
                sym = row["symbol"].replace("|", "\\|")
                if len(sym) > 110:
                    sym = sym[:107] + "..."
                L.append(f"| {row['percent']:.1f} | {row['dso']} | `{sym}` |")
            L.append("")

    L.append("## How it was run")
    L.append("")
    L.append(f"`{rep['command_line']}`; the individual commands:")
    L.append("")
    L.append("```")
    seen = set()
    for c in rep["commands"]:
        paths = rep["paths"]
        short = c.replace(paths["models"] + "/", "$MODELS/").replace(paths["out"] + "/", "$OUT/")
        short = short.replace(paths["build"] + "/", "$BUILD/").replace(os.path.join(HERE, "node") + "/", "bench/node/")
        if short not in seen:
            seen.add(short)
            L.append(short)
    L.append("```")
    L.append("")
    return "\n".join(L)


if __name__ == "__main__":
    main()
