#!/usr/bin/python3
"""Writes the tiny ONNX models the NN import tests (nn*.test) read.

Usage: make_nn_models.py OUTDIR

Each model holds one node (or a few) of the NN ops with the attributes a test
checks; weights are initializers so the importer sees constants. Models named
err_* are malformed in one way each and must be rejected with a clear error.
Needs only the onnx package (Debian python3-onnx) and numpy.
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
I64 = TensorProto.INT64


def vi(name, elem, shape):
    return helper.make_tensor_value_info(name, elem, shape)


def dyn(name, elem, rank):
    """An output of unknown extents (the error models fail before it is
    typed); the checker wants a shape, so each dimension gets a symbol."""
    return helper.make_tensor_value_info(
        name, elem, ["%s_%d" % (name, i) for i in range(rank)])


def init(name, array):
    return numpy_helper.from_array(np.asarray(array), name)


def save(outdir, name, nodes, inputs, outputs, inits=(), opset=17):
    graph = helper.make_graph(nodes, name, inputs, outputs,
                              initializer=list(inits))
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", opset)],
        producer_name="make_nn_models")
    # IR 8 is what onnx 1.12 writes for these opsets; pin it so the files
    # do not change with the generator's onnx version.
    model.ir_version = 8
    onnx.save(model, os.path.join(outdir, name + ".onnx"))


def ones(*shape):
    return np.ones(shape, dtype=np.float32)


def models(out):
    # --- Convolution -------------------------------------------------------
    # SAME_UPPER on 6 with stride 2 and kernel 3: output 3, total padding 1,
    # the odd element at the end; SAME_LOWER puts it at the start.
    for mode in ("SAME_UPPER", "SAME_LOWER"):
        save(out, "conv_" + mode.lower(),
             [helper.make_node("Conv", ["x", "w"], ["y"], auto_pad=mode,
                               strides=[2, 2])],
             [vi("x", F, [1, 1, 6, 6])], [vi("y", F, [1, 1, 3, 3])],
             [init("w", ones(1, 1, 3, 3))])
    save(out, "conv_group_bias",
         [helper.make_node("Conv", ["x", "w", "b"], ["y"], group=2,
                           dilations=[2, 1], pads=[1, 0, 1, 0],
                           kernel_shape=[3, 3])],
         [vi("x", F, [1, 4, 7, 5])], [vi("y", F, [1, 6, 5, 3])],
         [init("w", ones(6, 2, 3, 3)), init("b", np.zeros(6, np.float32))])
    save(out, "conv_valid_1d",
         [helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="VALID")],
         [vi("x", F, [1, 2, 8])], [vi("y", F, [1, 3, 6])],
         [init("w", ones(3, 2, 3))])
    save(out, "convinteger",
         [helper.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"],
                           pads=[1, 1, 1, 1])],
         [vi("x", TensorProto.UINT8, [1, 1, 3, 3]),
          vi("w", TensorProto.UINT8, [2, 1, 2, 2]),
          vi("wz", TensorProto.UINT8, [2])],
         [vi("y", TensorProto.INT32, [1, 2, 4, 4])],
         [init("xz", np.array(1, np.uint8))])
    # output_shape larger than the natural output: extended at the end.
    save(out, "convtranspose_output_shape",
         [helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[3, 2],
                           output_shape=[10, 8])],
         [vi("x", F, [1, 1, 3, 3])], [vi("y", F, [1, 2, 10, 8])],
         [init("w", ones(1, 2, 3, 3))])
    save(out, "convtranspose_same_upper",
         [helper.make_node("ConvTranspose", ["x", "w", "b"], ["y"],
                           auto_pad="SAME_UPPER", strides=[2, 2])],
         [vi("x", F, [1, 1, 3, 3])], [vi("y", F, [1, 2, 6, 6])],
         [init("w", ones(1, 2, 3, 3)), init("b", np.zeros(2, np.float32))])
    save(out, "convtranspose_pads",
         [helper.make_node("ConvTranspose", ["x", "w"], ["y"], strides=[3, 2],
                           pads=[1, 2, 1, 2], group=1)],
         [vi("x", F, [1, 1, 3, 3])], [vi("y", F, [1, 2, 7, 3])],
         [init("w", ones(1, 2, 3, 3))])

    # --- Pooling -----------------------------------------------------------
    save(out, "maxpool_defaults",
         [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3, 3],
                           ceil_mode=1, strides=[2, 2])],
         [vi("x", F, [1, 3, 4, 4])], [vi("y", F, [1, 3, 2, 2])])
    save(out, "maxpool_same_lower_dilated",
         [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2],
                           dilations=[2], auto_pad="SAME_LOWER")],
         [vi("x", F, [1, 1, 5])], [vi("y", F, [1, 1, 5])])
    save(out, "maxpool_indices",
         [helper.make_node("MaxPool", ["x"], ["y", "idx"],
                           kernel_shape=[2, 2], strides=[2, 2],
                           storage_order=1)],
         [vi("x", F, [1, 1, 4, 4])],
         [vi("y", F, [1, 1, 2, 2]), vi("idx", I64, [1, 1, 2, 2])])
    save(out, "averagepool_include_pad",
         [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3],
                           pads=[1, 1, 1, 1], count_include_pad=1)],
         [vi("x", F, [1, 1, 3, 3])], [vi("y", F, [1, 1, 3, 3])])
    save(out, "lppool",
         [helper.make_node("LpPool", ["x"], ["y"], kernel_shape=[2, 2], p=3,
                           strides=[2, 2])],
         [vi("x", F, [1, 2, 4, 4])], [vi("y", F, [1, 2, 2, 2])])
    for op in ("GlobalAveragePool", "GlobalMaxPool", "GlobalLpPool"):
        save(out, op.lower(), [helper.make_node(op, ["x"], ["y"])],
             [vi("x", F, [2, 3, 4, 5])], [vi("y", F, [2, 3, 1, 1])])

    # --- Normalization -----------------------------------------------------
    c = np.arange(3, dtype=np.float32)
    save(out, "batchnorm_opset9",
         [helper.make_node("BatchNormalization",
                           ["x", "s", "b", "mean", "var"], ["y"],
                           epsilon=1e-3)],
         [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])],
         [init("s", c), init("b", c), init("mean", c), init("var", c + 1)],
         opset=9)
    save(out, "instancenorm",
         [helper.make_node("InstanceNormalization", ["x", "s", "b"], ["y"],
                           epsilon=1e-2)],
         [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])],
         [init("s", c), init("b", c)])
    save(out, "lrn",
         [helper.make_node("LRN", ["x"], ["y"], size=3, alpha=2e-4)],
         [vi("x", F, [1, 5, 2, 2])], [vi("y", F, [1, 5, 2, 2])])
    save(out, "mvn", [helper.make_node("MeanVarianceNormalization", ["x"],
                                       ["y"])],
         [vi("x", F, [2, 3, 4, 5])], [vi("y", F, [2, 3, 4, 5])])
    save(out, "lpnormalization",
         [helper.make_node("LpNormalization", ["x"], ["y"], axis=-2, p=1)],
         [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])])

    # --- Selection and scans -----------------------------------------------
    save(out, "argmax_argmin",
         [helper.make_node("ArgMax", ["x"], ["a"], axis=-1, keepdims=0,
                           select_last_index=1),
          helper.make_node("ArgMin", ["x"], ["b"])],
         [vi("x", F, [2, 3, 4])], [vi("a", I64, [2, 3]),
                                   vi("b", I64, [1, 3, 4])])
    save(out, "topk_opset9",
         [helper.make_node("TopK", ["x"], ["v", "i"], k=2, axis=1)],
         [vi("x", F, [2, 5])], [vi("v", F, [2, 2]), vi("i", I64, [2, 2])],
         opset=9)
    save(out, "topk_smallest",
         [helper.make_node("TopK", ["x", "k"], ["v", "i"], largest=0,
                           sorted=0)],
         [vi("x", F, [2, 5])], [vi("v", F, [2, 3]), vi("i", I64, [2, 3])],
         [init("k", np.array([3], np.int64))])
    save(out, "cumsum",
         [helper.make_node("CumSum", ["x", "axis"], ["y"], exclusive=1,
                           reverse=1)],
         [vi("x", F, [2, 3])], [vi("y", F, [2, 3])],
         [init("axis", np.array(-1, np.int32))])
    save(out, "hardmax_opset11",
         [helper.make_node("Hardmax", ["x"], ["y"], axis=1)],
         [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])], opset=11)
    save(out, "hardmax_opset13",
         [helper.make_node("Hardmax", ["x"], ["y"], axis=1)],
         [vi("x", F, [2, 3, 4])], [vi("y", F, [2, 3, 4])], opset=13)

    # --- Losses ------------------------------------------------------------
    save(out, "nllloss",
         [helper.make_node("NegativeLogLikelihoodLoss", ["x", "t", "w"],
                           ["y"], reduction="sum", ignore_index=-1)],
         [vi("x", F, [2, 5, 3]), vi("t", I64, [2, 3])], [vi("y", F, [])],
         [init("w", np.ones(5, np.float32))])
    save(out, "sce_log_prob",
         [helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"],
                           ["y", "log_prob"], reduction="none")],
         [vi("x", F, [2, 5]), vi("t", I64, [2])],
         [vi("y", F, [2]), vi("log_prob", F, [2, 5])])
    save(out, "sce_mean",
         [helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"])],
         [vi("x", F, [2, 5, 2]), vi("t", I64, [2, 2])], [vi("y", F, [])])

    save(out, "einsum",
         [helper.make_node("Einsum", ["a", "b"], ["y"],
                           equation="bij, bjk -> bik")],
         [vi("a", F, [2, 3, 4]), vi("b", F, [2, 4, 5])],
         [vi("y", F, [2, 3, 5])])

    # --- Errors ------------------------------------------------------------
    save(out, "err_conv_auto_pad",
         [helper.make_node("Conv", ["x", "w"], ["y"], auto_pad="SAME")],
         [vi("x", F, [1, 1, 5, 5])], [dyn("y", F, 4)],
         [init("w", ones(1, 1, 3, 3))])
    save(out, "err_convtranspose_auto_pad",
         [helper.make_node("ConvTranspose", ["x", "w"], ["y"],
                           auto_pad="FULL")],
         [vi("x", F, [1, 1, 3, 3])], [dyn("y", F, 4)],
         [init("w", ones(1, 2, 3, 3))])
    save(out, "err_maxpool_pads",
         [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2],
                           pads=[1, 1])],
         [vi("x", F, [1, 1, 4, 4])], [dyn("y", F, 4)])
    save(out, "err_cumsum_axis_values",
         [helper.make_node("CumSum", ["x", "axis"], ["y"])],
         [vi("x", F, [2, 3])], [dyn("y", F, 2)],
         [init("axis", np.array([0, 1], np.int64))])
    save(out, "err_conv_kernel_shape",
         [helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[2, 2])],
         [vi("x", F, [1, 1, 5, 5])], [dyn("y", F, 4)],
         [init("w", ones(1, 1, 3, 3))])
    save(out, "err_conv_strides",
         [helper.make_node("Conv", ["x", "w"], ["y"], strides=[1, 1, 1])],
         [vi("x", F, [1, 1, 5, 5])], [dyn("y", F, 4)],
         [init("w", ones(1, 1, 3, 3))])
    save(out, "err_conv_channels",
         [helper.make_node("Conv", ["x", "w"], ["y"])],
         [vi("x", F, [1, 2, 5, 5])], [dyn("y", F, 4)],
         [init("w", ones(1, 3, 3, 3))])
    save(out, "err_convtranspose_output_shape",
         [helper.make_node("ConvTranspose", ["x", "w"], ["y"],
                           output_shape=[10, 8, 1])],
         [vi("x", F, [1, 1, 3, 3])], [dyn("y", F, 4)],
         [init("w", ones(1, 2, 3, 3))])
    save(out, "err_maxpool_storage_order",
         [helper.make_node("MaxPool", ["x"], ["y", "idx"],
                           kernel_shape=[2, 2], storage_order=2)],
         [vi("x", F, [1, 1, 4, 4])],
         [dyn("y", F, 4), dyn("idx", I64, 4)])
    save(out, "err_maxpool_rank",
         [helper.make_node("MaxPool", ["x"], ["y"], kernel_shape=[2])],
         [vi("x", F, [4, 4])], [dyn("y", F, 2)])
    save(out, "err_averagepool_window",
         [helper.make_node("AveragePool", ["x"], ["y"], kernel_shape=[5, 2])],
         [vi("x", F, [1, 1, 4, 4])], [dyn("y", F, 4)])
    save(out, "batchnorm_training",
         [helper.make_node("BatchNormalization",
                           ["x", "s", "b", "mean", "var"], ["y"],
                           training_mode=1)],
         [vi("x", F, [2, 3, 4])], [dyn("y", F, 3)],
         [init("s", c), init("b", c), init("mean", c), init("var", c)],
         opset=15)
    save(out, "err_batchnorm_outputs",
         [helper.make_node("BatchNormalization",
                           ["x", "s", "b", "mean", "var"],
                           ["y", "mean_out", "var_out", "saved_mean",
                            "saved_var"])],
         [vi("x", F, [2, 3, 4])],
         [dyn("y", F, 3)] + [dyn(name, F, 1) for name in
                             ("mean_out", "var_out", "saved_mean",
                              "saved_var")],
         [init("s", c), init("b", c), init("mean", c), init("var", c)],
         opset=9)
    save(out, "err_batchnorm_spatial",
         [helper.make_node("BatchNormalization",
                           ["x", "s", "b", "mean", "var"], ["y"], spatial=0)],
         [vi("x", F, [2, 3, 4])], [dyn("y", F, 3)],
         [init("s", c), init("b", c), init("mean", c), init("var", c)],
         opset=7)
    save(out, "err_topk_dynamic_k",
         [helper.make_node("TopK", ["x", "k"], ["v", "i"])],
         [vi("x", F, [2, 5]), vi("k", I64, [1])],
         [dyn("v", F, 2), dyn("i", I64, 2)])
    save(out, "err_topk_k_values",
         [helper.make_node("TopK", ["x", "k"], ["v", "i"])],
         [vi("x", F, [2, 5])], [dyn("v", F, 2), dyn("i", I64, 2)],
         [init("k", np.array([1, 2], np.int64))])
    save(out, "err_topk_k_range",
         [helper.make_node("TopK", ["x", "k"], ["v", "i"])],
         [vi("x", F, [2, 5])], [dyn("v", F, 2), dyn("i", I64, 2)],
         [init("k", np.array([6], np.int64))])
    save(out, "err_cumsum_dynamic_axis",
         [helper.make_node("CumSum", ["x", "axis"], ["y"])],
         [vi("x", F, [2, 3]), vi("axis", I64, [])], [dyn("y", F, 2)])
    save(out, "err_argmax_axis",
         [helper.make_node("ArgMax", ["x"], ["y"], axis=3)],
         [vi("x", F, [2, 3])], [dyn("y", I64, 2)])
    save(out, "err_nllloss_reduction",
         [helper.make_node("NegativeLogLikelihoodLoss", ["x", "t"], ["y"],
                           reduction="avg")],
         [vi("x", F, [2, 5]), vi("t", I64, [2])], [dyn("y", F, 0)])
    save(out, "err_sce_labels",
         [helper.make_node("SoftmaxCrossEntropyLoss", ["x", "t"], ["y"])],
         [vi("x", F, [2, 5, 3]), vi("t", I64, [2, 5])], [dyn("y", F, 0)])
    save(out, "err_einsum_equation",
         [helper.make_node("Einsum", ["a"], ["y"], equation="ij,jk->ik")],
         [vi("a", F, [2, 3])], [dyn("y", F, 2)])


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_nn_models.py OUTDIR")
    os.makedirs(sys.argv[1], exist_ok=True)
    models(sys.argv[1])


if __name__ == "__main__":
    main()
