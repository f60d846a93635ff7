#!/usr/bin/env bash
# Fetches the model zoo (test/models/zoo.json) from the npm registry into
# $TESSERA_ZOO_DIR (default ~/.cache/tessera/zoo), checks every model's
# sha256 and installs onnxruntime-node (--ignore-scripts) beside them.
#   scripts/fetch-zoo-models.sh [--tier=ci|full|large]   (default: ci)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec node "$here/../test/models/zoo.mjs" fetch "$@"
