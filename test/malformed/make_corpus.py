#!/usr/bin/python3
"""Writes the hand-made cases of the malformed-input corpus (test/malformed).

Each case is a small file that one reader must refuse with a clean error.
The files are checked in; this script documents how each was made and
regenerates them:  python3 test/malformed/make_corpus.py test/malformed
Cases the fuzzers found are added by hand under the same directories.
"""
import json
import os
import struct
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(__file__)


def path(kind, name):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    return os.path.join(d, name)


def model(nodes, inputs, outputs, inits=(), opset=17):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)])
    m.ir_version = 8
    return m


def save(m, name):
    open(path("onnx", name), "wb").write(m.SerializeToString())


f32 = lambda n, s: helper.make_tensor_value_info(n, TensorProto.FLOAT, s)


def short_int64(name, dims, values):
    """An int64 initializer whose data is shorter than its dims declare."""
    t = TensorProto()
    t.name = name
    t.data_type = TensorProto.INT64
    t.dims.extend(dims)
    t.int64_data.extend(values)
    return t


# --- The valid model every input-file case runs against: out = x + y. ------
valid = model([helper.make_node("Add", ["x", "y"], ["out"], name="add")],
              [f32("x", [2, 3]), f32("y", [2, 3])], [f32("out", [2, 3])])
os.makedirs(path("valid", ""), exist_ok=True)
open(path("valid", "add.onnx"), "wb").write(valid.SerializeToString())
np.save(path("valid", "y.npy"), np.ones((2, 3), np.float32))

# --- ONNX models -----------------------------------------------------------
# Shape inference used to read past short int64 initializers.
save(model([helper.make_node("Slice", ["x", "starts", "ends"], ["o"], name="slice")],
           [f32("x", [4, 4])], [f32("o", [2, 2])],
           [short_int64("starts", [2], [0]), numpy_helper.from_array(np.array([2, 2], np.int64), "ends")]),
     "short_int64_slice_starts.onnx")
save(model([helper.make_node("Tile", ["x", "repeats"], ["o"], name="tile")],
           [f32("x", [2, 2, 2])], [f32("o", [4, 2, 2])], [short_int64("repeats", [3], [2])]),
     "short_int64_tile_repeats.onnx")
save(model([helper.make_node("Squeeze", ["x", "axes"], ["o"], name="squeeze")],
           [f32("x", [1, 2, 1])], [f32("o", [2])], [short_int64("axes", [2], [0])]),
     "short_int64_squeeze_axes.onnx")
save(model([helper.make_node("ReduceSum", ["x", "axes"], ["o"], name="rsum")],
           [f32("x", [2, 3, 4])], [f32("o", [2, 1, 4])], [short_int64("axes", [3], [1])]),
     "short_int64_reducesum_axes.onnx")
# Shape inference used to segfault on these LayerNormalization axes.
for tag, axis in (("m99", -99), ("int64max", 2**63 - 1)):
    save(model([helper.make_node("LayerNormalization", ["x", "s"], ["o"], name="ln", axis=axis)],
               [f32("x", [2, 3, 4]), f32("s", [4])], [f32("o", [2, 3, 4])]),
         "layernorm_axis_%s.onnx" % tag)
# External data whose location is a directory (used to abort).
ext = numpy_helper.from_array(np.zeros(4, np.float32), "w")
ext.ClearField("raw_data")
ext.data_location = TensorProto.EXTERNAL
ext.external_data.add(key="location", value=".")
save(model([helper.make_node("Add", ["x", "w"], ["o"], name="add")],
           [f32("x", [4])], [f32("o", [4])], [ext]), "external_location_directory.onnx")
ext.external_data[0].value = "../x.bin"
save(model([helper.make_node("Add", ["x", "w"], ["o"], name="add")],
           [f32("x", [4])], [f32("o", [4])], [ext]), "external_location_parent.onnx")
