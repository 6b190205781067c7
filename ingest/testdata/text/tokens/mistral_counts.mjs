// Regenerates samples.jsonl: paragraphs from a few text sources with their
// token counts under the Mistral (v0.1, 32000-piece SentencePiece)
// tokenizer, the reference for ingest.ApproxTokens' error test.
//
//   node mistral_counts.mjs [path/to/mistral-tokenizer-js] > samples.jsonl
//
// Counts are without BOS and with the leading space SentencePiece adds, as
// a chunk is tokenized inside a prompt.
import fs from "node:fs";
import path from "node:path";
import url from "node:url";

const tokDir = process.argv[2] || "/work/noderef/node_modules/mistral-tokenizer-js";
const { default: tok } = await import(url.pathToFileURL(path.join(tokDir, "mistral-tokenizer.js")).href);

const goroot = process.env.GOROOT || "/usr/local/go";
const xtext = process.env.XTEXT || "/root/go/pkg/mod/golang.org/x/text@v0.44.0";
const sources = [
  ["english-markdown", "/work/shared/research/rag-landscape.md"],
  ["english-markdown", "/work/shared/research/engine.md"],
  ["english-legal", "/usr/share/common-licenses/GPL-3"],
  ["french", `${xtext}/encoding/testdata/candide-utf-8.txt`],
  ["chinese", `${xtext}/encoding/testdata/sunzi-bingfa-simplified-utf-8.txt`],
  ["go-code", `${goroot}/src/strings/strings.go`],
];

const perSource = 60;
for (const [kind, file] of sources) {
  const text = fs.readFileSync(file, "utf8").replace(/\r\n/g, "\n");
  const paras = text.split(/\n\s*\n/)
    .map(p => p.split("\n").map(l => l.replace(/[ ]+$/, "")).join("\n").replace(/(\S) {2,}/g, "$1 ").trim())
    .filter(p => p.length >= 40)
    .map(p => p.slice(0, 1500));
  const step = Math.max(1, Math.floor(paras.length / perSource));
  let n = 0;
  for (let i = 0; i < paras.length && n < perSource; i += step, n++) {
    const p = paras[i];
    const ids = tok.encode(p, false, true);
    process.stdout.write(JSON.stringify({ src: kind, text: p, mistral: ids.length }) + "\n");
  }
}
