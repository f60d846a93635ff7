#!/usr/bin/env bash
# bf16 generation accuracy of the tiny HF models (llama, qwen2_sharded,
# deepseek_v2_lite, deepseek_v3): PyTorch with Hugging Face's bf16 recipe
# against Tessera at --precision=bf16 on dc and edge, 16 prompts x 24 new
# tokens, each step's logits against f32 on the run's own token history
# (cosine >= 0.999, tessera-run --check's bound). bf16_vs_pytorch.py writes
# the model directories, compiles and runs them, and prints the table, the
# f32 sanity check of its PyTorch path and where the failures come from;
# the report is also written to OUT_DIR/report.txt. About a minute.
# Usage: bench/accuracy/run.sh [BUILD_DIR] [OUT_DIR]
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BUILD="${1:-$ROOT/build}"
OUT="${2:-$ROOT/bench/out/accuracy}"
mkdir -p "$OUT"
/usr/bin/python3 "$ROOT/bench/accuracy/bf16_vs_pytorch.py" --build "$BUILD" --out "$OUT" \
  | tee "$OUT/report.txt"
