// Runs each job of make_tests.py through ONNX Runtime (CPU, one thread) and
// writes its outputs beside the inputs as output_K.npy, in the raw dtype ONNX
// Runtime returns. Usage: NODE_PATH=DIR/node_modules node run_ort.mjs JOBS.json
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';

const npyTypes = {
  '<f4': [Float32Array, 'float32'], '<i8': [BigInt64Array, 'int64'],
  '<i4': [Int32Array, 'int32'], '|i1': [Int8Array, 'int8'],
  '|u1': [Uint8Array, 'uint8'], '|b1': [Uint8Array, 'bool'],
};
const descrOf = {
  float32: '<f4', int64: '<i8', int32: '<i4', int8: '|i1', uint8: '|u1',
  bool: '|b1',
};

function readNpy(file) {
  const buf = fs.readFileSync(file);
  const hlen = buf.readUInt16LE(8);
  const header = buf.toString('latin1', 10, 10 + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
                    .split(',').map(s => s.trim()).filter(s => s).map(Number);
  const [Ctor, kind] = npyTypes[descr] || [];
  if (!Ctor)
    throw new Error(`${file}: unsupported npy dtype ${descr}`);
  const body = buf.subarray(10 + hlen);
  const data = new Ctor(body.buffer.slice(body.byteOffset,
                                          body.byteOffset + body.byteLength));
  return { kind, shape, data };
}

function writeNpy(file, descr, shape, data) {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${
      shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([
    pre, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  ]));
}

const require = createRequire(path.join(process.env.NODE_PATH || '.', 'x.js'));
const ort = require('onnxruntime-node');
const jobs = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
for (const job of jobs) {
  const data = path.join(job.dir, 'test_data_set_0');
  const session = await ort.InferenceSession.create(
      path.join(job.dir, 'model.onnx'),
      { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = {};
  job.inputs.forEach((name, k) => {
    const t = readNpy(path.join(data, `input_${k}.npy`));
    feeds[name] = new ort.Tensor(t.kind, t.kind === 'bool'
                                     ? Uint8Array.from(t.data) : t.data,
                                 t.shape);
  });
  const result = await session.run(feeds);
  job.outputs.forEach((name, k) => {
    const t = result[name];
    const descr = descrOf[t.type];
    if (!descr)
      throw new Error(`${job.dir}: output ${name} has type ${t.type}`);
    const raw = t.type === 'bool' ? Uint8Array.from(t.data, v => v ? 1 : 0)
                                  : t.data;
    writeNpy(path.join(data, `output_${k}.npy`), descr, t.dims, raw);
  });
}
console.log(`onnxruntime-node ${ort.env.versions ? ort.env.versions.common : ''}: ${jobs.length} models`);
