// Quire's web UI: plain JavaScript over the REST API.
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

function formatSize(n) {
  if (n < 1024) return n + " B";
  if (n < 1 << 20) return (n / 1024).toFixed(0) + " KB";
  return (n / (1 << 20)).toFixed(1) + " MB";
}

function where(c) {
  if (c.page) return c.page_end && c.page_end > c.page ? `pages ${c.page}–${c.page_end}` : `page ${c.page}`;
  if (c.section) return c.section;
  return "";
}

async function apiError(resp) {
  try {
    const body = await resp.json();
    if (body && body.error) return body.error.message;
  } catch (_) { /* not JSON */ }
  return `${resp.status} ${resp.statusText}`;
}

/* ---------- documents ---------- */

async function loadDocs() {
  const list = $("docs");
  try {
    const resp = await fetch("/api/documents");
    if (!resp.ok) throw new Error(await apiError(resp));
    const { documents } = await resp.json();
    $("docs-error").hidden = true;
    list.replaceChildren(...documents.map(docRow));
    $("docs-empty").hidden = documents.length > 0;
    $("doc-count").textContent = documents.length ? `(${documents.length})` : "";
  } catch (err) {
    $("docs-error").textContent = "Could not load documents: " + err.message;
    $("docs-error").hidden = false;
  }
}

function docRow(d) {
  const li = el("li");
  li.dataset.id = d.id;
  li.dataset.status = d.status;
  li.append(el("span", "dname", d.name));
  const meta = [d.type || "", formatSize(d.size)];
  if (d.pages) meta.push(d.pages === 1 ? "1 page" : `${d.pages} pages`);
  if (d.status === "ready") meta.push(d.chunks === 1 ? "1 passage" : `${d.chunks} passages`);
  li.append(el("span", "dmeta", meta.filter(Boolean).join(" · ")));
  const actions = el("span", "actions");
  actions.append(el("span", `chip ${d.status}`, d.status));
  const del = el("button", "icon del");
  del.type = "button";
  del.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3"/></svg>';
  del.setAttribute("aria-label", `Delete ${d.name}`);
  del.title = "Delete";
  del.onclick = () => deleteDoc(d);
  actions.append(del);
  li.append(actions);
  if (d.error) li.append(el("span", "derr", d.error));
  return li;
}

async function deleteDoc(d) {
  if (!confirm(`Delete ${d.name}? Its passages leave the index.`)) return;
  const resp = await fetch(`/api/documents/${encodeURIComponent(d.id)}`, { method: "DELETE" });
  if (!resp.ok && resp.status !== 404) alert("Could not delete: " + (await apiError(resp)));
  loadDocs();
}

/* ---------- uploads ---------- */

function uploadFiles(files) {
  for (const f of files) uploadOne(f);
}

function uploadOne(file) {
  const li = el("li");
  const row = el("div", "row");
  const name = el("span", "fname", file.name);
  const state = el("span", "state", "uploading");
  row.append(name, state);
  const bar = el("div", "bar");
  const fill = el("i");
  bar.append(fill);
  bar.setAttribute("role", "progressbar");
  bar.setAttribute("aria-label", `Progress of ${file.name}`);
  li.append(row, bar);
  $("uploads").prepend(li);
  const set = (pct, text, cls) => {
    fill.style.width = pct + "%";
    bar.setAttribute("aria-valuenow", String(Math.round(pct)));
    state.textContent = text;
    if (cls) li.className = cls;
  };
  const failed = (msg) => {
    set(100, "failed", "failed");
    li.append(el("div", "msg", msg));
  };

  const form = new FormData();
  form.append("files", file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open("POST", "/api/documents");
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) set((e.loaded / e.total) * 50, `uploading ${Math.round((e.loaded / e.total) * 100)}%`);
  };
  xhr.onerror = () => failed("The upload failed: the server could not be reached.");
  xhr.onload = () => {
    let body = null;
    try { body = JSON.parse(xhr.responseText); } catch (_) { /* handled below */ }
    if (xhr.status !== 202 || !body || !body.documents) {
      failed(body && body.error ? body.error.message : `Upload failed (${xhr.status}).`);
      return;
    }
    const entry = body.documents[0];
    if (entry.status === "failed") { failed(entry.error || "The file was refused."); return; }
    if (entry.duplicate && entry.status === "ready") { set(100, "already in the library", "ready"); loadDocs(); return; }
    set(50, "queued");
    loadDocs();
    watch(entry.id, set, failed);
  };
  xhr.send(form);
}

