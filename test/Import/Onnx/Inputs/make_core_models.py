#!/usr/bin/python3
"""Builds the tiny ONNX models for the importer's core and elementwise,
linear-algebra, normalization and reduction tests, including broken models
for every import error.

Usage: make_core_models.py OUTDIR [NAME ...]   (no NAME: every model)
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

MODELS = {}
F, I64 = T.FLOAT, T.INT64


def model(name):
    def register(fn):
        MODELS[name] = fn
        return fn
    return register


def make(nodes, inputs, outputs, inits=(), opset=17, check=True):
    """inputs/outputs: [(name, elem_type, shape)]."""
    graph = h.make_graph(
        nodes, 'g', [h.make_tensor_value_info(n, t, s) for n, t, s in inputs],
        [h.make_tensor_value_info(n, t, s) for n, t, s in outputs],
        initializer=list(inits))
    m = h.make_model(graph, opset_imports=[h.make_opsetid('', opset)],
                     producer_name='make_core_models')
    if check:
        onnx.checker.check_model(m)
    return m


def node(op, ins, outs, name=None, **attrs):
    return h.make_node(op, ins, outs, name=name or op.lower(), **attrs)


def arr(name, values, dtype=np.float32):
    return numpy_helper.from_array(np.array(values, dtype=dtype), name)


@model('elementwise')
def elementwise():
    return make([node('Add', ['x', 'b'], ['s']),
                 node('Relu', ['s'], ['r']),
                 node('LeakyRelu', ['r'], ['l'], alpha=0.2),
                 node('Less', ['l', 'b'], ['c']),
                 node('Where', ['c', 'l', 'b'], ['w']),
                 node('Cast', ['w'], ['y'], to=T.FLOAT16),
                 node('Max', ['x', 'b', 'x'], ['m'], name='max3')],
                [('x', F, [2, 3]), ('b', F, [3])],
                [('y', T.FLOAT16, [2, 3]), ('m', F, [2, 3])])


@model('clip_opset6')
def clip_opset6():
    return make([node('Clip', ['x'], ['y'], min=-1.0, max=1.0)],
                [('x', F, [4])], [('y', F, [4])], opset=6)


@model('clip_opset13')
def clip_opset13():
    return make([node('Clip', ['x', 'lo', ''], ['y'])],
                [('x', F, [4])], [('y', F, [4])],
                inits=[arr('lo', 0.5)], opset=13)


@model('linalg')
def linalg():
    return make([node('MatMul', ['x', 'w'], ['h']),
                 node('Gemm', ['h', 'w2', 'c'], ['y'], alpha=0.5, transB=1)],
                [('x', F, [2, 4])], [('y', F, [2, 5])],
                inits=[arr('w', np.ones((4, 3))), arr('w2', np.ones((5, 3))),
                       arr('c', np.zeros(5))])


@model('softmax_opset11')
def softmax_opset11():
    # Before opset 13 Softmax flattens the input to 2-D at `axis`.
    return make([node('Softmax', ['x'], ['y'], axis=1)],
                [('x', F, [2, 3, 4])], [('y', F, [2, 3, 4])], opset=11)


@model('layernorm')
def layernorm():
    return make([node('LayerNormalization', ['x', 's', 'b'], ['y', 'mean', 'inv'],
                      axis=-1, epsilon=1e-3)],
                [('x', F, [2, 4])],
                [('y', F, [2, 4]), ('mean', F, [2, 1]), ('inv', F, [2, 1])],
                inits=[arr('s', np.ones(4)), arr('b', np.zeros(4))])


@model('reduce')
def reduce():
    return make([node('ReduceSum', ['x', 'axes'], ['s'], keepdims=0),
                 node('ReduceMax', ['x'], ['m'], axes=[0])],
                [('x', F, [2, 3])], [('s', F, [2]), ('m', F, [1, 3])],
                inits=[arr('axes', [1], np.int64)])


@model('shape_subgraph')
def shape_subgraph():
    # torch-style dynamic reshape: Shape -> Gather -> Unsqueeze -> Concat.
    return make([node('Shape', ['x'], ['shp']),
                 node('Gather', ['shp', 'zero'], ['batch'], axis=0),
                 node('Unsqueeze', ['batch', 'ax0'], ['b1']),
                 node('Concat', ['b1', 'minus1'], ['target'], axis=0),
                 node('Reshape', ['x', 'target'], ['y'])],
                [('x', F, [2, 3, 4])], [('y', F, [2, 12])],
                inits=[arr('zero', 0, np.int64), arr('ax0', [0], np.int64),
                       arr('minus1', [-1], np.int64)])


@model('dynamic_input')
def dynamic_input():
    return make([node('Relu', ['x'], ['y'])],
                [('x', F, ['batch', 8])], [('y', F, ['batch', 8])])


@model('large_weight')
def large_weight():
    # A weight above the dense-attribute limit becomes a resource blob.
    return make([node('MatMul', ['x', 'w'], ['y'])],
                [('x', F, [1, 16])], [('y', F, [1, 16])],
                inits=[arr('w', np.eye(16))])


@model('external_data')
def external_data():
    m = large_weight()
    return m


UNARY = ['Abs', 'Neg', 'Exp', 'Log', 'Sqrt', 'Reciprocal', 'Sin', 'Cos', 'Tan',
         'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Tanh', 'Asinh', 'Acosh',
         'Atanh', 'Erf', 'Sigmoid', 'Softplus', 'Softsign', 'Floor', 'Ceil',
         'Round', 'Relu', 'Sign', 'HardSwish', 'Elu', 'Celu',
         'LeakyRelu', 'ThresholdedRelu', 'Selu', 'HardSigmoid', 'Shrink']


@model('unary_all')
def unary_all():
    # Every unary float op, each applied to the graph input.
    nodes = [node(op, ['x'], ['y_' + op.lower()]) for op in UNARY]
    nodes += [node('IsNaN', ['x'], ['nan']), node('IsInf', ['x'], ['inf'],
                                                   detect_negative=0)]
    outs = [('y_' + op.lower(), F, [3]) for op in UNARY]
    outs += [('nan', T.BOOL, [3]), ('inf', T.BOOL, [3])]
    return make(nodes, [('x', F, [3])], outs)


BINARY = ['Add', 'Sub', 'Mul', 'Div', 'Pow', 'PRelu', 'Max', 'Min', 'Sum', 'Mean']
COMPARE = ['Equal', 'Less', 'LessOrEqual', 'Greater', 'GreaterOrEqual']
LOGIC = ['And', 'Or', 'Xor']


@model('binary_all')
def binary_all():
    nodes = [node(op, ['a', 'b'], ['y_' + op.lower()]) for op in BINARY + COMPARE]
    nodes += [node(op, ['p', 'q'], ['y_' + op.lower()]) for op in LOGIC]
    nodes += [node('Not', ['p'], ['y_not']),
              node('Mod', ['i', 'j'], ['y_mod']),
              node('Mod', ['a', 'b'], ['y_fmod'], fmod=1),
              node('BitShift', ['u', 'v'], ['y_shl'], direction='LEFT'),
              node('BitShift', ['u', 'v'], ['y_shr'], direction='RIGHT'),
              node('CastLike', ['i', 'a'], ['y_castlike'])]
    outs = [('y_' + op.lower(), F, [2, 3]) for op in BINARY]
    outs += [('y_' + op.lower(), T.BOOL, [2, 3]) for op in COMPARE + LOGIC + ['Not']]
    outs += [('y_mod', T.INT32, [2, 3]), ('y_fmod', F, [2, 3]),
             ('y_shl', T.UINT8, [2, 3]), ('y_shr', T.UINT8, [2, 3]),
             ('y_castlike', F, [2, 3])]
    ins = [('a', F, [2, 3]), ('b', F, [3]), ('p', T.BOOL, [2, 3]),
           ('q', T.BOOL, [2, 3]), ('i', T.INT32, [2, 3]), ('j', T.INT32, [2, 3]),
           ('u', T.UINT8, [2, 3]), ('v', T.UINT8, [2, 3])]
    return make(nodes, ins, outs)


REDUCE = ['ReduceMean', 'ReduceMax', 'ReduceMin', 'ReduceProd', 'ReduceL1',
          'ReduceL2', 'ReduceSumSquare', 'ReduceLogSum', 'ReduceLogSumExp']


@model('reduce_all')
def reduce_all():
    nodes = [node(op, ['x'], ['y_' + op.lower()], axes=[-1], keepdims=0) for op in REDUCE]
    nodes += [node('Softmax', ['x'], ['y_softmax']),
              node('LogSoftmax', ['x'], ['y_logsoftmax'], axis=0)]
    outs = [('y_' + op.lower(), F, [2]) for op in REDUCE]
    outs += [('y_softmax', F, [2, 3]), ('y_logsoftmax', F, [2, 3])]
    return make(nodes, [('x', F, [2, 3])], outs)


# --- Broken models: every import error ---------------------------------------

@model('unknown_op')
def unknown_op():
    return make([node('Relu', ['x'], ['r']),
                 node('FancyNewOp', ['r'], ['y'], name='mystery')],
                [('x', F, [2])], [('y', F, [2])], check=False)


@model('missing_initializer')
def missing_initializer():
    return make([node('Add', ['x', 'w'], ['y'], name='add_w')],
                [('x', F, [2])], [('y', F, [2])], check=False)


@model('cycle')
def cycle():
    return make([node('Add', ['x', 'b'], ['a'], name='first'),
                 node('Relu', ['a'], ['b'], name='second')],
                [('x', F, [2])], [('a', F, [2])], check=False)


@model('bad_dtype')
def bad_dtype():
    return make([node('Identity', ['x'], ['y'])],
                [('x', T.STRING, [2])], [('y', T.STRING, [2])])


@model('negative_dim')
def negative_dim():
    m = make([node('Relu', ['x'], ['y'])], [('x', F, [2])], [('y', F, [2])])
    m.graph.input[0].type.tensor_type.shape.dim[0].dim_value = -3
    return m


@model('huge_dim')
def huge_dim():
    return make([node('Relu', ['x'], ['y'])],
                [('x', F, [1 << 30, 1 << 30])], [('y', F, [1 << 30, 1 << 30])])


@model('bad_attribute')
def bad_attribute():
    return make([node('BitShift', ['x', 's'], ['y'], direction='SIDEWAYS',
                      name='shift')],
                [('x', T.UINT8, [2]), ('s', T.UINT8, [2])],
                [('y', T.UINT8, [2])], check=False)


@model('bad_broadcast')
def bad_broadcast():
    return make([node('Add', ['x', 'z'], ['y'], name='add_mismatch')],
                [('x', F, [2, 3]), ('z', F, [4])], [('y', F, [2, 3])],
                check=False)


@model('dynamic_reshape')
def dynamic_reshape():
    return make([node('Reshape', ['x', 's'], ['y'], name='reshape_dyn')],
                [('x', F, [2, 3]), ('s', I64, [2])], [('y', F, [3, 2])],
                check=False)


@model('training_dropout')
def training_dropout():
    return make([node('Dropout', ['x', 'ratio', 'train'], ['y'], name='drop')],
                [('x', F, [4]), ('train', T.BOOL, [])], [('y', F, [4])],
                inits=[arr('ratio', 0.5)])


@model('zero_stride')
def zero_stride():
    return make([node('Conv', ['x', 'w'], ['y'], strides=[1, 0], name='conv0')],
                [('x', F, [1, 1, 4, 4])], [('y', F, [1, 1, 4, 4])],
                inits=[arr('w', np.ones((1, 1, 1, 1)))], check=False)


@model('zero_group')
def zero_group():
    return make([node('Conv', ['x', 'w'], ['y'], group=0, name='conv_g')],
                [('x', F, [1, 1, 4, 4])], [('y', F, [1, 1, 4, 4])],
                inits=[arr('w', np.ones((1, 1, 1, 1)))], check=False)


@model('mixed_matmul')
def mixed_matmul():
    # Constant operands of different element types: the verifier must reject
    # the op before import-time folding evaluates it.
    return make([node('MatMul', ['a', 'b'], ['y'], name='mm_mixed')],
                [], [('y', F, [2, 2])],
                inits=[arr('a', np.ones((2, 2))), arr('b', np.ones((2, 2)), np.int64)],
                check=False)


@model('int_div_overflow')
def int_div_overflow():
    return make([node('Div', ['a', 'b'], ['q']), node('Mod', ['a', 'b'], ['r'])],
                [], [('q', I64, [1]), ('r', I64, [1])],
                inits=[arr('a', [-(1 << 63)], np.int64), arr('b', [-1], np.int64)])


@model('float_mod_without_fmod')
def float_mod_without_fmod():
    return make([node('Mod', ['x', 'x'], ['y'], name='fmod0')],
                [('x', F, [2])], [('y', F, [2])], check=False)


@model('constant_no_output')
def constant_no_output():
    c = h.make_node('Constant', [], [], name='lonely',
                    value=numpy_helper.from_array(np.ones(2, np.float32)))
    return make([c, node('Relu', ['x'], ['y'])], [('x', F, [2])], [('y', F, [2])],
                check=False)


def external_with(location=None, offset=None):
    m = large_weight()
    t = m.graph.initializer[0]
    t.ClearField('raw_data')
    t.data_location = T.EXTERNAL
    for key, value in (('location', location or 'w.bin'), ('offset', offset)):
        if value is not None:
            kv = t.external_data.add()
            kv.key, kv.value = key, value
    return m


@model('external_traversal')
def external_traversal():
    return external_with(location='../../etc/passwd')


@model('external_bad_offset')
def external_bad_offset():
    return external_with(offset='9223372036854775000')


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    names = sys.argv[2:] or list(MODELS)
    for name in names:
        m = MODELS[name]()
        path = os.path.join(out, name + '.onnx')
        if name in ('external_traversal', 'external_bad_offset'):
            with open(os.path.join(out, 'w.bin'), 'wb') as f:
                f.write(np.eye(16, dtype=np.float32).tobytes())
            onnx.save(m, path)
        elif name == 'external_data':
            onnx.save_model(m, path, save_as_external_data=True,
                            all_tensors_to_one_file=True,
                            location='external_data.bin', size_threshold=64)
        else:
            onnx.save(m, path)


if __name__ == '__main__':
    main()
