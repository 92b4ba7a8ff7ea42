// Loads the exported graphs in onnxruntime-node and checks them against the PyTorch test vectors
// (max abs diff <= 1e-4) and on dynamic lengths T = 20 and 2000.
// Usage: node models/train/check_onnx.cjs <models dir> [path to onnxruntime-node]
'use strict';
const path = require('path');
const fs = require('fs');
const dir = path.resolve(process.argv[2] || path.join(__dirname, '..'));
const ortPath = process.argv[3] || path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node');
const ort = require(ortPath);

function tensor(v) {
  if (v.dtype === 'int64') return new ort.Tensor('int64', BigInt64Array.from(v.data.map(BigInt)), v.dims);
  return new ort.Tensor('float32', Float32Array.from(v.data), v.dims);
}

async function main() {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const vec = JSON.parse(fs.readFileSync(path.join(dir, 'testdata', 'onnx_vectors.json'), 'utf8'));
  let worst = 0;
  let ok = true;
  for (const [name, m] of Object.entries(manifest.models)) {
    const sess = await ort.InferenceSession.create(path.join(dir, m.file));
    const feeds = {};
    for (const inp of m.inputs) {
      let key = inp;
      // a graph's own recorded input (a step graph's state, ...) first; a variant's decoder (decoder_vq) reads
      // its own encoder's content (content_vq)
      if (vec.inputs[`${name}.${inp}`]) key = `${name}.${inp}`;
      else if (inp === 'content' && name.startsWith('decoder_')) key = 'content_' + name.slice('decoder_'.length);
      feeds[inp] = tensor(vec.inputs[key]);
    }
    const res = await sess.run(feeds);
    for (const [oname, exp] of Object.entries(vec[name].outputs)) {
      const got = res[oname];
      if (JSON.stringify(Array.from(got.dims)) !== JSON.stringify(exp.dims)) {
        console.log(`${name}.${oname}: dims ${got.dims} != ${exp.dims}`); ok = false; continue;
      }
      let d = 0;
      if (exp.dtype === 'int64') {
        let mism = 0;
        for (let i = 0; i < exp.data.length; i++) if (Number(got.data[i]) !== exp.data[i]) mism++;
        console.log(`${name}.${oname}: ${mism}/${exp.data.length} code mismatches`);
        if (mism > exp.data.length * 0.02) ok = false;
        continue;
      }
      for (let i = 0; i < exp.data.length; i++) d = Math.max(d, Math.abs(got.data[i] - exp.data[i]));
      console.log(`${name}.${oname}: dims ${got.dims} max abs diff ${d.toExponential(2)}`);
      worst = Math.max(worst, d);
    }
    // dynamic lengths
    for (const T of [20, 2000]) {
      const f = {};
      for (const inp of m.inputs) {
        // a step graph: a zero state, every frame final, the stream's start
        if (inp === 'state') { f[inp] = new ort.Tensor('float32', new Float32Array(m.state.channels * m.state.frames), [1, m.state.channels, m.state.frames]); continue; }
        if (inp === 'commit' || inp === 'start') { f[inp] = new ort.Tensor('float32', Float32Array.of(inp === 'commit' ? T : 0), [1]); continue; }
        const ch = inp === 'mel' ? 80 : inp === 'f0' ? 2 : inp === 'embedding' ? null : (m.contentChannels);
        if (ch === null) { f[inp] = tensor(vec.inputs.embedding); continue; }
        const data = new Float32Array(ch * T);
        for (let i = 0; i < data.length; i++) data[i] = inp === 'mel' ? -6 + 3 * Math.sin(i * 0.37) : Math.sin(i * 0.11);
        f[inp] = new ort.Tensor('float32', data, [1, ch, T]);
      }
      const r = await sess.run(f);
      for (const [k, t] of Object.entries(r)) {
        const last = t.dims[t.dims.length - 1];
        const good = (k === 'embedding') ? t.dims[1] === (m.embeddingDim ?? manifest.embeddingDim)
          : k === 'next_state' ? last === m.state.frames : last === T;
        if (!good) { console.log(`${name}.${k}: T=${T} gave dims ${t.dims}`); ok = false; }
        for (const v of t.data) if (typeof v === 'number' && !Number.isFinite(v)) { ok = false; console.log(`${name}.${k}: non-finite at T=${T}`); break; }
      }
    }
  }
  console.log(`worst max abs diff ${worst.toExponential(2)}`);
  if (!ok || worst > 1e-4) { console.log('FAIL'); process.exit(1); }
  console.log('OK');
}
main().catch((e) => { console.error(e); process.exit(1); });
