// Run ONNX models in onnxruntime-web's wasm build under Node; used by test_ort_web.py.
// argv: the onnxruntime-web dist folder, then a JSON file listing {model, feeds: {name: [dtype, dims, data]}}.
import fs from 'fs';
import path from 'path';
import { pathToFileURL } from 'url';

const [dist, jobsFile] = process.argv.slice(2);
const ort = await import(pathToFileURL(path.join(dist, 'ort.wasm.min.mjs')).href);
ort.env.wasm.numThreads = 1;
ort.env.wasm.wasmPaths = dist + '/';
const results = [];
for (const job of JSON.parse(fs.readFileSync(jobsFile, 'utf8'))) {
  const session = await ort.InferenceSession.create(fs.readFileSync(job.model));
  const feeds = {};
  for (const [name, [dtype, dims, data]] of Object.entries(job.feeds)) {
    const values = dtype === 'int64' ? BigInt64Array.from(data.map(BigInt)) : Float32Array.from(data);
    feeds[name] = new ort.Tensor(dtype, values, dims);
  }
  const out = await session.run(feeds);
  results.push(Object.fromEntries(session.outputNames.map((n) => [n, Array.from(out[n].data).map(Number)])));
}
console.log(JSON.stringify(results));
