// Exercises Quire's OpenAI-compatible API with the official openai client:
// models, chat (streaming and not) with quire-rag and with the loaded
// model, completions and embeddings. Usage: node client.mjs BASE_URL MODEL
// Prints one JSON object with what it saw; the Go test checks it.
import OpenAI from "openai";

const [base, model] = process.argv.slice(2);
const client = new OpenAI({ baseURL: base + "/v1", apiKey: "unused", maxRetries: 0 });
const question = "How many snapshots does the backup daemon keep?";
const out = {};

const models = await client.models.list();
out.models = models.data.map((m) => m.id);

const rag = await client.chat.completions.create({
  model: "quire-rag",
  messages: [{ role: "user", content: question }],
});
out.rag = { content: rag.choices[0].message.content, finish: rag.choices[0].finish_reason, quire: rag.quire };

const stream = await client.chat.completions.create({
  model: "quire-rag",
  messages: [{ role: "user", content: question }],
  stream: true,
});
let streamed = "";
let chunks = 0;
let quire = null;
for await (const chunk of stream) {
  chunks++;
  streamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.quire) quire = chunk.quire;
}
out.ragStream = { content: streamed, chunks, citations: quire ? quire.citations.length : -1 };

const direct = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: "Say something." }],
  temperature: 0,
  max_tokens: 64,
  seed: 7,
});
out.direct = { content: direct.choices[0].message.content, usage: direct.usage };

const dstream = await client.chat.completions.create({
  model,
  messages: [{ role: "user", content: "Say something." }],
  temperature: 0,
  stream: true,
});
let dtext = "";
for await (const chunk of dstream) dtext += chunk.choices[0]?.delta?.content ?? "";
out.directStream = { content: dtext };

const comp = await client.completions.create({ model, prompt: "Once upon a time", max_tokens: 4, temperature: 0 });
out.completion = { object: comp.object, usage: comp.usage };

const emb = await client.embeddings.create({ model: "hash", input: ["backups", "proxy"] });
out.embeddings = emb.data.map((d) => d.embedding.length);

try {
  await client.chat.completions.create({ model: "no-such-model", messages: [{ role: "user", content: "hi" }] });
  out.unknownModel = "no error";
} catch (err) {
  out.unknownModel = err.status;
}

console.log(JSON.stringify(out));