function watch(id, set, failed) {
  const es = new EventSource(`/api/documents/${encodeURIComponent(id)}/events`);
  es.addEventListener("progress", (e) => {
    const p = JSON.parse(e.data);
    if (p.status === "ready") {
      set(100, "ready", "ready");
      es.close();
      loadDocs();
    } else if (p.status === "failed") {
      failed(p.error || "Ingestion failed.");
      es.close();
      loadDocs();
    } else {
      const frac = p.total ? p.done / p.total : 0;
      set(50 + frac * 45, p.stage ? `${p.stage}${p.total ? ` ${p.done}/${p.total}` : ""}` : p.status);
    }
  });
  es.onerror = () => { es.close(); loadDocs(); };
}

function setupDrop() {
  const drop = $("drop");
  const input = $("file");
  input.onchange = () => { uploadFiles(input.files); input.value = ""; };
  drop.addEventListener("keydown", (e) => {
    if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); }
  });
  ["dragenter", "dragover"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.add("over"); }));
  ["dragleave", "drop"].forEach((t) => drop.addEventListener(t, (e) => { e.preventDefault(); drop.classList.remove("over"); }));
  drop.addEventListener("drop", (e) => uploadFiles(e.dataTransfer.files));
  // Dropping anywhere on the page uploads too, instead of opening the file.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => { e.preventDefault(); if (e.target !== drop && !drop.contains(e.target)) uploadFiles(e.dataTransfer.files); });
}

/* ---------- asking ---------- */

// conv is the conversation being shown: its id (null before the first
// question) and the DOM of its turns.
let conv = { id: null };

// newTurn adds a question and an empty answer to the thread and returns the
// turn's state: its text, its citations by number and its elements.
function newTurn(question) {
  const art = el("article", "turn");
  art.append(el("p", "question", question));
  const body = el("div", "answer");
  const text = el("div", "answer-text");
  const meta = el("div", "answer-meta");
  const sources = el("ol", "sources");
  body.append(text, meta, sources);
  art.append(body);
  $("thread").append(art);
  $("welcome").hidden = true;
  const turn = { text: "", citations: new Map(), el: { art, text, meta, sources } };
  art.turn = turn;
  return turn;
}

function renderAnswer(turn) {
  const out = turn.el.text;
  out.replaceChildren();
  const re = /\[(\d+(?:\s*,\s*\d+)*)\]/g;
  let last = 0;
  let m;
  while ((m = re.exec(turn.text)) !== null) {
    out.append(document.createTextNode(turn.text.slice(last, m.index)));
    for (const n of m[1].split(",").map((x) => parseInt(x.trim(), 10))) out.append(citeButton(turn, n));
    last = m.index + m[0].length;
  }
  out.append(document.createTextNode(turn.text.slice(last)));
}

function citeButton(turn, n) {
  const b = el("button", "cite", `[${n}]`);
  b.type = "button";
  b.dataset.n = String(n);
  b.setAttribute("aria-label", `Open source ${n}`);
  b.onclick = () => openCitation(turn, n, b);
  return b;
}

function addSource(turn, c) {
  turn.citations.set(c.n, c);
  const li = el("li");
  li.append(citeButton(turn, c.n), el("span", "sname", c.doc_name));
  const w = where(c);
  if (w) li.append(el("span", "where", w));
  turn.el.sources.append(li);
}

const provenanceText = {
  extractive: "Quoted from your documents",
  generated: "Written by the model from your documents",
  abstained: "Nothing relevant found",
};

function finishTurn(turn, answer) {
  turn.text = answer.answer;
  renderAnswer(turn);
  turn.el.sources.replaceChildren();
  for (const c of answer.citations) addSource(turn, c);
  const kind = provenanceText[answer.provenance] || answer.provenance;
  let meta = `${kind} · ${(answer.timing.total_ms / 1000).toFixed(2)} s`;
  if (answer.timing.tokens_per_s) meta += ` · ${answer.timing.tokens_per_s.toFixed(1)} tokens/s`;
  if (!answer.citations.length) meta += " · no sources cited";
  turn.el.meta.textContent = meta;
  const flagged = answer.unsupported || [];
  if (flagged.length) {
    const warn = el("p", "unsupported", `${flagged.length} sentence${flagged.length > 1 ? "s are" : " is"} not supported by the cited sources: `);
    warn.append(el("span", "", flagged.map((u) => `“${u.sentence}” (${u.reason})`).join("; ")));
    turn.el.meta.after(warn);
  }
}

function showThreadHead(title) {
  $("thread-head").hidden = false;
  $("thread-title").textContent = title;
}