# Expand of a constant to 2^40 elements (the golden fold used to run out of memory).
save(model([helper.make_node("Expand", ["one", "shape"], ["o"], name="expand")],
           [], [f32("o", [1 << 20, 1 << 20])],
           [numpy_helper.from_array(np.ones([1], np.float32), "one"),
            numpy_helper.from_array(np.array([1 << 20, 1 << 20], np.int64), "shape")]),
     "expand_2p40_elements.onnx")
# The same through the golden evaluator (tessera-run: onnx-run/).
os.makedirs(path("onnx-run", ""), exist_ok=True)
open(path("onnx-run", "expand_2p40_elements.onnx"), "wb").write(
    open(path("onnx", "expand_2p40_elements.onnx"), "rb").read())
# LayerNormalization whose input rank only shape inference knows.
save(model([helper.make_node("Relu", ["x"], ["r"], name="relu"),
            helper.make_node("LayerNormalization", ["r", "s"], ["o"], name="ln", axis=-99)],
           [f32("x", [2, 3, 4]), f32("s", [4])], [f32("o", [2, 3, 4])]),
     "layernorm_axis_m99_inferred_rank.onnx")
# Constant gather/scatter indices far outside the data (used to compile).
save(model([helper.make_node("Gather", ["x", "idx"], ["o"], name="gather", axis=0)],
           [f32("x", [4, 8])], [f32("o", [2, 8])],
           [numpy_helper.from_array(np.array([1, 99999], np.int64), "idx")]),
     "gather_index_99999.onnx")
save(model([helper.make_node("ScatterElements", ["x", "idx", "u"], ["o"], name="scatter", axis=1)],
           [f32("x", [4, 8]), f32("u", [4, 1])], [f32("o", [4, 8])],
           [numpy_helper.from_array(np.full((4, 1), 99999, np.int64), "idx")]),
     "scatter_index_99999.onnx")
good = valid.SerializeToString()
open(path("onnx", "truncated.onnx"), "wb").write(good[: len(good) // 2])
open(path("onnx", "empty.onnx"), "wb").write(b"")
open(path("onnx", "random_bytes.onnx"), "wb").write(bytes((i * 151 + 7) % 256 for i in range(512)))

# --- Target descriptions ---------------------------------------------------
dc = json.load(open(os.path.join(os.path.dirname(__file__), "../../lib/Target/presets/dc.json")))


def target(name, edit):
    t = json.loads(json.dumps(dc))
    t["name"] = "bad"
    edit(t)
    json.dump(t, open(path("target", name), "w"), indent=1)


target("l1_bytes_2p63.json", lambda t: t["memory"]["L1"].update(bytes=2**63 - 1))
for sub in ("dram", "dma", "matrix", "vector", "aicpu", "l2_cache", "sync",
            "scalar"):
    target("unknown_key_%s.json" % sub, lambda t, s=sub: t[s].update(typo_field=1))
target("unknown_key_cores.json", lambda t: t["cores"][0].update(typo_field=1))
target("unknown_key_dma_path.json", lambda t: t["dma"]["paths"][0].update(typo_field=1))
target("dram_per_core_zero.json", lambda t: t["dram"].update(per_core_bytes_per_cycle=0))
target("l2_write_back_not_bool.json", lambda t: t["l2_cache"].update(write_back=1))
open(path("target", "syntax_error.json"), "w").write('{"name": "x", ')
open(path("target", "not_an_object.json"), "w").write('[1, 2, 3]')
open(path("target", "empty.json"), "w").write('')

# --- .npy inputs (for y of valid/add.onnx) ---------------------------------
def npy(name, header, data=b"\0" * 24):
    h = header.encode()
    h += b" " * ((64 - (10 + len(h) + 1) % 64) % 64) + b"\n"
    open(path("npy", name), "wb").write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(h)) + h + data)


