package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/quirehq/quire/rag"
	"github.com/quirehq/quire/store"
)

// backend is what the CLI's commands need: the service in this process
// (local), or a running `quire serve` reached over HTTP (--server), for when
// that server owns the data folder.
type backend interface {
	Search(ctx context.Context, req rag.SearchRequest) (*rag.SearchResponse, error)
	Ask(ctx context.Context, req rag.AskRequest, emit func(rag.Event) error) (*rag.Answer, error)
	Documents(ctx context.Context) ([]store.Document, error)
	DeleteDocument(ctx context.Context, id string) error
	IngestPaths(ctx context.Context, paths []string, progress func(rag.FileProgress)) []rag.IngestResult
	Close() error
}

// backend opens the service here, or a client of --server.
func (f *serviceFlags) backend(ctx context.Context, withModel bool) (backend, error) {
	if f.server != "" {
		return &remote{base: strings.TrimRight(f.server, "/"), http: &http.Client{}}, nil
	}
	svc, err := f.openWith(ctx, stderrLogger(), "", withModel)
	if err != nil {
		return nil, err
	}
	return local{svc}, nil
}

type local struct{ *rag.Service }

func (l local) Documents(ctx context.Context) ([]store.Document, error) {
	return l.Service.Documents(ctx, "")
}

func (l local) IngestPaths(ctx context.Context, paths []string, progress func(rag.FileProgress)) []rag.IngestResult {
	res := l.Service.IngestPaths(ctx, paths, progress)
	if err := l.SaveSnapshot(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "quire: warning: could not save the index snapshot (next start rebuilds it): %v\n", err)
	}
	return res
}

// remote talks to a running server's REST API.
type remote struct {
	base string
	http *http.Client
}

func (r *remote) Close() error { return nil }

// do sends a request and decodes a JSON answer into out; API errors come
// back with the server's message.
func (r *remote) do(ctx context.Context, method, path, contentType string, body io.Reader, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, r.base+path, body)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := r.http.Do(req)
	if err != nil {
		return fmt.Errorf("reach the server at %s: %w", r.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return apiErr(resp)
	}
	if out == nil {
		return nil
	}
	return json.NewDecoder(resp.Body).Decode(out)
}

func apiErr(resp *http.Response) error {
	var e struct {
		Error struct{ Code, Message string }
	}
	if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Error.Message != "" {
		if resp.StatusCode == http.StatusNotFound {
			return fmt.Errorf("%s: %w", e.Error.Message, store.ErrNotFound)
		}
		return errors.New(e.Error.Message)
	}
	return fmt.Errorf("server answered %s", resp.Status)
}

func jsonBody(v any) io.Reader {
	b, _ := json.Marshal(v)
	return bytes.NewReader(b)
}

func (r *remote) Search(ctx context.Context, req rag.SearchRequest) (*rag.SearchResponse, error) {
	var out rag.SearchResponse
	return &out, r.do(ctx, "POST", "/api/search", "application/json", jsonBody(req), &out)
}

func (r *remote) Documents(ctx context.Context) ([]store.Document, error) {
	var out struct{ Documents []store.Document }
	return out.Documents, r.do(ctx, "GET", "/api/documents", "", nil, &out)
}

func (r *remote) DeleteDocument(ctx context.Context, id string) error {
	return r.do(ctx, "DELETE", "/api/documents/"+id, "", nil, nil)
}

// Ask streams the answer over SSE.
func (r *remote) Ask(ctx context.Context, areq rag.AskRequest, emit func(rag.Event) error) (*rag.Answer, error) {
	req, err := http.NewRequestWithContext(ctx, "POST", r.base+"/api/ask", jsonBody(areq))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := r.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach the server at %s: %w", r.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, apiErr(resp)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 4<<20)
	var event, data string
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "event: "):
			event = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			data += strings.TrimPrefix(line, "data: ")
		case line == "" && event != "":
			switch event {
			case "token":
				var t struct{ Text string }
				if json.Unmarshal([]byte(data), &t) == nil && emit != nil {
					if err := emit(rag.Event{Type: "token", Text: t.Text}); err != nil {
						return nil, err
					}
				}
			case "done":
				var ans rag.Answer
				if err := json.Unmarshal([]byte(data), &ans); err != nil {
					return nil, err
				}
				return &ans, nil
			case "error":
				var e struct{ Message string }
				json.Unmarshal([]byte(data), &e)
				return nil, errors.New(e.Message)
			}
			event, data = "", ""
		}
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return nil, errors.New("the server closed the stream before the answer was done")
}

// IngestPaths uploads each file under its document name and waits until
// the server has ingested it.
func (r *remote) IngestPaths(ctx context.Context, paths []string, progress func(rag.FileProgress)) []rag.IngestResult {
	return rag.ForEachFile(ctx, rag.CollectFiles(paths), 2, progress, func(f rag.File) rag.IngestResult {
		res := rag.IngestResult{Name: f.Name}
		data, err := os.ReadFile(f.Path)
		if err != nil {
			res.Err = err
			return res
		}
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		part, _ := mw.CreateFormFile("files", f.Name)
		part.Write(data)
		mw.Close()
		var up struct {
			Documents []struct {
				ID, Status, Error string
				Duplicate         bool
			}
		}
		if res.Err = r.do(ctx, "POST", "/api/documents", mw.FormDataContentType(), &buf, &up); res.Err != nil {
			return res
		}
		if len(up.Documents) != 1 {
			res.Err = errors.New("the server answered no entry for the file")
			return res
		}
		e := up.Documents[0]
		res.Duplicate = e.Duplicate
		if e.Status == store.StatusFailed {
			res.Err = errors.New(e.Error)
			return res
		}
		for {
			if res.Err = r.do(ctx, "GET", "/api/documents/"+e.ID, "", nil, &res.Doc); res.Err != nil {
				return res
			}
			switch res.Doc.Status {
			case store.StatusReady:
				return res
			case store.StatusFailed:
				res.Err = errors.New(res.Doc.Error)
				return res
			}
			select {
			case <-ctx.Done():
				res.Err = ctx.Err()
				return res
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}
