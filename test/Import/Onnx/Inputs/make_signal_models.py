#!/usr/bin/python3
"""Writes the ONNX models of the signal and sampling import tests
(signal.test, signal-errors.test).

Usage: make_signal_models.py OUTDIR

Models named err_* are malformed in one way each and must be rejected with
an error naming the node. Needs only the onnx package and numpy.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I32 = TensorProto.INT32
I64 = TensorProto.INT64


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def out(name, rank=4):
    """An output of symbolic extents, left to the importer's type inference
    (ONNX 1.12's shape inference of STFT disagrees with opset 17's
    definition)."""
    return helper.make_tensor_value_info(
        name, F, ["%s_%d" % (name, i) for i in range(rank)])


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(outdir, name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              initializer=list(inits))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)],
        producer_name="make_signal_models")
    model.ir_version = 8
    onnx.save(model, os.path.join(outdir, name + ".onnx"))


def models(outdir):
    # A constant-size window folds to a constant.
    save(outdir, "hann_const",
         [helper.make_node("HannWindow", ["n"], ["y"], periodic=0)],
         [], [out("y", 1)], [init("n", np.int64(5))])
    # DFT along axis 1 of [2, 4, 3, 1]: moved next to the components,
    # multiplied by a constant [4, 8] matrix, moved back.
    save(outdir, "dft_axis1",
         [helper.make_node("DFT", ["x"], ["y"], axis=1)],
         [vi("x", F, [2, 4, 3, 1])], [out("y")])
    # An inverse DFT of a complex signal with dft_length 6 (zero padding).
    save(outdir, "idft_padded",
         [helper.make_node("DFT", ["x", "len"], ["y"], axis=1, inverse=1)],
         [vi("x", F, [1, 4, 2])], [out("y", 3)],
         [init("len", np.int64(6))])
    save(outdir, "stft_window",
         [helper.make_node("STFT", ["s", "step", "w"], ["y"])],
         [vi("s", F, [1, 8, 1]), vi("w", F, [4])], [out("y")],
         [init("step", np.int64(2))])
    np.save(os.path.join(outdir, "stft_window.s.npy"),
            np.arange(8, dtype=np.float32).reshape(1, 8, 1))
    np.save(os.path.join(outdir, "stft_window.w.npy"),
            np.ones(4, dtype=np.float32))
    save(outdir, "grid_sample",
         [helper.make_node("GridSample", ["x", "g"], ["y"], mode="nearest",
                           padding_mode="border", align_corners=1)],
         [vi("x", F, [1, 1, 2, 2]), vi("g", F, [1, 1, 3, 2])],
         [out("y")], opset=16)
    np.save(os.path.join(outdir, "grid_sample.x.npy"),
            np.array([[[[1, 2], [3, 4]]]], dtype=np.float32))
    np.save(os.path.join(outdir, "grid_sample.g.npy"),
            np.array([[[[-1, -1], [1, 1], [5, -5]]]], dtype=np.float32))
    save(outdir, "maxunpool",
         [helper.make_node("MaxUnpool", ["x", "i"], ["y"],
                           kernel_shape=[2], strides=[2])],
         [vi("x", F, [1, 1, 2]), vi("i", I64, [1, 1, 2])],
         [out("y", 3)])

    # --- Errors -------------------------------------------------------------
    save(outdir, "err_dft_axis",
         [helper.make_node("DFT", ["x"], ["y"], axis=2)],
         [vi("x", F, [1, 4, 1])], [out("y", 3)])
    save(outdir, "err_dft_components",
         [helper.make_node("DFT", ["x"], ["y"], axis=1)],
         [vi("x", F, [1, 4, 3])], [out("y", 3)])
    save(outdir, "err_dft_onesided_inverse",
         [helper.make_node("DFT", ["x"], ["y"], axis=1, inverse=1,
                           onesided=1)],
         [vi("x", F, [1, 4, 1])], [out("y", 3)])
    save(outdir, "err_dft_length",
         [helper.make_node("DFT", ["x", "len"], ["y"], axis=1)],
         [vi("x", F, [1, 4, 1])], [out("y", 3)],
         [init("len", np.int64(0))])
    save(outdir, "err_stft_frame_length",
         [helper.make_node("STFT", ["s", "step", "w", "len"], ["y"])],
         [vi("s", F, [1, 8, 1]), vi("w", F, [4])], [out("y")],
         [init("step", np.int64(2)), init("len", np.int64(5))])
    save(outdir, "err_window_size",
         [helper.make_node("HannWindow", ["n"], ["y"])],
         [vi("n", I64, [])], [out("y", 1)])
    save(outdir, "err_grid_rank",
         [helper.make_node("GridSample", ["x", "g"], ["y"])],
         [vi("x", F, [1, 1, 2, 2]), vi("g", F, [1, 3, 2])],
         [out("y")], opset=16)
    save(outdir, "err_grid_mode",
         [helper.make_node("GridSample", ["x", "g"], ["y"], mode="area")],
         [vi("x", F, [1, 1, 2, 2]), vi("g", F, [1, 1, 3, 2])],
         [out("y")], opset=16)
    save(outdir, "err_roialign_rois",
         [helper.make_node("RoiAlign", ["x", "r", "b"], ["y"])],
         [vi("x", F, [1, 1, 4, 4]), vi("r", F, [2, 5]), vi("b", I64, [2])],
         [out("y")], opset=16)
    save(outdir, "err_maxunpool_shape",
         [helper.make_node("MaxUnpool", ["x", "i", "s"], ["y"],
                           kernel_shape=[2], strides=[2])],
         [vi("x", F, [1, 1, 2]), vi("i", I64, [1, 1, 2])],
         [out("y", 3)], [init("s", np.array([1, 1, 3]))])


if __name__ == "__main__":
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    models(outdir)
