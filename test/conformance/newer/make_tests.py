#!/usr/bin/env python3
"""Writes node tests for ONNX opsets 18-21 and IR versions 9-10 in the layout of
ONNX's backend node tests (test_NAME/model.onnx, test_data_set_0/input_K.pb,
output_K.pb), so tessera-conformance runs them with --data-dir.

ONNX 1.12 (Debian's python3-onnx) knows opsets up to 17 only, so the models
are built with onnx.helper without its checker, and the expected outputs
come from ONNX Runtime (npm `onnxruntime-node`, an independent runtime that
implements these opsets), run by run_ort.mjs.

Usage: make_tests.py OUT_DIR ORT_NODE_MODULES
  ORT_NODE_MODULES: a node_modules directory holding onnxruntime-node
  (e.g. ~/.cache/tessera/zoo/node_modules after scripts/fetch-zoo-models.sh).
The generated tests are checked in; rerun this only to change them.
"""
import json
import os
import shutil
import subprocess
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
RNG = np.random.default_rng(20261202)

F = TensorProto.FLOAT
I64 = TensorProto.INT64
I32 = TensorProto.INT32
U8 = TensorProto.UINT8
I8 = TensorProto.INT8


def rand(*shape, lo=-2.0, hi=2.0):
    return RNG.uniform(lo, hi, size=shape).astype(np.float32)


def const(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


TESTS = []


def test(name, opset, nodes, inputs, outputs, inits=(), ir=None):
    """inputs: list of (name, array); outputs: list of (name, elem_type, shape)."""
    ir = ir if ir is not None else (9 if opset < 21 else 10)
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info(n, helper.np_dtype_to_tensor_dtype(a.dtype)
                                       if hasattr(helper, "np_dtype_to_tensor_dtype")
                                       else onnx.mapping.NP_TYPE_TO_TENSOR_TYPE[a.dtype],
                                       a.shape) for n, a in inputs],
        [helper.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        initializer=list(inits))
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)],
                              producer_name="tessera-newer-opsets")
    model.ir_version = ir
    TESTS.append((name, model, inputs))


# --- opset 18: reductions take their axes as an input -----------------------
for op in ["ReduceMax", "ReduceMin", "ReduceMean", "ReduceProd", "ReduceL1",
           "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceSumSquare"]:
    x = rand(3, 4, 5, lo=0.5, hi=1.5)
    for keep in (0, 1):
        test(f"test_{op.lower()}_axes_input_keepdims{keep}_opset18", 18,
             [helper.make_node(op, ["x", "axes"], ["y"], keepdims=keep)],
             [("x", x)], [("y", F, None)], [const("axes", np.array([0, -1], np.int64))])
    test(f"test_{op.lower()}_no_axes_opset18", 18,
         [helper.make_node(op, ["x"], ["y"], keepdims=1)],
         [("x", x)], [("y", F, None)])
test("test_reducemax_empty_axes_noop_opset18", 18,
     [helper.make_node("ReduceMax", ["x", "axes"], ["y"], noop_with_empty_axes=1)],
     [("x", rand(2, 3))], [("y", F, None)], [const("axes", np.zeros(0, np.int64))])
test("test_reducemean_axes_input_ir10_opset21", 21,
     [helper.make_node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)],
     [("x", rand(2, 3, 4))], [("y", F, None)], [const("axes", np.array([1], np.int64))])

# --- opset 18: Split by num_outputs -------------------------------------------
test("test_split_num_outputs_even_opset18", 18,
     [helper.make_node("Split", ["x"], ["a", "b", "c"], axis=1, num_outputs=3)],
     [("x", rand(2, 6))], [("a", F, None), ("b", F, None), ("c", F, None)])
test("test_split_num_outputs_uneven_opset18", 18,
     [helper.make_node("Split", ["x"], ["a", "b", "c"], axis=0, num_outputs=3)],
     [("x", rand(7, 2))], [("a", F, None), ("b", F, None), ("c", F, None)])

# --- opset 18/19: Pad with axes; wrap mode ------------------------------------
for mode in ("constant", "reflect", "edge"):
    test(f"test_pad_axes_{mode}_opset18", 18,
         [helper.make_node("Pad", ["x", "pads", "", "axes"], ["y"], mode=mode)],
         [("x", rand(2, 3, 4))], [("y", F, None)],
         [const("pads", np.array([1, 2, 2, 1], np.int64)),
          const("axes", np.array([1, -1], np.int64))])
test("test_pad_wrap_opset19", 19,
     [helper.make_node("Pad", ["x", "pads"], ["y"], mode="wrap")],
     [("x", rand(3, 4))], [("y", F, None)],
     [const("pads", np.array([1, 2, 2, 1], np.int64))])

