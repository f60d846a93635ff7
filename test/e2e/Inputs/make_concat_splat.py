#!/usr/bin/python3
"""Builds small ONNX models that Concat a computed tensor with splat
constants (ConstantOfShape), the way tf2onnx exports of MediaPipe BlazeFace
(model zoo: blazeface-*) spell a zero channel Pad: the NPU lowering fills
the constant pieces instead of copying them.

Usage: make_concat_splat.py OUTDIR
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper as nh

F = T.FLOAT


def arr(name, a):
    return nh.from_array(np.asarray(a), name)


def fill(name, shape, value, dtype=np.float32):
    """A ConstantOfShape node: `shape` filled with `value`."""
    return h.make_node('ConstantOfShape', [name + '_shape'], [name],
                       value=nh.from_array(np.array([value], dtype))), \
        arr(name + '_shape', np.array(shape, np.int64))


def save(path, nodes, inputs, outputs, inits=(), opset=12):
    g = h.make_graph(nodes, 'g',
                     [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
                     [h.make_tensor_value_info(n, t, s) for n, t, s in outputs],
                     initializer=list(inits))
    m = h.make_model(g, opset_imports=[h.make_opsetid('', opset)])
    onnx.checker.check_model(m)
    onnx.save(m, path)


def main(out):
    os.makedirs(out, exist_ok=True)
    # Relu, then zero channels appended (BlazeFace's channel Pad).
    z, zs = fill('z', [1, 4, 8, 8], 0.0)
    save(f'{out}/relu_concat_zeros.onnx',
         [h.make_node('Relu', ['x'], ['r']), z,
          h.make_node('Concat', ['r', 'z'], ['y'], axis=1)],
         [('x', F, [1, 4, 8, 8])], [('y', F, [1, 8, 8, 8])], [zs])
    # Splats before, between and after two computed pieces, on an inner
    # axis, feeding a residual Add as in BlazeFace's blocks.
    a, as_ = fill('a', [1, 2, 3, 8], 0.5)
    b, bs = fill('b', [1, 2, 1, 8], -1.25)
    c, cs = fill('c', [1, 2, 2, 8], 0.0)
    save(f'{out}/concat_splats_add.onnx',
         [h.make_node('Sigmoid', ['x'], ['s']),
          h.make_node('Neg', ['x'], ['n']), a, b, c,
          h.make_node('Concat', ['a', 's', 'b', 'n', 'c'], ['k'], axis=2),
          h.make_node('Add', ['k', 'w'], ['y'])],
         [('x', F, [1, 2, 5, 8]), ('w', F, [1, 2, 16, 8])],
         [('y', F, [1, 2, 16, 8])], [as_, bs, cs])
    # An integer Concat with a splat piece (stored as i32 on the NPU).
    i, is_ = fill('i', [2, 3], 7, np.int64)
    save(f'{out}/concat_splat_int.onnx',
         [h.make_node('Add', ['x', 'x'], ['d']), i,
          h.make_node('Concat', ['i', 'd'], ['y'], axis=0)],
         [('x', T.INT64, [2, 3])], [('y', T.INT64, [4, 3])], [is_])


if __name__ == '__main__':
    main(sys.argv[1])
