// Writes tokenizer goldens with llama.cpp, through node-llama-cpp 3.21.1, for
// the Go tests in llm/tokenizer and llm/chat (they compare without node).
//
// Usage (from the repository root):
//   go run ./llm/tokenizer/reference/mkvocab /tmp/vocab
//   NODE_PATH=/path/to/node_modules node llm/tokenizer/reference/tokenize.mjs \
//     /tmp/vocab > llm/tokenizer/testdata/mistral-corpus.json
//
// Add --bench to time llama.cpp on the text of Go's BenchmarkEncode instead.
// NODE_PATH must hold node-llama-cpp (npm i -E node-llama-cpp@3.21.1).
// Inputs: corpus.json beside this file, plus random strings from a fixed
// seed. Outputs, for the real Mistral v0.1/v0.2 vocabulary ("v1") and the
// synthetic 32768 one ("v3"): ids of each text without BOS as plain text
// (model.tokenize(text, false)) and with special-token parsing
// (model.tokenize(text, true)), and detokenized text; plus V1 chat prompts
// rendered with the Mistral-7B-Instruct-v0.2 template and tokenized with
// special-token parsing, as llama.cpp's server does.
import fs from "node:fs";
import path from "node:path";
import {fileURLToPath, pathToFileURL} from "node:url";

async function importLlama() {
    try {
        return await import("node-llama-cpp");
    } catch (err) {
        // ES modules ignore NODE_PATH: look there by hand.
        for (const dir of (process.env.NODE_PATH ?? "").split(path.delimiter).filter(Boolean)) {
            const entry = path.join(dir, "node-llama-cpp", "dist", "index.js");
            if (fs.existsSync(entry))
                return await import(pathToFileURL(entry).href);
        }
        throw err;
    }
}

// Deterministic random strings (a 32-bit LCG) over a pool of characters
// that stress the tokenizer: spaces, newlines, ASCII, Latin, CJK, emoji.
function randomTexts(count, seed) {
    const pool = [..." \n\t  abcdefghijklmnopqrstuvwxyzABCXYZ0123456789.,;:!?'\"()[]{}<>/\\-_=+*&^%$#@~`|",
        ..."éèàüößñçøåÆŒ", ..."日本語中文한국어", ..."Жзщ", ..."αβγ", "🦙", "🚀", "👍🏽", "▁", "\u00a0", "\u200b"];
    let s = seed >>> 0;
    const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
    const out = [];
    for (let i = 0; i < count; i++) {
        const len = 1 + (next() % 40);
        let t = "";
        for (let j = 0; j < len; j++)
            t += pool[next() % pool.length];
        out.push(t);
    }
    return out;
}

// The Mistral-7B-Instruct-v0.2 chat template (tokenizer_config.json),
// rendered by hand; the system prompt is folded into the first user turn.
function renderV1(messages) {
    let out = "<s>";
    let system = "";
    for (const m of messages) {
        if (m.role === "system") {
            system = m.content;
            continue;
        }
        if (m.role === "user") {
            const content = system !== "" ? system + "\n\n" + m.content : m.content;
            system = "";
            out += "[INST] " + content + " [/INST]";
        } else
            out += m.content + "</s>";
    }
    return out;
}

const chats = [
    [{role: "user", content: "Hello, how are you?"}],
    [{role: "user", content: "Hello, how are you?"}, {role: "assistant", content: "Fine, and you?"},
        {role: "user", content: "I'm doing great!"}],
    [{role: "user", content: "Q1"}, {role: "assistant", content: "A1"}, {role: "user", content: "Q2"},
        {role: "assistant", content: "A2"}, {role: "user", content: "Q3"}],
    [{role: "system", content: "You answer in French."}, {role: "user", content: "What is the capital of France?"}],
    [{role: "user", content: "multi\nline\n\nquestion with  spaces "}],
    [{role: "user", content: "日本語で答えて 🦙"}, {role: "assistant", content: " leading space answer"},
        {role: "user", content: "ok"}],
];

const here = path.dirname(fileURLToPath(import.meta.url));
const vocabDir = process.argv[2];
if (!vocabDir) {
    console.error("usage: node tokenize.mjs VOCAB_DIR  (from go run ./llm/tokenizer/reference/mkvocab VOCAB_DIR)");
    process.exit(2);
}
const corpus = [...JSON.parse(fs.readFileSync(path.join(here, "corpus.json"), "utf8")), ...randomTexts(300, 20261126)];

const {getLlama} = await importLlama();
const llama = await getLlama({gpu: false, build: "never", skipDownload: true, usePrebuiltBinaries: true, logLevel: "error"});

// --bench: time llama.cpp on the text of Go's BenchmarkEncode
// (llm/tokenizer/tokenizer_test.go), to run back to back with it.
if (process.argv.includes("--bench")) {
    const model = await llama.loadModel({modelPath: path.join(vocabDir, "mistral-v1.gguf"), vocabOnly: true});
    const text = "Mistral 7B is a 7.3B parameter model. 日本語のテキスト 🦙 func main() { return x }\n".repeat(100);
    let tokens = 0, iters = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < 3000) {
        tokens += model.tokenize(text, false).length;
        iters++;
    }
    const sec = (performance.now() - t0) / 1000;
    console.log(`llama.cpp tokenize: ${(1e9 * sec / iters).toFixed(0)} ns/op, ${(tokens / sec).toFixed(0)} tokens/s`);
    process.exit(0);
}

const result = {
    generator: "llm/tokenizer/reference/tokenize.mjs with node-llama-cpp 3.21.1 (llama.cpp, vocab_only)",
    vocabs: {},
};
for (const name of ["v1", "v3"]) {
    const model = await llama.loadModel({modelPath: path.join(vocabDir, `mistral-${name}.gguf`), vocabOnly: true});
    const cases = corpus.map((text) => {
        const plain = model.tokenize(text, false);
        return {
            text,
            ids: Array.from(plain),
            special: Array.from(model.tokenize(text, true)),
            decoded: model.detokenize(plain, false),
        };
    });
    const entry = {cases};
    if (name === "v1") {
        entry.chats = chats.map((messages) => {
            const rendered = renderV1(messages);
            return {messages, rendered, ids: Array.from(model.tokenize(rendered, true))};
        });
    }
    result.vocabs[name] = entry;
    await model.dispose();
}
await llama.dispose();
// One case per line keeps the golden small and its diffs readable.
const lines = (items) => "[\n" + items.map((x) => JSON.stringify(x)).join(",\n") + "\n]";
let out = `{"generator": ${JSON.stringify(result.generator)},\n"vocabs": {\n`;
out += Object.entries(result.vocabs).map(([name, entry]) =>
    `${JSON.stringify(name)}: {"cases": ${lines(entry.cases)}` +
    (entry.chats ? `,\n"chats": ${lines(entry.chats)}` : "") + "}"
).join(",\n");
out += "}}\n";
JSON.parse(out); // stays valid JSON
process.stdout.write(out);