# --- opset 18: ScatterElements / ScatterND reduction max and min ----------------
for red in ("max", "min"):
    test(f"test_scatter_elements_{red}_opset18", 18,
         [helper.make_node("ScatterElements", ["x", "i", "u"], ["y"], axis=1, reduction=red)],
         [("x", rand(3, 4)), ("u", rand(3, 2))], [("y", F, None)],
         [const("i", np.array([[0, 0], [3, 1], [2, 2]], np.int64))])
    test(f"test_scatternd_{red}_opset18", 18,
         [helper.make_node("ScatterND", ["x", "i", "u"], ["y"], reduction=red)],
         [("x", rand(4, 3)), ("u", rand(3, 3))], [("y", F, None)],
         [const("i", np.array([[1], [3], [1]], np.int64))])

# --- opset 18: bitwise ops ----------------------------------------------------
a = RNG.integers(-1000, 1000, size=(3, 4), dtype=np.int32)
b = RNG.integers(-1000, 1000, size=(3, 4), dtype=np.int32)
for op in ("BitwiseAnd", "BitwiseOr", "BitwiseXor"):
    test(f"test_{op.lower()}_int32_opset18", 18,
         [helper.make_node(op, ["a", "b"], ["y"])],
         [("a", a), ("b", b)], [("y", I32, None)])
test("test_bitwisenot_int32_opset18", 18,
     [helper.make_node("BitwiseNot", ["a"], ["y"])], [("a", a)], [("y", I32, None)])
ua = RNG.integers(0, 256, size=(5,), dtype=np.uint8)
ub = RNG.integers(0, 256, size=(5,), dtype=np.uint8)
test("test_bitwiseand_uint8_opset18", 18,
     [helper.make_node("BitwiseAnd", ["a", "b"], ["y"])],
     [("a", ua), ("b", ub)], [("y", U8, None)])
test("test_bitwisenot_uint8_opset18", 18,
     [helper.make_node("BitwiseNot", ["a"], ["y"])], [("a", ua)], [("y", U8, None)])

# --- opset 18/21: GroupNormalization, Mish; opset 20: Gelu, IsInf/IsNaN ---------
x = rand(2, 6, 3, 3)
test("test_group_normalization_opset18", 18,
     [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=3, epsilon=1e-5)],
     [("x", x)], [("y", F, None)],
     [const("s", rand(3)), const("b", rand(3))])
test("test_group_normalization_opset21", 21,
     [helper.make_node("GroupNormalization", ["x", "s", "b"], ["y"], num_groups=2, epsilon=1e-5)],
     [("x", x)], [("y", F, None)],
     [const("s", rand(6)), const("b", rand(6))])
test("test_mish_opset18", 18, [helper.make_node("Mish", ["x"], ["y"])],
     [("x", rand(3, 5, lo=-5, hi=5))], [("y", F, None)])
for approx in ("none", "tanh"):
    test(f"test_gelu_{approx}_opset20", 20,
         [helper.make_node("Gelu", ["x"], ["y"], approximate=approx)],
         [("x", rand(3, 5, lo=-4, hi=4))], [("y", F, None)])
special = np.array([1.0, np.inf, -np.inf, np.nan, 0.0, -2.5], np.float32)
test("test_isinf_opset20", 20, [helper.make_node("IsInf", ["x"], ["y"])],
     [("x", special)], [("y", TensorProto.BOOL, None)])
test("test_isnan_opset20", 20, [helper.make_node("IsNaN", ["x"], ["y"])],
     [("x", special)], [("y", TensorProto.BOOL, None)])

# --- opset 18: LpPool ceil_mode; opset 19: AveragePool dilations ----------------
test("test_lppool_ceil_opset18", 18,
     [helper.make_node("LpPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2],
                       ceil_mode=1, p=2)],
     [("x", rand(1, 2, 5, 5))], [("y", F, None)])
test("test_averagepool_dilations_opset19", 19,
     [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2, 2], dilations=[2, 2])],
     [("x", rand(1, 2, 6, 6))], [("y", F, None)])

# --- opset 18-19: Resize with axes, keep_aspect_ratio_policy, half_pixel_symmetric
test("test_resize_axes_sizes_opset18", 18,
     [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="linear",
                       axes=[2, 3])],
     [("x", rand(1, 2, 4, 4))], [("y", F, None)],
     [const("sizes", np.array([6, 8], np.int64))])
test("test_resize_keep_aspect_not_larger_opset18", 18,
     [helper.make_node("Resize", ["x", "", "", "sizes"], ["y"], mode="nearest",
                       axes=[2, 3], keep_aspect_ratio_policy="not_larger")],
     [("x", rand(1, 1, 4, 6))], [("y", F, None)],
     [const("sizes", np.array([8, 8], np.int64))])
