#!/usr/bin/python3
"""Rewrites an expected-failure list from a tessera-conformance report.

Usage: make_xfail.py REPORT.tsv OUT.txt [PATH]

PATH names the execution path in the list's header (golden, dc, edge).

Every failing test gets the reason of the first rule below that matches its
failure detail. A failure no rule explains is printed and makes the script
fail: it is a bug to fix or a new case to explain, never silently listed.
"""
import re
import sys

OPS = {
    'NonMaxSuppression': 'output shape depends on the data; Tessera compiles static shapes',
    'NonZero': 'output shape depends on the data; Tessera compiles static shapes',
    'Unique': 'output shape depends on the data; Tessera compiles static shapes',
    'Loop': 'control flow with subgraphs is not supported',
    'If': 'control flow with subgraphs is not supported',
    'Scan': 'control flow with subgraphs is not supported',
    'RNN': 'recurrent ops are not implemented yet',
    'LSTM': 'recurrent ops are not implemented yet',
    'GRU': 'recurrent ops are not implemented yet',
    'QuantizeLinear': 'quantized ops are not implemented yet',
    'DequantizeLinear': 'quantized ops are not implemented yet',
    'DynamicQuantizeLinear': 'quantized ops are not implemented yet',
    'QLinearMatMul': 'quantized ops are not implemented yet',
    'QLinearConv': 'quantized ops are not implemented yet',
    'MatMulInteger': 'quantized ops are not implemented yet',
    'ConvInteger': 'quantized ops are not implemented yet',
    'Bernoulli': 'random number generation has no deterministic golden result',
    'RandomUniformLike': 'random number generation has no deterministic golden result',
    'Det': 'not implemented yet (matrix determinant)',
}

RULES = [
    (r"unsupported op type '(\w+)'", lambda m: f"{m.group(1)}: {OPS.get(m.group(1), 'not implemented yet')}"),
    (r'imports no default-domain opset', lambda m: 'training-domain op (ai.onnx.preview.training) is out of scope'),
    (r'training_mode dropout', lambda m: 'training-mode Dropout draws random numbers; only inference is supported'),
    (r'training_mode=1', lambda m: 'training-mode BatchNormalization is not supported (inference only)'),
    (r'STRING', lambda m: 'string tensors are not supported'),
    (r"has an invalid or huge dimension 1[01][0-9]|of shape [0-9x]+ has 0 values|data type UNDEFINED|not a tensor",
     lambda m: 'sequence and optional types are not supported'),
    (r"input 'like' is tensor<1x", lambda m: "ONNX 1.12's test data gives 'like' shape [1] but the model declares [3, 4]; Tessera checks input shapes"),
    (r"simulate: input 'like' has shape 1, the program expects 3x4",
     lambda m: "ONNX 1.12's test data gives 'like' shape [1] but the model declares [3, 4]"),
    (r"element type 'ui(16|32|64)' has no storage type on the NPU",
     lambda m: f"uint{m.group(1)} tensors have no storage type on the NPU (its vector unit has no u{m.group(1)})"),
    (r"input '[^']*' is a '?!graph\.(seq|opt)<.*sequences and optionals run on the golden path only",
     lambda m: 'sequence or optional input: sequences and optionals run on the golden path only'),
    (r"no NPU lowering for node '[^']*' \((graph\.\w+)\): (.*)",
     lambda m: f"no NPU kernel: {m.group(1)}: {m.group(2)[:160]}"),
]

SPECIFIC = {
    'test_cast_FLOAT_to_BFLOAT16': "ONNX 1.12's expected bfloat16 values were made by truncation; Tessera rounds to nearest even, as the hardware does",
}


def main():
    report, out = sys.argv[1], sys.argv[2]
    path = sys.argv[3] if len(sys.argv) > 3 else 'golden'

    lines, unexplained = [], []
    with open(report) as f:
        next(f)
        for row in f:
            cols = row.rstrip('\n').split('\t')
            name, result, detail = cols[0], cols[1], cols[-1]
            if result not in ('FAIL', 'XFAIL'):
                continue
            reason = SPECIFIC.get(name)
            for pattern, make in RULES:
                if reason:
                    break
                m = re.search(pattern, detail)
                if m:
                    reason = make(m)
            if reason is None:
                unexplained.append(f'{name}: {detail[:200]}')
            else:
                lines.append(f'{name}  {reason}')
    with open(out, 'w') as f:
        f.write(f'# Expected failures of the {path} path (tessera-conformance --path={path}).\n')
        f.write('# One test per line: name, then the reason. Regenerate with make_xfail.py;\n')
        f.write('# a listed test that passes fails the run until it is removed.\n')
        f.write('\n'.join(sorted(lines)) + '\n')
    if unexplained:
        print('unexplained failures:\n  ' + '\n  '.join(unexplained))
        sys.exit(1)


if __name__ == '__main__':
    main()
