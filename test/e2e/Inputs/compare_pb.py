#!/usr/bin/python3
"""Compares tessera-run outputs with an ONNX test's expected TensorProtos.

    compare_pb.py TEST_DATA_DIR OUTPUT_DIR

Every TEST_DATA_DIR/output_*.pb must have OUTPUT_DIR/<its name>.npy (as
`tessera-run --output-dir` writes them) of the same shape within the
conformance harness's tolerance (1e-7 + 1e-3 * |expected|). Prints one line
per output; exits 1 on a mismatch.
"""

import glob
import os
import sys

import numpy as np
from onnx import load_tensor, numpy_helper


def main():
    data_dir, out_dir = sys.argv[1], sys.argv[2]
    ok = True
    for f in sorted(glob.glob(os.path.join(data_dir, "output_*.pb"))):
        t = load_tensor(f)
        want = numpy_helper.to_array(t)
        path = os.path.join(out_dir, t.name + ".npy")
        if not os.path.exists(path):
            print("FAIL %s: no %s" % (t.name, path))
            ok = False
            continue
        got = np.load(path)
        if got.shape != want.shape:
            print("FAIL %s: shape %s, expected %s" % (t.name, got.shape,
                                                       want.shape))
            ok = False
            continue
        err = np.abs(got.astype(np.float64) - want.astype(np.float64))
        bad = err > 1e-7 + 1e-3 * np.abs(want.astype(np.float64))
        if bad.any():
            print("FAIL %s: max_abs=%g" % (t.name, err.max()))
            ok = False
        else:
            print("PASS %s" % t.name)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
