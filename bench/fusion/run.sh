#!/usr/bin/env bash
# Benchmark: golden evaluation of the torch-exported LLM blocks before and
# after tessera-graph-fuse-llm. Each block's graph stage is written twice,
# unfused (--no-llm-fusion) and fused, and `tessera-run --eval-repeat=REPS`
# times the evaluation alone (import and parsing excluded). Prints the mean
# time per evaluation, graph op counts and the ratio unfused / fused, in one
# run. Usage: bench/fusion/run.sh [BUILD_DIR] [OUT_DIR] [REPS]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/fusion}"
REPS="${3:-50}"
FIX="$ROOT/test/e2e/fixtures"
mkdir -p "$OUT"

eval_ms() { # graph.mlir fixture-dir -> ms per evaluation
  "$BUILD/bin/tessera-run" "$1" \
    --input "hidden_states=$2/input_hidden_states.npy" \
    --input "position_ids=$2/input_position_ids.npy" \
    --output-dir "$OUT/run" --quiet --eval-repeat="$REPS" |
    awk '/golden evaluation:/ { print $3 }'
}

ops() { grep -c "= graph\." "$1" || true; }

printf "%-28s %10s %10s %8s %8s %7s\n" block unfused fused ops ops ratio
printf "%-28s %10s %10s %8s %8s %7s\n" "" "ms/eval" "ms/eval" unfused fused time
for m in deepseek_v2_block deepseek_v2_grouped_block qwen2_block \
         variants/variant_llama_block variants/variant_moe_block; do
  dir="$FIX/$m"
  name=$(basename "$m")
  "$BUILD/bin/tessera-compile" "$dir/model.onnx" --emit=graph --no-llm-fusion \
    -o "$OUT/$name.unfused.mlir"
  "$BUILD/bin/tessera-compile" "$dir/model.onnx" --emit=graph \
    -o "$OUT/$name.fused.mlir"
  u=$(eval_ms "$OUT/$name.unfused.mlir" "$dir")
  f=$(eval_ms "$OUT/$name.fused.mlir" "$dir")
  awk -v m="$name" -v u="$u" -v f="$f" -v ou="$(ops "$OUT/$name.unfused.mlir")" \
      -v of="$(ops "$OUT/$name.fused.mlir")" 'BEGIN {
    printf "%-28s %10.3f %10.3f %8d %8d %7.2f\n", m, u, f, ou, of, u / f }'
done
