#!/usr/bin/env bash
# Benchmark: one DeepSeek-V2-Lite MoE layer (graph.moe: 64 routed experts of
# 1408, top-6, 2 shared; hidden 2048) compiled for `dc` at bf16 and simulated
# (functional: the routing decides the work), prefill of 1024 tokens and
# decode of one. Prints simulated time against two bounds: the simulator's
# roofline (every weight input counted as compulsory DRAM traffic, all 64
# experts) and the sparse bound (FLOPs and weight bytes of the experts the
# router selected, plus the dense router and shared experts).
# Usage: bench/moe/run.sh [BUILD_DIR] [OUT_DIR] [TARGET]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/moe}"
TARGET="${3:-dc}"
BIN="$BUILD/bin"
mkdir -p "$OUT"
/usr/bin/python3 "$ROOT/bench/moe/make_moe.py" "$OUT"
for phase in prefill decode; do
  d="$OUT/$phase"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BIN/tessera-compile" "$d/model.mlir" -o "$d/moe.$TARGET.npu" \
    --target="$TARGET" --precision=bf16
  read -r csecs ckib < "$OUT/time.txt"
  ins=()
  for n in x router gate up down sgate sup sdown; do ins+=(--input "$n=$d/$n.npy"); done
  "$BIN/tessera-run" "$d/moe.$TARGET.npu" "${ins[@]}" \
    --print-stats-json="$d/moe.$TARGET.stats.json" --output-dir "$d/out" > /dev/null
  /usr/bin/python3 - "$d/moe.$TARGET.stats.json" "$d/work.txt" "$phase" "$TARGET" \
      "$csecs" "$ckib" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
flops, nbytes, used, lo, hi = map(int, open(sys.argv[2]).read().split())
phase, target, csecs, ckib = sys.argv[3], sys.argv[4], float(sys.argv[5]), int(sys.argv[6])
peak, dram_bw = s["peak_flops_per_s"], s["dram_bytes_per_s"]
# The sparse bound, with the simulator's peak and nominal DRAM bandwidth.
sparse = max(flops / peak, nbytes / dram_bw)
print(f"dsv2lite_moe_{phase:7s} {target:4s} simulated {s['seconds']*1e6:9.1f} us"
      f"  sparse bound {sparse*1e6:8.1f} us  ratio {s['seconds']/sparse:6.3f}"
      f"  (sim roofline {s['bound_seconds']*1e6:8.1f} us, ratio {s['ratio_to_bound']:6.3f})"
      f"  experts used {used} ({lo}-{hi} tokens)  matrix FLOPs {s['matrix_flops']/flops:6.4f}x"
      f"  DRAM read {s['dram_read_bytes']/1e6:8.1f} MB of {nbytes/1e6:8.1f} MB"
      f"  compile {csecs:5.2f} s {ckib/1024:6.0f} MiB"
      f"  instrs {s['static_instructions']} static {s['dynamic_instructions']} dynamic")
PY
done