async function ask(question) {
  const btn = $("ask-btn");
  btn.disabled = true;
  closePanel();
  const turn = newTurn(question);
  if (!conv.id) showThreadHead(question);
  turn.el.text.classList.add("loading");
  turn.el.art.scrollIntoView({ block: "nearest" });
  try {
    const body = { question };
    if (conv.id) body.conversation_id = conv.id;
    const resp = await fetch("/api/ask", {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
      body: JSON.stringify(body),
    });
    if (!resp.ok) throw new Error(await apiError(resp));
    await readSSE(resp.body, (event, data) => {
      if (event === "token") {
        turn.text += data.text;
        renderAnswer(turn);
      } else if (event === "citation") {
        addSource(turn, data);
      } else if (event === "done") {
        finishTurn(turn, data);
        if (data.conversation_id) conv.id = data.conversation_id;
      } else if (event === "error") {
        throw new Error(data.message);
      }
    });
    loadConversations();
  } catch (err) {
    turn.el.art.append(el("p", "error-box", "Could not answer: " + err.message));
  } finally {
    turn.el.text.classList.remove("loading");
    btn.disabled = false;
    $("question").value = "";
    $("question").focus();
  }
}

function newConversation() {
  conv = { id: null };
  $("thread").replaceChildren();
  $("thread-head").hidden = true;
  $("welcome").hidden = false;
  closePanel();
  markCurrentConversation();
  $("question").focus();
}

async function openConversation(id) {
  try {
    const resp = await fetch(`/api/conversations/${encodeURIComponent(id)}`);
    if (!resp.ok) throw new Error(await apiError(resp));
    const c = await resp.json();
    conv = { id: c.id };
    closePanel();
    $("thread").replaceChildren();
    showThreadHead(c.title);
    for (const t of c.turns) finishTurn(newTurn(t.question), t.answer);
    markCurrentConversation();
  } catch (err) {
    alert("Could not open the conversation: " + err.message);
  }
}

async function loadConversations() {
  try {
    const resp = await fetch("/api/conversations");
    if (!resp.ok) throw new Error(await apiError(resp));
    const { conversations } = await resp.json();
    $("conv-empty").hidden = conversations.length > 0;
    $("convs").replaceChildren(...conversations.slice(0, 20).map((c) => {
      const li = el("li");
      li.dataset.id = c.id;
      const open = el("button", "open-conv", c.title);
      open.type = "button";
      open.title = c.title;
      open.onclick = () => openConversation(c.id);
      const when = el("span", "when", new Date(c.updated).toLocaleString([], { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" }));
      const del = el("button", "icon del");
      del.type = "button";
      del.setAttribute("aria-label", `Delete conversation ${c.title}`);
      del.innerHTML = '<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 7h16M10 11v6M14 11v6M6 7l1 12a2 2 0 0 0 2 2h6a2 2 0 0 0 2-2l1-12M9 7V4h6v3"/></svg>';
      del.onclick = async () => {
        await fetch(`/api/conversations/${encodeURIComponent(c.id)}`, { method: "DELETE" });
        if (conv.id === c.id) newConversation();
        loadConversations();
      };
      li.append(open, when, del);
      return li;
    }));
    markCurrentConversation();
  } catch (_) { /* the list is a convenience; asking still works */ }
}

function markCurrentConversation() {
  document.querySelectorAll(".convs li").forEach((li) => li.classList.toggle("current", li.dataset.id === conv.id));
}

// readSSE parses a text/event-stream body and calls on(event, data) for
// each event; comment lines (keep-alives) are ignored.
async function readSSE(body, on) {
  const reader = body.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) continue;
        if (line.startsWith("event:")) event = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
      }
      if (data.length) on(event, JSON.parse(data.join("\n")));
    }
  }
}

/* ---------- the source panel ---------- */

