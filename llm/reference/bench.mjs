// bench.mjs times llama.cpp (node-llama-cpp 3.21.1, CPU) the way
// `quire bench` times Quire, so the two can run back to back on the same
// GGUF: prompt tok/s over a P-token prompt evaluated at once, and
// generation tok/s from an empty context (BOS, then N-1 tokens, one per
// step), each the median of R runs after a warm-up.
//
// usage: node bench.mjs MODEL.gguf [P=128] [N=32] [THREADS=2] [R=3]
// prints one JSON line: {"pp_tps","tg_tps","load_s"}
import { getLlama } from "node-llama-cpp";

const [file, P = "128", N = "32", T = "2", R = "3"] = process.argv.slice(2);
if (!file) {
    console.error("usage: node bench.mjs MODEL.gguf [P] [N] [THREADS] [R]");
    process.exit(2);
}
const p = Number(P), n = Number(N), threads = Number(T), reps = Number(R);
const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true });
const t0 = performance.now();
const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
const loadS = (performance.now() - t0) / 1000;
const context = await model.createContext({ contextSize: p + n + 16, batchSize: 512, threads });
const seq = context.getSequence();
const bos = model.tokens.bos;
const vocab = model.fileInfo.metadata.tokenizer?.ggml?.tokens?.length ?? 32000;
const prompt = [bos];
for (let i = 1; i < p; i++) prompt.push(1000 + ((i * 7919) % (vocab - 1000)));

async function pp() {
    await seq.clearHistory();
    const s = performance.now();
    await seq.evaluateWithoutGeneratingNewTokens(prompt);
    return (performance.now() - s) / 1000;
}

async function tg() {
    await seq.clearHistory();
    const s = performance.now();
    let k = 0;
    for await (const _ of seq.evaluate([bos], { temperature: 0 })) {
        if (++k >= n) break;
    }
    return (performance.now() - s) / 1000;
}

const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const pps = [], tgs = [];
for (let r = 0; r <= reps; r++) {
    const a = await pp();
    const b = await tg();
    if (r > 0) { pps.push(a); tgs.push(b); }
}
console.log(JSON.stringify({ pp_tps: p / median(pps), tg_tps: n / median(tgs), load_s: loadS }));
await context.dispose();
await model.dispose();
