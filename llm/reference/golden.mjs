// golden.mjs writes the engine's golden files from llama.cpp (node-llama-cpp
// 3.21.1, CPU). For every entry of models.json it writes the synthetic model
// with `quire synth`, then records in <out>/<name>.json: the model's sha256,
// the token ids of a text corpus, teacher-forced top-5 log-probabilities at
// every prompt position, and 32 greedy steps with their top-5.
//
// usage: node golden.mjs QUIRE_BINARY MODELS_JSON WORK_DIR OUT_DIR [name...]
import { createHash } from "node:crypto";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { getLlama } from "node-llama-cpp";

const [quire, modelsPath, workDir, outDir, ...only] = process.argv.slice(2);
if (!outDir) {
    console.error("usage: node golden.mjs QUIRE_BINARY MODELS_JSON WORK_DIR OUT_DIR [name...]");
    process.exit(2);
}
const spec = JSON.parse(readFileSync(modelsPath, "utf8"));
mkdirSync(workDir, { recursive: true });
mkdirSync(outDir, { recursive: true });

const llama = await getLlama({ gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true });

const topK = 5;
const greedySteps = 32;

// top5 turns node-llama-cpp's probability map (full vocabulary, sorted,
// softmax of the raw logits: temperature 0 means the greedy sampler alone)
// into [{id, logprob}].
function top5(probabilities) {
    const out = [];
    for (const [id, p] of probabilities) {
        out.push({ id, logprob: Math.log(p) });
        if (out.length === topK) break;
    }
    return out;
}

const next = { generateNext: { token: true, probabilities: true, options: { temperature: 0 } } };

for (const m of spec.models) {
    if (only.length > 0 && !only.includes(m.name)) continue;
    const file = join(workDir, `${m.name}.gguf`);
    execFileSync(quire, ["synth", "-q", "--out", file, "--config", JSON.stringify(m.config)], { stdio: "inherit" });
    const sha256 = createHash("sha256").update(readFileSync(file)).digest("hex");

    const kv = m.kv ?? "F16";
    const model = await llama.loadModel({ modelPath: file, gpuLayers: 0 });
    // Flash attention off: llama.cpp's plain attention path (K·Q with Q
    // rounded to the cache type, softmax in f32, probabilities rounded to the
    // cache type before V). node-llama-cpp's default "auto" would turn it on.
    // Batches of one token: every position goes through llama.cpp's
    // one-token kernels (ggml_vec_dot, the repacked GEMV), whose summation
    // order the engine follows for all its batches; llama.cpp's own batched
    // path (tinyBLAS, repacked GEMM) sums in other orders, which in random
    // quantized models drifts by a few hundredths.
    const context = await model.createContext({
        contextSize: 512, batchSize: 1, threads: 2, flashAttention: false,
        experimentalKvCacheKeyType: kv, experimentalKvCacheValueType: kv,
    });

    const corpus = spec.corpus.map((text) => ({ text, tokens: Array.from(model.tokenize(text, false)) }));

    const prompt = m.prompt ?? spec.prompt;
    const promptTokens = [model.tokens.bos, ...model.tokenize(prompt, false)];
    const seq = context.getSequence();
    const res = await seq.controlledEvaluate(promptTokens.map((t) => [t, next]));
    const promptTop = res.map((r) => top5(r.next.probabilities));

    const greedy = [];
    let last = res[res.length - 1].next;
    for (let i = 0; i < greedySteps; i++) {
        greedy.push({ id: last.token, top: top5(last.probabilities) });
        if (i === greedySteps - 1) break;
        const r = await seq.controlledEvaluate([[last.token, next]]);
        last = r[0].next;
    }

    const golden = {
        name: m.name,
        config: m.config,
        sha256,
        reference: "node-llama-cpp 3.21.1 (llama.cpp release bundled with it), CPU, 2 threads",
        kv_type: kv,
        flash_attention: false,
        batch_size: 1,
        corpus,
        prompt,
        prompt_tokens: promptTokens,
        prompt_top: promptTop,
        greedy,
    };
    writeFileSync(join(outDir, `${m.name}.json`), JSON.stringify(golden, null, 1) + "\n");
    console.error(`${m.name}: ${promptTokens.length} prompt tokens, greedy ${greedy.map((g) => g.id).join(" ")}`);
    await context.dispose();
    await model.dispose();
}
