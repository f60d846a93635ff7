#!/usr/bin/env bash
# The main job: set up and build, write a tiny DeepSeek-V3-architecture
# model (2 dense + 2 MoE layers, MLA, 8 routed experts + 1 shared,
# deterministic weights as safetensors), compile it for the NPU (dc preset:
# Ascend 910B-like) into its prefill and decode programs, and generate
# tokens on the simulator with --check (every step's logits against the
# golden evaluator) and --stats (per-token latency, tokens/s, the roofline
# ratios). Then the ONNX example: a transformer block compiled, simulated
# and compared with PyTorch's output.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
OUT="${OUT:-$BUILD_DIR/demo}"
TARGET="${TARGET:-dc}"
PRECISION="${PRECISION:-f32}"
PY=/usr/bin/python3
mkdir -p "$OUT"

MODEL_DIR="$OUT/tiny-deepseek-v3"
echo "== writing a tiny DeepSeek-V3-architecture model -> $MODEL_DIR"
$PY test/huggingface/tiny_hf_models.py demo "$MODEL_DIR"
echo "== compiling it for '$TARGET' at $PRECISION -> $OUT/deepseek/ (prefill.npu, decode.npu, weights.bin)"
"$BUILD_DIR/bin/tessera-compile" "$MODEL_DIR" -o "$OUT/deepseek/" \
  --target="$TARGET" --precision="$PRECISION" --seq=16 --cache-capacity=64
echo "== generating 32 tokens on the simulator (--check against the golden evaluator, --stats)"
"$BUILD_DIR/bin/tessera-run" "$OUT/deepseek/" --generate --prompt-ids 1,5,9,42 \
  --max-new-tokens 32 --check --stats | grep -v '^decode token'

MODEL=examples/tiny_llm_block/model.onnx
echo
echo "== second example: compiling $MODEL for '$TARGET' at $PRECISION -> $OUT/model.npu"
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
$PY - "$OUT/output.npy" examples/tiny_llm_block/expected_output.npy <<'PY'
import sys
import numpy as np
npu, torch_out = np.load(sys.argv[1]), np.load(sys.argv[2])
print(f"max |npu - torch| = {np.abs(npu - torch_out).max():.3g}")
PY
