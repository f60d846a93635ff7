#!/usr/bin/python3
"""Builds the small ONNX models the control-flow and sequence tests read.

Usage: make_control_models.py OUTDIR

Loops and scans are unrolled at import time, so their trip counts and
conditions must be known then; the *_dynamic models are the error cases.
Inputs for tessera-run are written as OUTDIR/NAME.INPUT.npy.
"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto as T
from onnx import helper as h
from onnx import numpy_helper

F = T.FLOAT
I64 = T.INT64
B = T.BOOL


def const(name, values, dtype):
    return h.make_node('Constant', [], [name], name=name,
                       value=numpy_helper.from_array(np.array(values, dtype=dtype), name))


def vi(name, t, shape):
    return h.make_tensor_value_info(name, t, shape)


def save(out, name, graph, opset, inputs=None):
    m = h.make_model(graph, opset_imports=[h.make_opsetid('', opset)],
                     producer_name='make_control_models')
    onnx.checker.check_model(m)
    onnx.save(m, os.path.join(out, name + '.onnx'))
    for k, v in (inputs or {}).items():
        np.save(os.path.join(out, '%s.%s.npy' % (name, k)), v)


def loop_body(cond_expr_nodes, cond_name):
    """y_out = y_in + x; scan = y_out; the condition from cond_expr_nodes."""
    nodes = [h.make_node('Add', ['y_in', 'x'], ['y_out'], name='acc'),
             h.make_node('Identity', ['y_out'], ['scan'], name='scan_id')]
    nodes += cond_expr_nodes
    return h.make_graph(
        nodes, 'body',
        [vi('i', I64, []), vi('cond_in', B, []), vi('y_in', F, [2])],
        [vi(cond_name, B, []), vi('y_out', F, [2]), vi('scan', F, [2])])


def main(out):
    os.makedirs(out, exist_ok=True)
    x = np.array([1.0, 2.0], dtype=np.float32)

    # Three iterations: y = 3x, scan = [x, 2x, 3x].
    body = loop_body([h.make_node('Identity', ['cond_in'], ['cond_out'],
                                  name='keep')], 'cond_out')
    g = h.make_graph(
        [const('n', 3, np.int64), const('c', True, np.bool_),
         const('y0', [0.0, 0.0], np.float32),
         h.make_node('Loop', ['n', 'c', 'y0'], ['y', 'ys'], name='loop',
                     body=body)],
        'loop_const', [vi('x', F, [2])], [vi('y', F, [2]), vi('ys', F, [3, 2])])
    save(out, 'loop_const', g, 13, {'x': x})

    # The trip count is a graph input: fine once bound, an error otherwise.
    g = h.make_graph(
        [const('c', True, np.bool_), const('y0', [0.0, 0.0], np.float32),
         h.make_node('Loop', ['n', 'c', 'y0'], ['y', 'ys'], name='loop',
                     body=body)],
        'loop_dynamic', [vi('x', F, [2]), vi('n', I64, [])],
        [vi('y', F, [2]), vi('ys', F, [None, 2])])
    save(out, 'loop_dynamic', g, 13, {'x': x, 'n': np.array(2, np.int64)})

    # The body stops once y's sum reaches 10: a condition on the data.
    cond_nodes = [
        h.make_node('ReduceSum', ['y_out'], ['total'], name='total',
                    keepdims=0),
        const('ten', 10.0, np.float32),
        h.make_node('Less', ['total', 'ten'], ['more'], name='more')]
    g = h.make_graph(
        [const('n', 8, np.int64), const('c', True, np.bool_),
         const('y0', [0.0, 0.0], np.float32),
         h.make_node('Loop', ['n', 'c', 'y0'], ['y', 'ys'], name='loop',
                     body=loop_body(cond_nodes, 'more'))],
        'loop_data_cond', [vi('x', F, [2])],
        [vi('y', F, [2]), vi('ys', F, [None, 2])])
    save(out, 'loop_data_cond', g, 13, {'x': x})

    # Scan (opset 11): running sum over the rows of x, scanned backwards,
    # the partial sums stacked along axis 1.
    sbody = h.make_graph(
        [h.make_node('Add', ['s_in', 'row'], ['s_out'], name='add'),
         h.make_node('Identity', ['s_out'], ['partial'], name='partial')],
        'scan_body', [vi('s_in', F, [2]), vi('row', F, [2])],
        [vi('s_out', F, [2]), vi('partial', F, [2])])
    g = h.make_graph(
        [const('s0', [0.0, 0.0], np.float32),
         h.make_node('Scan', ['s0', 'xs'], ['s', 'partials'], name='scan',
                     body=sbody, num_scan_inputs=1,
                     scan_input_directions=[1], scan_output_axes=[1])],
        'scan', [vi('xs', F, [3, 2])], [vi('s', F, [2]), vi('partials', F, [2, 3])])
    save(out, 'scan', g, 11,
         {'xs': np.array([[1, 2], [3, 4], [5, 6]], dtype=np.float32)})

    # Sequence ops on tensors: [b, a] after an insert at the front, then
    # element 1, the length, the concatenation and a split back.
    g = h.make_graph(
        [h.make_node('SequenceConstruct', ['a'], ['s1'], name='construct'),
         const('zero', 0, np.int64), const('one', 1, np.int64),
         h.make_node('SequenceInsert', ['s1', 'b', 'zero'], ['s2'],
                     name='insert'),
         h.make_node('SequenceAt', ['s2', 'one'], ['second'], name='at'),
         h.make_node('SequenceLength', ['s2'], ['length'], name='length'),
         h.make_node('ConcatFromSequence', ['s2'], ['joined'], name='concat',
                     axis=0),
         h.make_node('SplitToSequence', ['joined'], ['parts'], name='split',
                     axis=0, keepdims=0),
         const('last', -1, np.int64),
         h.make_node('SequenceAt', ['parts', 'last'], ['lastrow'],
                     name='at_last')],
        'sequences', [vi('a', F, [1, 2]), vi('b', F, [1, 2])],
        [vi('second', F, [1, 2]), vi('length', I64, []),
         vi('joined', F, [2, 2]), vi('lastrow', F, [2])])
    save(out, 'sequences', g, 13,
         {'a': np.array([[1, 2]], np.float32),
          'b': np.array([[3, 4]], np.float32)})

    # A sequence output: the golden path returns its tensors, the NPU path
    # refuses it.
    g = h.make_graph(
        [h.make_node('SequenceConstruct', ['a', 'b'], ['s'], name='pack')],
        'sequence_output', [vi('a', F, [2]), vi('b', F, [2])],
        [h.make_tensor_sequence_value_info('s', F, [2])])
    save(out, 'sequence_output', g, 13,
         {'a': np.array([1, 2], np.float32),
          'b': np.array([3, 4], np.float32)})

    # A sequence input: its length is only known from a value.
    g = h.make_graph(
        [const('zero', 0, np.int64),
         h.make_node('SequenceAt', ['s', 'zero'], ['first'], name='first')],
        'sequence_input', [h.make_tensor_sequence_value_info('s', F, [2])],
        [vi('first', F, [2])])
    save(out, 'sequence_input', g, 13)


if __name__ == '__main__':
    main(sys.argv[1])
