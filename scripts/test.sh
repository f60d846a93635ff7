#!/usr/bin/env bash
# Sets up, builds and runs every test suite: GoogleTest unit tests, lit +
# FileCheck tests, and ONNX's backend node tests through the golden
# evaluator (ctest runs all three).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
BUILD_DIR="${BUILD_DIR:-build}"
cd "$BUILD_DIR"
ctest --output-on-failure
