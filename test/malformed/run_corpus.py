#!/usr/bin/python3
"""Runs the malformed-input corpus: every case must be refused cleanly.

  run_corpus.py BIN_DIR CORPUS_DIR WORK_DIR

Each file under CORPUS_DIR/<kind>/ is given to the reader of its kind (the
command table below). A case passes when the tool exits with a code in
1..127 (not a signal, not success) within the time limit and its error
output names the file. Devices (/dev/zero as every kind of input) are cases
too. A .npu case refused only because its target description changed is
stale, a failure. Prints one line per failure and a summary; exits 1 on any failure.

CORPUS_DIR/hf/ holds Hugging Face model directories, one case each (with
--manifest=manifest.json when the directory has one); each also holds
expected.txt, a piece of the error message the case must give.
"""
import os
import shutil
import subprocess
import sys

bin_dir, corpus, work = sys.argv[1:4]
valid = os.path.join(corpus, "valid")
TIMEOUT = int(os.environ.get("TESSERA_CORPUS_TIMEOUT", "120"))


def tool(name):
    return os.path.join(bin_dir, name)


# kind -> command for one case file F (T: a scratch path for outputs).
COMMANDS = {
    "onnx": lambda f, t: [tool("tessera-compile"), f, "-o", t + ".npu"],
    "onnx-run": lambda f, t: [tool("tessera-run"), f, "--output-dir", t],
    "npu": lambda f, t: [tool("tessera-run"), f, "--output-dir", t],
    "target": lambda f, t: [tool("tessera-compile"), os.path.join(valid, "add.onnx"),
                            "--target=" + f, "-o", t + ".npu"],
    "npy": lambda f, t: [tool("tessera-run"), os.path.join(valid, "add.onnx"),
                         "--input", "x=" + f, "--input",
                         "y=" + os.path.join(valid, "y.npy"), "--output-dir", t],
    "pb": lambda f, t: [tool("tessera-run"), os.path.join(valid, "add.onnx"),
                        "--input", "x=" + f, "--input",
                        "y=" + os.path.join(valid, "y.npy"), "--output-dir", t],
    "mlir": lambda f, t: [tool("tessera-as"), f, "-o", t + ".npu"],
    "hf": lambda f, t: [tool("tessera-compile"), f, "--emit=graph", "-o", t + ".mlir"]
    + (["--manifest=" + os.path.join(f, "manifest.json")]
       if os.path.exists(os.path.join(f, "manifest.json")) else []),
}
# /dev/zero as every kind of input, through symlinks with the suffix each
# tool dispatches on: a reader without a size limit would never finish.
DEVICE_CASES = [("onnx", "zero.onnx"), ("npu", "zero.npu"),
                ("target", "zero.json"), ("npy", "zero.npy"), ("pb", "zero.pb"),
                ("mlir", "zero.mlir")]

cases = []
for kind in sorted(COMMANDS):
    d = os.path.join(corpus, kind)
    if os.path.isdir(d):
        for name in sorted(os.listdir(d)):
            cases.append((kind, os.path.join(d, name)))
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
for kind, name in DEVICE_CASES:
    os.symlink("/dev/zero", os.path.join(work, name))
    cases.append((kind, os.path.join(work, name)))
# A Hugging Face model directory whose config.json, model.safetensors,
# shard or manifest is /dev/zero.
hf_valid = os.path.join(corpus, "hf", "config_not_object", "model.safetensors")
for zero in ["config.json", "model.safetensors", "shard.safetensors",
             "model.safetensors.index.json", "manifest.json"]:
    d = os.path.join(work, "hf-zero-" + zero.replace(".", "-"))
    os.makedirs(d)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(open(os.path.join(corpus, "hf", "config_huge_layers",
                                  "config.json")).read().replace(
                                      "1000000000000", "1"))
    if zero == "shard.safetensors":
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            f.write('{"weight_map": {"model.embed_tokens.weight": "shard.safetensors"}}')
    elif zero not in ("model.safetensors.index.json", "manifest.json"):
        shutil.copy(hf_valid, os.path.join(d, "model.safetensors"))
    target = os.path.join(d, zero)
    if os.path.exists(target):
        os.remove(target)
    os.symlink("/dev/zero", target)
    cases.append(("hf", d))
failures = 0
for i, (kind, f) in enumerate(cases):
    t = os.path.join(work, "case%d" % i)
    cmd = COMMANDS[kind](f, t)
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True,
                           timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        print("FAIL %s: hung (no exit within %d s)" % (f, TIMEOUT))
        failures += 1
        continue
    err = p.stderr.decode(errors="replace")
    what = None
    if p.returncode < 0:
        what = "killed by signal %d" % -p.returncode
    elif p.returncode == 0:
        what = "accepted (exit 0)"
    elif p.returncode > 127:
        what = "exit %d (a crash?)" % p.returncode
    elif os.path.basename(f) not in err:
        what = "the error does not name the file"
    elif kind == "npu" and "built for a different description of target" in err:
        # A program case built for an older preset stops at the target
        # check and no longer reaches the reader it was made for.
        what = ("stale: built for an older description of its target "
                "(fuzz/reseal_npu.py --target-hash refreshes it)")
    elif os.path.isfile(os.path.join(f, "expected.txt")):
        expected = open(os.path.join(f, "expected.txt")).read().strip()
        if expected not in err:
            what = "the error does not say '%s'" % expected
    if what:
        failures += 1
        print("FAIL %s [%s]: %s\n  $ %s\n  %s" %
              (f, kind, what, " ".join(cmd), err.strip()[-600:].replace("\n", "\n  ")))
print("malformed corpus: %d cases, %d failed" % (len(cases), failures))
sys.exit(1 if failures else 0)
