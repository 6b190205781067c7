package web

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/quirehq/quire/rag"
)

const manualPage1 = `Quire Operations Manual
Chapter 1: Backups
The backup daemon runs every night at 02:00 and keeps fourteen snapshots.
Restoring a snapshot requires the administrator password and a quiet system.`

const manualPage2 = `Chapter 2: Networking
The proxy listens on port 3128 and forwards requests to the upstream gateway.
Firewall rules are reloaded with the command netreload after every change.`

const guideMD = `---
title: Gardening Guide
---
# Gardening Guide

## Tomatoes

Tomatoes need six hours of direct sunlight and deep watering twice a week.
Stake the plants early so the stems do not break under the fruit.

## Roses

Prune roses in late winter, cutting just above an outward-facing bud.
`

type testEnv struct {
	t   *testing.T
	svc *rag.Service
	srv *Server
	ts  *httptest.Server
}

func newEnv(t *testing.T, cfg Config) *testEnv {
	t.Helper()
	svc, err := rag.Open(context.Background(), rag.Config{DataDir: t.TempDir()})
	require.NoError(t, err)
	srv := New(svc, cfg)
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ts.Close()
		require.NoError(t, svc.Close())
	})
	return &testEnv{t: t, svc: svc, srv: srv, ts: ts}
}

type file struct {
	name string
	data []byte
}

func multipartBody(t *testing.T, field string, files ...file) (*bytes.Buffer, string) {
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, f := range files {
		part, err := w.CreateFormFile(field, f.name)
		require.NoError(t, err)
		_, err = part.Write(f.data)
		require.NoError(t, err)
	}
	require.NoError(t, w.Close())
	return &buf, w.FormDataContentType()
}

func (e *testEnv) upload(files ...file) (int, []uploadEntry) {
	body, ct := multipartBody(e.t, "files", files...)
	resp, err := http.Post(e.ts.URL+"/api/documents", ct, body)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	var out struct {
		Documents []uploadEntry `json:"documents"`
	}
	if resp.StatusCode == http.StatusAccepted {
		require.NoError(e.t, json.NewDecoder(resp.Body).Decode(&out))
	}
	return resp.StatusCode, out.Documents
}

