#!/usr/bin/env bash
# The main job on the bundled example: set up and build, import the model,
# print its graph IR, evaluate it with the golden evaluator, print outputs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
OUT="${OUT:-$BUILD_DIR/demo}"
MODEL=examples/tiny_llm_block/model.onnx
mkdir -p "$OUT"
echo "== graph IR of $MODEL"
"$BUILD_DIR/bin/tessera-compile" "$MODEL" --emit=graph -o "$OUT/model.graph.mlir" \
  --no-weights
cat "$OUT/model.graph.mlir"
echo "== golden evaluation"
"$BUILD_DIR/bin/tessera-run" "$MODEL" --input hidden_states=examples/tiny_llm_block/input.npy --output-dir "$OUT"
echo "== outputs written to $OUT/; against PyTorch's own output:"
/usr/bin/python3 - "$OUT/output.npy" examples/tiny_llm_block/expected_output.npy <<'PY'
import sys
import numpy as np
golden, torch_out = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"max |golden - torch| = {np.abs(golden - torch_out).max():.3g}")
PY
