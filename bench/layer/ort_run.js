// Runs an ONNX model with ONNX Runtime's CPU provider on one thread and
// reports its time.
//
//   node ort_run.js MODEL OUT_DIR REPEATS name=file.npy...
//
// Needs onnxruntime-node on NODE_PATH (bench/layer/run.sh installs it into
// ~/.cache/tessera/ort with `npm install --ignore-scripts`). Inputs are .npy
// files (f32, i64); every output is written as OUT_DIR/<name>.npy (f32).
// The first run is a warm-up (it includes one-time kernel preparation); then
// REPEATS runs are timed and the fastest is printed as JSON on stdout:
//   {"session_seconds": S, "run_seconds": best, "runs": [...]}
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header);
  if (!descr || !shape || /'fortran_order':\s*True/.test(header))
    throw new Error(`${file}: unsupported .npy header ${header}`);
  const dims = shape[1].split(',').map(s => s.trim()).filter(s => s)
                   .map(Number);
  const data = buf.subarray(start);
  const copy = new Uint8Array(data).buffer; // aligned
  switch (descr[1]) {
  case '<f4':
    return new ort.Tensor('float32', new Float32Array(copy), dims);
  case '<i8':
    return new ort.Tensor('int64', new BigInt64Array(copy), dims);
  default:
    throw new Error(`${file}: dtype ${descr[1]} not supported`);
  }
}

function writeNpy(file, tensor) {
  if (tensor.type !== 'float32')
    throw new Error(`output ${file}: dtype ${tensor.type} not supported`);
  const shape = tensor.dims.length === 1 ? `(${tensor.dims[0]},)`
                                         : `(${tensor.dims.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.from(tensor.data.buffer, tensor.data.byteOffset,
                           tensor.data.byteLength);
  fs.writeFileSync(file, Buffer.concat([pre, Buffer.from(header, 'latin1'),
                                        body]));
}

async function main() {
  const [model, outDir, repeatsArg, ...inputs] = process.argv.slice(2);
  const repeats = Number(repeatsArg);
  if (!model || !outDir || !(repeats >= 1)) {
    console.error('usage: node ort_run.js MODEL OUT_DIR REPEATS name=file.npy...');
    process.exit(2);
  }
  const feeds = {};
  for (const arg of inputs) {
    const eq = arg.indexOf('=');
    if (eq < 0)
      throw new Error(`input '${arg}' is not name=file.npy`);
    feeds[arg.slice(0, eq)] = readNpy(arg.slice(eq + 1));
  }
  const t0 = process.hrtime.bigint();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    executionProviders: ['cpu'],
  });
  const sessionSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let results = await session.run(feeds); // warm-up
  const runs = [];
  for (let i = 0; i < repeats; ++i) {
    const s = process.hrtime.bigint();
    results = await session.run(feeds);
    runs.push(Number(process.hrtime.bigint() - s) / 1e9);
  }
  fs.mkdirSync(outDir, {recursive: true});
  for (const name of session.outputNames)
    writeNpy(path.join(outDir, `${name}.npy`), results[name]);
  console.log(JSON.stringify({
    session_seconds: sessionSeconds,
    run_seconds: Math.min(...runs),
    runs,
  }));
}

main().catch(e => {
  console.error(`error: ${e.message}`);
  process.exit(1);
});