npy("unclosed_dict.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), ")
npy("fortran_order_yes.npy", "{'descr': '<f4', 'fortran_order': 'yes', 'shape': (2, 3), }")
npy("float_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2.0, 3), }")
npy("extra_key.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), 'extra': 1, }")
npy("missing_shape.npy", "{'descr': '<f4', 'fortran_order': False, }")
npy("huge_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (1099511627776, 1099511627776), }")
npy("truncated_data.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", b"\0" * 7)
npy("wrong_dtype_i64.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (2, 3), }", b"\0" * 48)
npy("wrong_shape.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2, 1), }")
open(path("npy", "bad_magic.npy"), "wb").write(b"NUMPY\x01\x00" + b"\0" * 40)

# --- ONNX TensorProto inputs (.pb) -----------------------------------------
t = numpy_helper.from_array(np.ones((2, 3), np.float32), "y")
t.ClearField("raw_data")
t.float_data.extend([1.0])
open(path("pb", "short_float_data.pb"), "wb").write(t.SerializeToString())
t = numpy_helper.from_array(np.ones((2, 3), np.float32), "y")
t.ClearField("raw_data")
t.data_location = TensorProto.EXTERNAL
t.external_data.add(key="location", value=".")
open(path("pb", "external_directory.pb"), "wb").write(t.SerializeToString())
open(path("pb", "random_bytes.pb"), "wb").write(bytes((i * 97 + 3) % 256 for i in range(300)))

# --- Text IR (.mlir) -------------------------------------------------------
open(path("mlir", "garbage.mlir"), "w").write("isa.program \"p\" target {{{ \n")
open(path("mlir", "unknown_target.mlir"), "w").write(
    'isa.program "p" target "nosuchchip" gm_bytes 0 {\n}\n')
print("corpus written to", out)

