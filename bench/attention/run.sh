#!/usr/bin/env bash
# Benchmark: fused attention on the NPU simulator against its roofline bound.
# bf16 operands, real shapes:
#   decode of one token at context 4096 (run-time kv_length = 4096 of a
#   4096-position cache):
#     v2lite_mla   DeepSeek-V2-Lite, absorbed MLA: 16 query heads sharing one
#                  576-d key / 512-d value head (the latent cache)
#     qwen15b_gqa  R1-Distill-Qwen-1.5B: 12 query heads, 2 kv heads, dim 128
#   causal prefill of 1024 tokens:
#     v2lite_mla   16 heads, qk 192 (nope 128 + rope 64), v 128
#     qwen15b_gqa  12 query heads, 2 kv heads, dim 128
# on dc and edge, timing only (--no-functional). Prints simulated time, the
# simulator's roofline bound (max of the program's compute and its
# compulsory DRAM bytes over the nominal bandwidth) and an ideal bound (the
# attention's FLOPs at the matrix engines' bf16 peak, or the DRAM bytes),
# with the ratios for the whole run and for the kernel alone (launch
# overhead excluded: one layer's attention is a small part of a decode
# step, whose launch is paid once).
# Usage: bench/attention/run.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/attention}"
mkdir -p "$OUT"
NPY="$ROOT/test/Sim/Inputs/npytool.py"

gen() { # name hq hkv sq skv dqk dv kvlen?
  local name=$1 hq=$2 hkv=$3 sq=$4 skv=$5 dqk=$6 dv=$7 kv=$8
  local q="tensor<1x${hq}x${sq}x${dqk}xbf16>" k="tensor<1x${hkv}x${skv}x${dqk}xbf16>"
  local v="tensor<1x${hkv}x${skv}x${dv}xbf16>" o="tensor<1x${hq}x${sq}x${dv}xbf16>"
  local args="%q: $q {graph.name = \"q\"}, %k: $k {graph.name = \"k\"}, %v: $v {graph.name = \"v\"}"
  local ops="%q, %k, %v" tys="$q, $k, $v"
  if [ "$kv" = 1 ]; then
    args="$args, %n: tensor<i32> {graph.name = \"n\"}"; ops="$ops, %n"; tys="$tys, tensor<i32>"
  fi
  cat > "$OUT/$name.mlir" <<MLIR
func.func @main($args) -> ($o {graph.name = "o"}) {
  %o = graph.attention $ops {causal = true} : ($tys) -> $o
  return %o : $o
}
MLIR
}
gen decode_v2lite_mla 16 1 1 4096 576 512 1
gen decode_qwen15b_gqa 12 2 1 4096 128 128 1
gen prefill_v2lite_mla 16 16 1024 1024 192 128 0
gen prefill_qwen15b_gqa 12 2 1024 1024 128 128 0
python3 "$NPY" make "$OUT/n.npy" i32 "" 4096

printf "%-22s %-5s %9s %9s %9s %7s %7s %9s %7s %7s %9s\n" case target "sim us" \
  "bound us" "ideal us" ratio kernel "dram us" "/ideal" "k/ideal" instrs
for t in dc edge; do
  for name in decode_v2lite_mla decode_qwen15b_gqa prefill_v2lite_mla prefill_qwen15b_gqa; do
    prog="$OUT/$name.$t.npu"
    "$BUILD/bin/tessera-compile" "$OUT/$name.mlir" -o "$prog" --target=$t --precision=bf16
    extra=()
    case $name in decode_*) extra=(--input "n=$OUT/n.npy");; esac
    "$BUILD/bin/tessera-run" "$prog" --no-functional "${extra[@]}" \
      --stats-json "$OUT/$name.$t.json" > /dev/null
    python3 - "$OUT/$name.$t.json" "$ROOT/lib/Target/presets/$t.json" "$name" "$t" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); tg = json.load(open(sys.argv[2]))
name = sys.argv[3]
clock = tg["clock_hz"]
sim = s["seconds"] * 1e6
bound = s["bound_seconds"] * 1e6
dram = s["compulsory_dram_bytes"] / tg["dram"]["peak_bytes_per_s"] * 1e6
kernel = s["kernel_cycles"] / clock * 1e6
# The ideal bound: the attention's own FLOPs (2 per multiply-add of Q K^T and
# P V over the visible pairs) at the matrix engines' bf16 peak, or the
# compulsory DRAM bytes at the nominal bandwidth. The simulator's bound
# counts the vector work this program chose to do, which a matrix-engine
# kernel would not.
shapes = {"decode_v2lite_mla": (16, 1, 4096, 576, 512),
          "decode_qwen15b_gqa": (12, 1, 4096, 128, 128),
          "prefill_v2lite_mla": (16, 1024, 1024, 192, 128),
          "prefill_qwen15b_gqa": (12, 1024, 1024, 128, 128)}
hq, sq, skv, dqk, dv = shapes[name]
pairs = sum(min(i + skv - sq + 1, skv) for i in range(sq))
flops = 2.0 * hq * pairs * (dqk + dv)
fm, fk, fn = tg["matrix"]["fractals"]["bf16"]
cores = sum(c["count"] for c in tg["cores"] if "M" in c["pipes"])
peak = 2.0 * fm * fk * fn * cores * clock
ideal = max(flops / peak * 1e6, dram)
print("%-22s %-5s %9.1f %9.1f %9.1f %7.2f %7.2f %9.1f %7.2f %7.2f %9d" % (
    name, sys.argv[4], sim, bound, ideal, sim / bound, kernel / bound, dram,
    sim / ideal, kernel / ideal, s["dynamic_instructions"]))
PY
  done
done