test("test_resize_half_pixel_symmetric_opset19", 19,
     [helper.make_node("Resize", ["x", "", "scales"], ["y"], mode="linear",
                       coordinate_transformation_mode="half_pixel_symmetric")],
     [("x", rand(1, 1, 4, 4))], [("y", F, None)],
     [const("scales", np.array([1, 1, 1.5, 2.5], np.float32))])

# --- opset 19: Cast with saturate (ignored for non-float8 types) ---------------
test("test_cast_saturate_opset19", 19,
     [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.INT32, saturate=1)],
     [("x", rand(3, 4, lo=-100, hi=100))], [("y", I32, None)])

# --- opset 21: block-wise DequantizeLinear, QuantizeLinear with output_dtype ----
q = RNG.integers(-128, 128, size=(4, 8), dtype=np.int8)
test("test_dequantizelinear_blocked_opset21", 21,
     [helper.make_node("DequantizeLinear", ["q", "s", "z"], ["y"], axis=1, block_size=4)],
     [("q", q)], [("y", F, None)],
     [const("s", RNG.uniform(0.01, 0.1, size=(4, 2)).astype(np.float32)),
      const("z", RNG.integers(-3, 3, size=(4, 2), dtype=np.int8))])
test("test_quantizelinear_output_dtype_opset21", 21,
     [helper.make_node("QuantizeLinear", ["x", "s"], ["y"], output_dtype=TensorProto.INT8)],
     [("x", rand(3, 4, lo=-10, hi=10))], [("y", I8, None)],
     [const("s", np.array(0.05, np.float32))])

# --- IR 10 / opset 21: everyday ops in a newer model ----------------------------
test("test_mlp_ir10_opset21", 21,
     [helper.make_node("MatMul", ["x", "w"], ["h"]),
      helper.make_node("Add", ["h", "b"], ["hb"]),
      helper.make_node("Relu", ["hb"], ["r"]),
      helper.make_node("Reshape", ["r", "shape"], ["rr"]),
      helper.make_node("Transpose", ["rr"], ["t"], perm=[1, 0]),
      helper.make_node("Softmax", ["t"], ["y"], axis=-1)],
     [("x", rand(4, 8))], [("y", F, None)],
     [const("w", rand(8, 6)), const("b", rand(6)),
      const("shape", np.array([8, 3], np.int64))])


def write(out_dir, ort_modules):
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    jobs = []
    for name, model, inputs in TESTS:
        d = os.path.join(out_dir, name)
        data = os.path.join(d, "test_data_set_0")
        os.makedirs(data)
        onnx.save(model, os.path.join(d, "model.onnx"))
        for k, (iname, arr) in enumerate(inputs):
            t = numpy_helper.from_array(arr, iname)
            with open(os.path.join(data, f"input_{k}.pb"), "wb") as f:
                f.write(t.SerializeToString())
            np.save(os.path.join(data, f"input_{k}.npy"), arr)
        jobs.append({"dir": d, "inputs": [n for n, _ in inputs],
                     "outputs": [o.name for o in model.graph.output]})
    spec = os.path.join(out_dir, "ort-jobs.json")
    with open(spec, "w") as f:
        json.dump(jobs, f)
    env = dict(os.environ, NODE_PATH=ort_modules)
    subprocess.run(["node", os.path.join(HERE, "run_ort.mjs"), spec], check=True, env=env)
    os.remove(spec)
    for job in jobs:
        data = os.path.join(job["dir"], "test_data_set_0")
        # The outputs' shapes as ONNX Runtime computed them go into the
        # model, as in ONNX's own node tests (its checker wants them).
        model_path = os.path.join(job["dir"], "model.onnx")
        model = onnx.load(model_path)
        for k, oname in enumerate(job["outputs"]):
            arr = np.load(os.path.join(data, f"output_{k}.npy"))
            shape = model.graph.output[k].type.tensor_type.shape
            for d in arr.shape:
                shape.dim.add().dim_value = d
        onnx.save(model, model_path)
        for k, oname in enumerate(job["outputs"]):
            arr = np.load(os.path.join(data, f"output_{k}.npy"))
            with open(os.path.join(data, f"output_{k}.pb"), "wb") as f:
                f.write(numpy_helper.from_array(arr, oname).SerializeToString())
            os.remove(os.path.join(data, f"output_{k}.npy"))
        for k in range(len(job["inputs"])):
            os.remove(os.path.join(data, f"input_{k}.npy"))
    print(f"wrote {len(jobs)} tests to {out_dir}")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    write(sys.argv[1], sys.argv[2])
