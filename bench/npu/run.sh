#!/usr/bin/env bash
# Benchmark: compiled kernels and blocks on both presets, as simulated time
# over the roofline bound of the same work (1.0 = the physical limit), plus
# compile time. Usage: bench/npu/run.sh [BUILD_DIR] [OUT_DIR]
#
# - gemm4096: bf16 4096^3, timed with a cold L2 (every operand byte from
#   DRAM) and warm (operands resident in L2, as a benchmark loop runs);
# - dsv2lite_prefill / dsv2lite_decode: the attention and MoE projections of
#   one DeepSeek-V2-Lite layer at 1024 tokens and at one token (bf16, cold);
#   dsv2lite_decode_linear: the decode with the weights stored [N, K] as
#   nn.Linear stores them (Gemm trans_b); dsv2lite_decode_int4 / _fp8: the
#   decode with int4 (groups of 128) and FP8 (128x128 blocks) weights
#   dequantized in the matmul's load;
# - the torch-exported LLM blocks of test/e2e (bf16, functional run with the
#   race checker; these tiny blocks are launch- and latency-bound).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/npu}"
BIN="$BUILD/bin"
mkdir -p "$OUT" "$OUT/outputs"
/usr/bin/python3 "$ROOT/bench/npu/make_models.py" "$OUT"
FIX="$ROOT/test/e2e/fixtures"

# label, model, target, run options...
row() {
  local label=$1 model=$2 target=$3; shift 3
  local npu="$OUT/$label.$target.npu"
  /usr/bin/time -f "%e %M" -o "$OUT/time.txt" \
    "$BIN/tessera-compile" "$model" -o "$npu" --target="$target" --precision=bf16
  read -r csecs ckib < "$OUT/time.txt"
  # Outputs go beside the programs (the default is the current directory).
  "$BIN/tessera-run" "$npu" "$@" --output-dir="$OUT/outputs" \
    --print-stats-json="$OUT/stats.json" > /dev/null
  /usr/bin/python3 - "$OUT/stats.json" "$label" "$target" "$csecs" "$ckib" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
label, target, csecs, ckib = sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
print(f"{label:24s} {target:5s} simulated {s['seconds']*1e6:10.1f} us  bound {s['bound_seconds']*1e6:10.1f} us"
      f"  ratio {s['ratio_to_bound']:6.3f}  matrix {s['percent_of_matrix_peak']:5.1f}%"
      f"  DRAM {s['percent_of_dram_bandwidth']:5.1f}%  compile {csecs:5.2f} s {ckib/1024:6.0f} MiB"
      f"  instrs {s['static_instructions']:7d} static {s['dynamic_instructions']:8d} dynamic")
PY
}

for t in dc edge; do
  row gemm4096_cold "$OUT/gemm4096.mlir" $t --no-functional
  row gemm4096_warm "$OUT/gemm4096.mlir" $t --no-functional --warm-l2
  row dsv2lite_prefill "$OUT/dsv2lite_prefill.mlir" $t --no-functional
  row dsv2lite_decode "$OUT/dsv2lite_decode.mlir" $t --no-functional
  row dsv2lite_decode_linear "$OUT/dsv2lite_decode_linear.mlir" $t --no-functional
  row dsv2lite_decode_int4 "$OUT/dsv2lite_decode_int4.mlir" $t --no-functional
  row dsv2lite_decode_fp8 "$OUT/dsv2lite_decode_fp8.mlir" $t --no-functional
  for m in deepseek_v2_block qwen2_block; do
    row $m "$FIX/$m/model.onnx" $t \
      --input hidden_states="$FIX/$m/input_hidden_states.npy" \
      --input position_ids="$FIX/$m/input_position_ids.npy"
  done
done