# --- .npu programs (need the tools: make_corpus.py OUT BIN_DIR) ------------
if len(sys.argv) > 2:
    import subprocess
    import tempfile

    bin_dir = sys.argv[2]
    src = os.path.join(os.path.dirname(os.path.abspath(__file__)), "../..")

    # The size and checksum fields as the recorded format version computes
    # them (XXH64 since version 4, FNV-1a 64 before).
    sys.path.insert(0, os.path.join(src, "fuzz"))
    from reseal_npu import reseal

    def section(d, kind):
        nsec = struct.unpack_from("<I", d, 72)[0]
        for i in range(nsec):
            k, _, off, size = struct.unpack_from("<IIQQ", d, 80 + 24 * i)
            if k == kind:
                return off, size
        raise KeyError(kind)

    def npu(name, data):
        open(path("npu", name), "wb").write(bytes(data))

    tmp = tempfile.mkdtemp()
    # A small program with one 4 KiB constant, written to an external file.
    addw = model([helper.make_node("Add", ["x", "w"], ["out"], name="add")],
                 [f32("x", [1024])], [f32("out", [1024])],
                 [numpy_helper.from_array(np.arange(1024, dtype=np.float32), "w")])
    open(os.path.join(tmp, "addw.onnx"), "wb").write(addw.SerializeToString())
    subprocess.check_call([os.path.join(bin_dir, "tessera-compile"),
                           os.path.join(tmp, "addw.onnx"),
                           "-o", os.path.join(tmp, "w.npu"), "--weights=w.bin"])
    prog = bytearray(open(os.path.join(tmp, "w.npu"), "rb").read())
    # The external weight file named "../xx" (same length as "w.bin").
    d = bytearray(prog)
    at = d.find(b"w.bin")
    d[at:at + 5] = b"../xx"
    npu("weight_file_parent_dir.npu", reseal(d))
    d = bytearray(prog)
    d[at:at + 5] = b"/etc/"
    npu("weight_file_absolute.npu", reseal(d))
    npu("truncated.npu", prog[:-7])
    d = bytearray(prog)
    d[300] ^= 0x5A
    npu("checksum_mismatch.npu", d)
    d = bytearray(prog)
    d[8:12] = struct.pack("<I", 99)
    npu("format_version_99.npu", reseal(d))
    # A version-5 stream: core_type, core_index, shares, num_args, args,
    # count, instructions.
    def first_instr(d, off):
        return off + 16 + 8 * struct.unpack_from("<I", d, off + 12)[0] + 4

    d = bytearray(prog)
    off, _ = section(d, 2)
    at = first_instr(d, off)
    d[at:at + 2] = struct.pack("<H", 999)
    npu("opcode_999.npu", reseal(d))
    d = bytearray(prog)
    d[72:76] = struct.pack("<I", 0x7FFFFFFF)
    npu("section_count_huge.npu", reseal(d))
    d = bytearray(prog)
    off, _ = section(d, 2)
    at = first_instr(d, off) - 4
    d[at:at + 4] = struct.pack("<I", 0xFFFFFFF0)  # instruction count
    npu("stream_count_huge.npu", reseal(d))
    # Shared code (SPMD): a stream sharing the code of a later stream, and a
    # body reading a launch argument its streams do not have.
    subprocess.check_call([os.path.join(bin_dir, "tessera-as"),
                           os.path.join(src, "test/Sim/spmd.mlir"),
                           "-o", os.path.join(tmp, "spmd.npu")])
    spmd = bytearray(open(os.path.join(tmp, "spmd.npu"), "rb").read())
    nsec = struct.unpack_from("<I", spmd, 72)[0]
    streams = [struct.unpack_from("<IIQQ", spmd, 80 + 24 * i)
               for i in range(nsec)]
    off0 = [s[2] for s in streams if s[0] == 2 and s[1] == 0][0]
    off1 = [s[2] for s in streams if s[0] == 2 and s[1] == 1][0]
    d = bytearray(spmd)
    d[off1 + 8:off1 + 12] = struct.pack("<I", 7)
    npu("spmd_shares_out_of_range.npu", reseal(d))
    d = bytearray(spmd)
    at = first_instr(d, off0)  # sarg r1, 0
    assert struct.unpack_from("<H", d, at)[0] == 77
    d[at + 11:at + 19] = struct.pack("<q", 2)
    npu("spmd_launch_argument_missing.npu", reseal(d))
    npu("empty.npu", b"")
    npu("random_bytes.npu", bytes((i * 89 + 1) % 256 for i in range(400)))
    # A custom chip's program whose embedded description was edited.
    dc_path = os.path.join(src, "lib/Target/presets/dc.json")
    chip = json.load(open(dc_path))
    chip["name"] = "chip-c3"
    chip["cores"][0]["count"] = 4
    json.dump(chip, open(os.path.join(tmp, "c3.json"), "w"))
    subprocess.check_call([os.path.join(bin_dir, "tessera-compile"),
                           os.path.join(out, "valid/add.onnx"),
                           "--target=" + os.path.join(tmp, "c3.json"),
                           "-o", os.path.join(tmp, "c3.npu")])
    d = bytearray(open(os.path.join(tmp, "c3.npu"), "rb").read())
    at = d.find(b'"count":4')
    d[at:at + 9] = b'"count":8'
    npu("embedded_target_tampered.npu", reseal(d))
    # The same program without its TARGET section and no chip-c3.json beside.
    d = bytearray(open(os.path.join(tmp, "c3.npu"), "rb").read())
    nsec = struct.unpack_from("<I", d, 72)[0]
    assert struct.unpack_from("<I", d, 80 + 24 * (nsec - 1))[0] == 6  # TARGET is last
    d[72:76] = struct.pack("<I", nsec - 1)
    npu("custom_target_missing.npu", reseal(d))
    # One matrix multiply of 2^42 multiply-adds on stride-0 tiles: above the
    # simulator's work budget, refused before it runs.
    subprocess.check_call([os.path.join(bin_dir, "tessera-as"),
                           os.path.join(src, "test/Sim/Inputs/work-mmad.mlir"),
                           "-o", path("npu", "work_budget_mmad.npu")])
    print("programs written with", bin_dir)