function citedSentences(turn, n) {
  // The text each [n] marker follows: the last sentence before the marker,
  // without quotes or markers. Works for quoted extractive answers
  // ("“…” [1]") and written ones ("claim [1]. Next claim [2].").
  const out = [];
  const re = /([^\[\]]+?)((?:\s*\[\d+(?:\s*,\s*\d+)*\])+)/g;
  let m;
  while ((m = re.exec(turn.text)) !== null) {
    const nums = [...m[2].matchAll(/\d+/g)].map((x) => parseInt(x[0], 10));
    if (!nums.includes(n)) continue;
    const sentences = m[1].replace(/[“”"]/g, "").split(/(?<=[.!?])\s+/).map((x) => x.replace(/^[\s.,;:]+/, "").trim()).filter(Boolean);
    if (sentences.length) out.push(sentences[sentences.length - 1]);
  }
  return out;
}

function highlight(container, text, sentences) {
  // Put text into container, keeping its line breaks, with every cited
  // sentence found in it marked. Matching ignores differences in
  // whitespace: flat is text with whitespace runs collapsed, and at[i] is
  // the position in text of flat[i].
  let flat = "";
  const at = [];
  for (let i = 0; i < text.length; i++) {
    const ws = /\s/.test(text[i]);
    if (ws && flat.endsWith(" ")) continue;
    flat += ws ? " " : text[i];
    at.push(i);
  }
  at.push(text.length);
  const ranges = [];
  for (const s of sentences) {
    const probe = s.replace(/\s+/g, " ");
    let a = flat.indexOf(probe);
    let len = probe.length;
    if (a < 0 && probe.length > 60) { a = flat.indexOf(probe.slice(0, 60)); len = 60; }
    if (a >= 0) ranges.push([at[a], at[a + len - 1] + 1]);
  }
  ranges.sort((x, y) => x[0] - y[0]);
  let pos = 0;
  for (const [a, b] of ranges) {
    if (a < pos) continue;
    container.append(document.createTextNode(text.slice(pos, a)));
    container.append(el("mark", "", text.slice(a, b)));
    pos = b;
  }
  container.append(document.createTextNode(text.slice(pos)));
  return ranges.length > 0;
}

async function openCitation(turn, n, btn) {
  const c = turn.citations.get(n);
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
  if (btn) btn.classList.add("active");
  const panel = $("panel");
  panel.hidden = false;
  document.querySelector(".layout").classList.add("with-panel");
  const body = $("panel-body");
  if (!c) {
    $("panel-title").textContent = `Source ${n}`;
    $("panel-where").textContent = "";
    body.replaceChildren(el("p", "error-box", "This marker points at no source of this answer."));
    $("panel-open").hidden = true;
    panel.focus();
    return;
  }
  $("panel-title").textContent = `[${n}] ${c.doc_name}`;
  $("panel-where").textContent = [c.path !== c.doc_name ? c.path : "", where(c)].filter(Boolean).join(" · ");
  body.replaceChildren(el("p", "ctx", "Loading the passage…"));
  const open = $("panel-open");
  open.hidden = false;
  open.href = `/api/documents/${encodeURIComponent(c.doc_id)}/file` + (c.page ? `#page=${c.page}` : "");
  open.textContent = c.page ? `Open ${c.doc_name} at page ${c.page}` : `Open ${c.doc_name}`;
  panel.focus();
  try {
    const resp = await fetch(`/api/documents/${encodeURIComponent(c.doc_id)}/chunks/${encodeURIComponent(c.chunk_id)}`);
    if (!resp.ok) throw new Error(await apiError(resp));
    const v = await resp.json();
    body.replaceChildren();
    if (v.before) body.append(el("div", "ctx", "…" + v.before.slice(-300)));
    const chunk = el("div", "chunk");
    highlight(chunk, v.text, citedSentences(turn, n));
    body.append(chunk);
    if (v.after) body.append(el("div", "ctx", v.after.slice(0, 300) + "…"));
    const mark = chunk.querySelector("mark");
    if (mark) mark.scrollIntoView({ block: "center" });
  } catch (err) {
    body.replaceChildren(el("p", "error-box", "Could not load the passage: " + err.message));
  }
}

function closePanel() {
  $("panel").hidden = true;
  document.querySelector(".layout").classList.remove("with-panel");
  document.querySelectorAll(".cite.active").forEach((b) => b.classList.remove("active"));
}

async function loadInfo() {
  try {
    const resp = await fetch("/api/info");
    if (!resp.ok) return;
    const info = await resp.json();
    const mode = $("mode");
    if (info.model) {
      mode.textContent = info.model;
      mode.classList.add("model");
      mode.title = `Answers are written by ${info.model} from your documents, with citations.`;
    }
  } catch (_) { /* the badge is informative only */ }
}

/* ---------- start ---------- */

function setup() {
  setupDrop();
  $("ask").addEventListener("submit", (e) => {
    e.preventDefault();
    const q = $("question").value.trim();
    if (q) ask(q);
  });
  $("question").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask").requestSubmit(); }
  });
  $("panel-close").onclick = closePanel;
  $("new-conv").onclick = newConversation;
  loadConversations();
  document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("panel").hidden) closePanel(); });
  loadInfo();
  loadDocs();
  // Keep the list fresh while documents ingest in the background.
  setInterval(() => {
    if (document.querySelector('.docs li[data-status="queued"], .docs li[data-status="ingesting"]')) loadDocs();
  }, 2000);
}

setup();
