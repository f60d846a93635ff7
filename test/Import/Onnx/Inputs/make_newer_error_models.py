#!/usr/bin/env python3
"""Models with IR versions 9-11 and opsets 18-22 that the importer must
refuse with a clear error (newer-opset-errors.test). Built with onnx.helper
without ONNX 1.12's checker, which does not know these versions."""
import os
import sys

import numpy as np
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)


def save(name, nodes, inputs, outputs, inits=(), opset=18, ir=9):
    graph = h.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid('', opset)])
    m.ir_version = ir
    with open(os.path.join(OUT, name + '.onnx'), 'wb') as f:
        f.write(m.SerializeToString())


def vi(name, shape, t=T.FLOAT):
    return h.make_tensor_value_info(name, t, shape)


def ints(name, values):
    return numpy_helper.from_array(np.array(values, np.int64), name)


def floats(name, values):
    return numpy_helper.from_array(np.array(values, np.float32), name)


relu = [h.make_node('Relu', ['x'], ['y'], name='relu')]
save('ir11', relu, [vi('x', [2])], [vi('y', [2])], ir=11)
save('opset22', relu, [vi('x', [2])], [vi('y', [2])], opset=22, ir=10)
# Opset 18 reductions take axes as an input; the attribute is gone.
save('reduce_axes_attr',
     [h.make_node('ReduceMax', ['x'], ['y'], name='rmax', axes=[0])],
     [vi('x', [2, 3])], [vi('y', [1, 3])])
save('split_num_outputs_mismatch',
     [h.make_node('Split', ['x'], ['a', 'b'], name='split', num_outputs=3)],
     [vi('x', [6])], [vi('a', [3]), vi('b', [3])])
save('split_no_sizes',
     [h.make_node('Split', ['x'], ['a', 'b'], name='split')],
     [vi('x', [6])], [vi('a', [3]), vi('b', [3])])
save('pad_axes_twice',
     [h.make_node('Pad', ['x', 'pads', '', 'axes'], ['y'], name='pad')],
     [vi('x', [2, 3])], [vi('y', [4, 3])],
     [ints('pads', [1, 1, 0, 0]), ints('axes', [0, -2])])
save('pad_wrap_opset18',
     [h.make_node('Pad', ['x', 'pads'], ['y'], name='pad', mode='wrap')],
     [vi('x', [2, 3])], [vi('y', [4, 3])], [ints('pads', [1, 0, 1, 0])])
save('groupnorm_bad_scale',
     [h.make_node('GroupNormalization', ['x', 's', 'b'], ['y'], name='gn',
                  num_groups=2)],
     [vi('x', [1, 4, 3])], [vi('y', [1, 4, 3])],
     [floats('s', [1, 1, 1, 1]), floats('b', [0, 0])])
save('groupnorm_groups',
     [h.make_node('GroupNormalization', ['x', 's', 'b'], ['y'], name='gn',
                  num_groups=3)],
     [vi('x', [1, 4, 3])], [vi('y', [1, 4, 3])],
     [floats('s', [1, 1, 1]), floats('b', [0, 0, 0])])
save('dequant_block_scale',
     [h.make_node('DequantizeLinear', ['q', 's'], ['y'], name='dq', axis=1,
                  block_size=4)],
     [vi('q', [2, 8], T.INT8)], [vi('y', [2, 8])],
     [floats('s', [[1, 1, 1], [1, 1, 1]])], opset=21, ir=10)
save('resize_antialias_down',
     [h.make_node('Resize', ['x', '', 'scales'], ['y'], name='resize',
                  mode='linear', antialias=1)],
     [vi('x', [1, 1, 4, 4])], [vi('y', [1, 1, 2, 2])],
     [floats('scales', [1, 1, 0.5, 0.5])])
save('gelu_bad_approx',
     [h.make_node('Gelu', ['x'], ['y'], name='gelu', approximate='fast')],
     [vi('x', [3])], [vi('y', [3])], opset=20)
# Opset 6's axis-aligned broadcasting with a misaligned operand.
save('legacy_broadcast_mismatch',
     [h.make_node('Add', ['a', 'b'], ['y'], name='add', broadcast=1, axis=1)],
     [vi('a', [2, 3, 4]), vi('b', [4])], [vi('y', [2, 3, 4])], opset=6, ir=3)
