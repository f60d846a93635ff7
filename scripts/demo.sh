#!/usr/bin/env bash
# The main job on the bundled example: set up and build, compile the model
# for the NPU (dc preset: Ascend 910B-like), run the program on the simulator
# beside the golden evaluator (--check) and print its statistics (--stats).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
OUT="${OUT:-$BUILD_DIR/demo}"
TARGET="${TARGET:-dc}"
PRECISION="${PRECISION:-f32}"
MODEL=examples/tiny_llm_block/model.onnx
mkdir -p "$OUT"
echo "== compiling $MODEL for '$TARGET' at $PRECISION -> $OUT/model.npu"
"$BUILD_DIR/bin/tessera-compile" "$MODEL" -o "$OUT/model.npu" \
  --target="$TARGET" --precision="$PRECISION"
"$BUILD_DIR/bin/tessera-compile" "$MODEL" --emit=asm -o "$OUT/model.s" \
  --target="$TARGET" --precision="$PRECISION"
echo "   assembly in $OUT/model.s ($(grep -c 'isa\.' "$OUT/model.s") lines)"
echo "== simulating with --check (golden evaluator beside the program) and --stats"
"$BUILD_DIR/bin/tessera-run" "$OUT/model.npu" --check --stats \
  --input hidden_states=examples/tiny_llm_block/input.npy \
  --output-dir "$OUT" --stats-json "$OUT/stats.json"
echo "== the simulated output against PyTorch's own output:"
"$BUILD_DIR/bin/tessera-run" "$OUT/model.npu" --quiet \
  --input hidden_states=examples/tiny_llm_block/input.npy --output-dir "$OUT"
/usr/bin/python3 - "$OUT/output.npy" examples/tiny_llm_block/expected_output.npy <<'PY'
import sys
import numpy as np
npu, torch_out = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"max |npu - torch| = {np.abs(npu - torch_out).max():.3g}")
PY