func (e *testEnv) do(method, path, contentType, body string, headers ...string) (*http.Response, []byte) {
	req, err := http.NewRequest(method, e.ts.URL+path, strings.NewReader(body))
	require.NoError(e.t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(e.t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(e.t, err)
	return resp, data
}

// requireError checks the status and the {"error":{"code","message"}} shape.
func requireError(t *testing.T, resp *http.Response, body []byte, status int, code string) {
	t.Helper()
	require.Equal(t, status, resp.StatusCode, string(body))
	var e struct {
		Error struct{ Code, Message string }
	}
	require.NoError(t, json.Unmarshal(body, &e), string(body))
	require.Equal(t, code, e.Error.Code, string(body))
	require.NotEmpty(t, e.Error.Message)
}

func (e *testEnv) waitIdle() {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	require.NoError(e.t, e.svc.WaitIdle(ctx))
}

func (e *testEnv) document(id string) map[string]any {
	resp, body := e.do("GET", "/api/documents/"+id, "", "")
	require.Equal(e.t, 200, resp.StatusCode, string(body))
	var d map[string]any
	require.NoError(e.t, json.Unmarshal(body, &d))
	return d
}

func TestHealth(t *testing.T) {
	e := newEnv(t, Config{})
	resp, body := e.do("GET", "/healthz", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"status":"ok"}`, string(body))
	resp, body = e.do("GET", "/readyz", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.JSONEq(t, `{"status":"ready"}`, string(body))
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	e := newEnv(t, Config{})
	resp, body := e.do("GET", "/api/openapi.json", "", "")
	require.Equal(t, 200, resp.StatusCode)
	var doc struct {
		Paths map[string]map[string]any `json:"paths"`
	}
	require.NoError(t, json.Unmarshal(body, &doc))
	for _, r := range e.srv.echo.Routes() {
		if !strings.HasPrefix(r.Path, "/api/") && r.Path != "/healthz" && r.Path != "/readyz" {
			continue
		}
		p := r.Path
		p = strings.Replace(p, ":id", "{id}", 1)
		p = strings.Replace(p, ":chunk", "{chunk_id}", 1)
		ops, ok := doc.Paths[p]
		require.True(t, ok, "route %s %s missing from openapi.json", r.Method, p)
		_, ok = ops[strings.ToLower(r.Method)]
		require.True(t, ok, "method %s of %s missing from openapi.json", r.Method, p)
	}
}

func TestUploadBatchWithBadFiles(t *testing.T) {
	e := newEnv(t, Config{MaxFileBytes: 64 << 10})
	png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{0}, 100)...)
	status, entries := e.upload(
		file{"manual.pdf", makePDF(manualPage1, manualPage2)},
		file{"broken.pdf", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer garbage")},
		file{"picture.pdf", png},
		file{"huge.md", bytes.Repeat([]byte("word "), 20<<10)},
		file{"guide.md", []byte(guideMD)},
	)
	require.Equal(t, http.StatusAccepted, status)
	require.Len(t, entries, 5)
	byName := map[string]uploadEntry{}
	for _, en := range entries {
		byName[en.Name] = en
	}
	require.Equal(t, "queued", byName["manual.pdf"].Status)
	require.NotEmpty(t, byName["manual.pdf"].ID)
	require.Equal(t, "failed", byName["picture.pdf"].Status)
	require.Contains(t, byName["picture.pdf"].Error, "PNG")
	require.Equal(t, "failed", byName["huge.md"].Status)
	require.Contains(t, byName["huge.md"].Error, "limit")
	require.Equal(t, "queued", byName["guide.md"].Status)

	e.waitIdle()
	require.Equal(t, "ready", e.document(byName["manual.pdf"].ID)["status"])
	require.Equal(t, "ready", e.document(byName["guide.md"].ID)["status"])
	broken := e.document(byName["broken.pdf"].ID)
	require.Equal(t, "failed", broken["status"])
	require.NotEmpty(t, broken["error"])

	manual := e.document(byName["manual.pdf"].ID)
	require.Equal(t, float64(2), manual["pages"])
	require.Equal(t, "pdf", manual["type"])
	_, err := time.Parse(time.RFC3339, manual["created"].(string))
	require.NoError(t, err)

	// the same bytes under the same name are a duplicate
	status, entries = e.upload(file{"guide.md", []byte(guideMD)})
	require.Equal(t, http.StatusAccepted, status)
	require.True(t, entries[0].Duplicate)
	require.Equal(t, byName["guide.md"].ID, entries[0].ID)

	resp, body := e.do("GET", "/api/documents", "", "")
	require.Equal(t, 200, resp.StatusCode)
	var list struct{ Documents []map[string]any }
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Documents, 3) // manual, broken, guide; refused files are not kept
}

func TestUploadRequestErrors(t *testing.T) {
	e := newEnv(t, Config{MaxRequestBytes: 32 << 10})
	resp, body := e.do("POST", "/api/documents", "application/json", `{"files":[]}`)
	requireError(t, resp, body, http.StatusUnsupportedMediaType, "unsupported_media_type")

	mp, ct := multipartBody(t, "other", file{"a.md", []byte("# A\n\ntext")})
	resp, body = e.do("POST", "/api/documents", ct, mp.String())
	requireError(t, resp, body, http.StatusUnprocessableEntity, "invalid_field")

	mp, ct = multipartBody(t, "files", file{"big.txt", bytes.Repeat([]byte("a b c "), 20<<10)})
	resp, body = e.do("POST", "/api/documents", ct, mp.String())
	requireError(t, resp, body, http.StatusRequestEntityTooLarge, "too_large")

	resp, body = e.do("POST", "/api/documents", "multipart/form-data; boundary=xyz", "not multipart at all")
	requireError(t, resp, body, http.StatusBadRequest, "bad_request")
}

func TestUnknownIDs(t *testing.T) {
	e := newEnv(t, Config{})
	for _, p := range []string{"/api/documents/nope", "/api/documents/nope/file", "/api/documents/nope/chunks/x", "/api/documents/nope/events", "/api/nothing-here"} {
		resp, body := e.do("GET", p, "", "")
		requireError(t, resp, body, http.StatusNotFound, "not_found")
	}
	resp, body := e.do("DELETE", "/api/documents/nope", "", "")
	requireError(t, resp, body, http.StatusNotFound, "not_found")
}

func ingestFixtures(t *testing.T, e *testEnv) (pdfID, mdID string) {
	status, entries := e.upload(file{"manual.pdf", makePDF(manualPage1, manualPage2)}, file{"guide.md", []byte(guideMD)})
	require.Equal(t, http.StatusAccepted, status)
	e.waitIdle()
	return entries[0].ID, entries[1].ID
}

func TestSearchAndChunkAndFile(t *testing.T) {
	e := newEnv(t, Config{})
	pdfID, mdID := ingestFixtures(t, e)

	resp, body := e.do("POST", "/api/search", "application/json", `{"query":"which port does the proxy listen on","k":3}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var sr rag.SearchResponse
	require.NoError(t, json.Unmarshal(body, &sr))
	require.NotEmpty(t, sr.Results)
	top := sr.Results[0]
	require.Equal(t, pdfID, top.DocID)
	require.Equal(t, "manual.pdf", top.DocName)
	require.NotNil(t, top.Page)
	require.True(t, *top.Page <= 2 && *top.PageEnd >= 2, "the proxy is on page 2: got %d-%d", *top.Page, *top.PageEnd)
	require.Contains(t, top.Text, "3128")

	// the search can be limited to documents
	resp, body = e.do("POST", "/api/search", "application/json", `{"query":"proxy port","document_ids":["`+mdID+`"]}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	require.NoError(t, json.Unmarshal(body, &sr))
	for _, r := range sr.Results {
		require.Equal(t, mdID, r.DocID)
	}

	resp, body = e.do("GET", "/api/documents/"+pdfID+"/chunks/"+top.ChunkID, "", "")
	require.Equal(t, 200, resp.StatusCode, string(body))
	var cv rag.ChunkView
	require.NoError(t, json.Unmarshal(body, &cv))
	require.Equal(t, top.Text, cv.Text)
	require.Equal(t, *top.Page, *cv.Page)

	// a chunk asked for under another document is not found
	resp, body = e.do("GET", "/api/documents/"+mdID+"/chunks/"+top.ChunkID, "", "")
	requireError(t, resp, body, http.StatusNotFound, "not_found")

	resp, body = e.do("GET", "/api/documents/"+pdfID+"/file", "", "")
	require.Equal(t, 200, resp.StatusCode)
	require.Equal(t, "application/pdf", resp.Header.Get("Content-Type"))
	require.True(t, bytes.HasPrefix(body, []byte("%PDF-")))
	resp, body = e.do("GET", "/api/documents/"+pdfID+"/file", "", "", "Range", "bytes=0-4")
	require.Equal(t, http.StatusPartialContent, resp.StatusCode)
	require.Equal(t, "%PDF-", string(body))
	resp, _ = e.do("GET", "/api/documents/"+mdID+"/file", "", "")
	require.Equal(t, "text/plain; charset=utf-8", resp.Header.Get("Content-Type"))
}

func TestBadJSONRequests(t *testing.T) {
	e := newEnv(t, Config{})
	cases := []struct {
		name, path, ct, body string
		status               int
		code                 string
	}{
		{"malformed", "/api/search", "application/json", `{"query":`, 400, "bad_request"},
		{"empty body", "/api/ask", "application/json", ``, 400, "bad_request"},
		{"missing query", "/api/search", "application/json", `{"k":3}`, 422, "invalid_field"},
		{"blank question", "/api/ask", "application/json", `{"question":"   "}`, 422, "invalid_field"},
		{"k too large", "/api/search", "application/json", `{"query":"x","k":1000}`, 422, "invalid_field"},
		{"k wrong type", "/api/ask", "application/json", `{"question":"x","k":"five"}`, 422, "invalid_field"},
		{"unknown field", "/api/search", "application/json", `{"query":"x","colour":"red"}`, 422, "invalid_field"},
		{"not JSON", "/api/ask", "text/plain", `question`, 415, "unsupported_media_type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do("POST", tc.path, tc.ct, tc.body)
			requireError(t, resp, body, tc.status, tc.code)
		})
	}
}

func TestAskJSONAndSSE(t *testing.T) {
	e := newEnv(t, Config{})
	pdfID, _ := ingestFixtures(t, e)
	q := `{"question":"How many snapshots does the backup daemon keep?"}`

	resp, body := e.do("POST", "/api/ask", "application/json", q)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var ans rag.Answer
	require.NoError(t, json.Unmarshal(body, &ans))
	require.Equal(t, "extractive", ans.Provenance)
	require.Contains(t, ans.Answer, "fourteen snapshots")
	require.Contains(t, ans.Answer, "[1]")
	require.NotEmpty(t, ans.Citations)
	require.Equal(t, pdfID, ans.Citations[0].DocID)
	require.Equal(t, 1, *ans.Citations[0].Page)
	for _, c := range ans.Citations {
		require.Contains(t, ans.Answer, "["+strconv.Itoa(c.N)+"]", "citations list only cited sources")
	}

	req, _ := http.NewRequest("POST", e.ts.URL+"/api/ask", strings.NewReader(q))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	sresp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer sresp.Body.Close()
	require.Equal(t, "text/event-stream", sresp.Header.Get("Content-Type"))
	events := readEvents(t, sresp.Body)
	var streamed strings.Builder
	var done rag.Answer
	citations := 0
	for _, ev := range events {
		switch ev.name {
		case "token":
			var tok struct{ Text string }
			require.NoError(t, json.Unmarshal([]byte(ev.data), &tok))
			streamed.WriteString(tok.Text)
		case "citation":
			citations++
		case "done":
			require.NoError(t, json.Unmarshal([]byte(ev.data), &done))
		default:
			t.Fatalf("unexpected event %q", ev.name)
		}
	}
	require.Greater(t, len(events), 3, "the answer streams in pieces")
	require.Equal(t, "done", events[len(events)-1].name)
	require.Equal(t, done.Answer, streamed.String())
	require.Equal(t, len(done.Citations), citations)
	require.Equal(t, ans.Answer, done.Answer)
}

func TestAskWithNothingRelevantAbstains(t *testing.T) {
	e := newEnv(t, Config{})
	ingestFixtures(t, e)
	resp, body := e.do("POST", "/api/ask", "application/json", `{"question":"zyxxy qwopp flurb"}`)
	require.Equal(t, 200, resp.StatusCode)
	var ans rag.Answer
	require.NoError(t, json.Unmarshal(body, &ans))
	require.Empty(t, ans.Citations)
	require.Equal(t, rag.NoAnswer, ans.Answer)
}

func TestDocumentEventsAndDelete(t *testing.T) {
	e := newEnv(t, Config{})
	status, entries := e.upload(file{"guide.md", []byte(guideMD)})
	require.Equal(t, http.StatusAccepted, status)
	id := entries[0].ID

	resp, err := http.Get(e.ts.URL + "/api/documents/" + id + "/events")
	require.NoError(t, err)
	events := readEvents(t, resp.Body)
	resp.Body.Close()
	require.NotEmpty(t, events)
	var last rag.Progress
	require.NoError(t, json.Unmarshal([]byte(events[len(events)-1].data), &last))
	require.Equal(t, "ready", last.Status)
	require.Equal(t, id, last.DocID)

	r, body := e.do("DELETE", "/api/documents/"+id, "", "")
	require.Equal(t, http.StatusNoContent, r.StatusCode, string(body))
	r, body = e.do("GET", "/api/documents/"+id, "", "")
	requireError(t, r, body, http.StatusNotFound, "not_found")
	r, body = e.do("POST", "/api/search", "application/json", `{"query":"tomatoes sunlight"}`)
	require.Equal(t, 200, r.StatusCode)
	require.NotContains(t, string(body), id, "a deleted document leaves the index")
}

func TestConcurrencyLimitAnswers429(t *testing.T) {
	e := newEnv(t, Config{MaxConcurrent: 1})
	e.srv.busy <- struct{}{} // one request in flight
	resp, body := e.do("POST", "/api/search", "application/json", `{"query":"x"}`)
	requireError(t, resp, body, http.StatusTooManyRequests, "busy")
	require.NotEmpty(t, resp.Header.Get("Retry-After"))
	<-e.srv.busy
	resp, _ = e.do("POST", "/api/search", "application/json", `{"query":"x"}`)
	require.Equal(t, 200, resp.StatusCode)
}

type sseEvent struct{ name, data string }

func readEvents(t *testing.T, r io.Reader) []sseEvent {
	t.Helper()
	var out []sseEvent
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	var cur sseEvent
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" || cur.data != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, ":"):
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data += strings.TrimPrefix(line, "data: ")
		}
	}
	require.NoError(t, sc.Err())
	return out
}

func TestConversationsAPI(t *testing.T) {
	e := newEnv(t, Config{})
	ingestFixtures(t, e)
	resp, body := e.do("POST", "/api/ask", "application/json", `{"question":"How many snapshots does the backup daemon keep?"}`)
	require.Equal(t, 200, resp.StatusCode, string(body))
	var first rag.Answer
	require.NoError(t, json.Unmarshal(body, &first))
	require.NotEmpty(t, first.ConversationID)

	resp, body = e.do("POST", "/api/ask", "application/json", `{"question":"And what port does the proxy use?","conversation_id":"`+first.ConversationID+`"}`)
	require.Equal(t, 200, resp.StatusCode, string(body))

	resp, body = e.do("GET", "/api/conversations", "", "")
	require.Equal(t, 200, resp.StatusCode)
	var list struct{ Conversations []rag.Conversation }
	require.NoError(t, json.Unmarshal(body, &list))
	require.Len(t, list.Conversations, 1)
	require.Equal(t, "How many snapshots does the backup daemon keep?", list.Conversations[0].Title)

	resp, body = e.do("GET", "/api/conversations/"+first.ConversationID, "", "")
	require.Equal(t, 200, resp.StatusCode)
	var cv rag.Conversation
	require.NoError(t, json.Unmarshal(body, &cv))
	require.Len(t, cv.Turns, 2)
	require.Contains(t, cv.Turns[1].Answer.Answer, "3128")

	resp, body = e.do("POST", "/api/ask", "application/json", `{"question":"x","conversation_id":"nope"}`)
	requireError(t, resp, body, http.StatusNotFound, "not_found")
	resp, body = e.do("DELETE", "/api/conversations/"+first.ConversationID, "", "")
	require.Equal(t, http.StatusNoContent, resp.StatusCode, string(body))
	resp, body = e.do("GET", "/api/conversations/"+first.ConversationID, "", "")
	requireError(t, resp, body, http.StatusNotFound, "not_found")
}

func TestCleanName(t *testing.T) {
	cases := map[string]string{
		"report.pdf":           "report.pdf",
		"docs/guide.md":        "docs/guide.md",
		"../../etc/passwd":     "etc/passwd",
		"/abs/file.txt":        "abs/file.txt",
		`C:\Users\me\notes.md`: "C:/Users/me/notes.md",
		"a/./b/../c.md":        "a/c.md",
		"":                     "",
		"/":                    "",
	}
	for in, want := range cases {
		require.Equal(t, want, cleanName(in), in)
	}
}
