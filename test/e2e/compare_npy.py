#!/usr/bin/python3
"""Compares a model's outputs with a fixture's expected outputs.

    compare_npy.py [--atol 1e-4] FIXTURE_DIR OUTPUT_DIR

Every FIXTURE_DIR/output_<name>.npy must have a matching OUTPUT_DIR/<name>.npy
(as `tessera-run --output-dir` writes them) of the same shape whose largest
absolute difference is below --atol. Prints one line per output with its
error; exits 1 with the reason on any mismatch, so lit fails loudly.
"""

import argparse
import glob
import os
import sys

import numpy as np


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--atol", type=float, default=1e-4)
    parser.add_argument("fixture_dir")
    parser.add_argument("output_dir")
    args = parser.parse_args()

    expected_files = sorted(
        glob.glob(os.path.join(args.fixture_dir, "output_*.npy")))
    if not expected_files:
        print("FAIL: no output_*.npy in %s" % args.fixture_dir)
        return 1
    failures = 0
    for path in expected_files:
        name = os.path.basename(path)[len("output_"):-len(".npy")]
        actual_path = os.path.join(args.output_dir, name + ".npy")
        if not os.path.exists(actual_path):
            print("FAIL %s: %s was not written" % (name, actual_path))
            failures += 1
            continue
        expected = np.load(path)
        actual = np.load(actual_path)
        if actual.shape != expected.shape:
            print("FAIL %s: shape %s, expected %s" %
                  (name, actual.shape, expected.shape))
            failures += 1
            continue
        diff = np.abs(actual.astype(np.float64) - expected.astype(np.float64))
        # NaN anywhere is a mismatch, never a pass by comparison rules.
        err = float(np.nanmax(diff)) if diff.size else 0.0
        nans = int(np.isnan(diff).sum())
        ok = nans == 0 and err < args.atol
        where = ""
        if diff.size and not ok:
            flat = int(np.nanargmax(diff)) if nans < diff.size else 0
            index = np.unravel_index(flat, diff.shape)
            where = " at %s (got %r, expected %r)" % (
                tuple(int(i) for i in index), float(actual[index]),
                float(expected[index]))
        print("%s %s: max abs error %.3g (tolerance %g)%s%s" %
              ("ok" if ok else "FAIL", name, err, args.atol,
               ", %d NaN" % nans if nans else "", where))
        failures += not ok
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
