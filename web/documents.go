package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/quirehq/quire/ingest"
	"github.com/quirehq/quire/rag"
	"github.com/quirehq/quire/store"
)

// uploadEntry is one file's outcome in the upload response.
type uploadEntry struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Status    string `json:"status"`
	Duplicate bool   `json:"duplicate"`
	Error     string `json:"error,omitempty"`
}

// uploadDocuments takes multipart files in the repeated field "files". Each
// file is checked on its own: a bad one is a failed entry and its
// neighbours go on. Ingestion runs in the background.
func (s *Server) uploadDocuments(c echo.Context) error {
	req := c.Request()
	mediaType, _, _ := mime.ParseMediaType(req.Header.Get(echo.HeaderContentType))
	if mediaType != "multipart/form-data" {
		return apiError(http.StatusUnsupportedMediaType, "unsupported_media_type",
			"upload files as multipart/form-data in the field \"files\"")
	}
	req.Body = http.MaxBytesReader(c.Response(), req.Body, s.cfg.MaxRequestBytes)
	mr, err := req.MultipartReader()
	if err != nil {
		return apiError(http.StatusBadRequest, "bad_request", "malformed multipart body: "+err.Error())
	}
	entries := []uploadEntry{}
	parts := 0
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return bodyError(err)
		}
		parts++
		if part.FormName() != "files" {
			part.Close()
			continue
		}
		name := cleanName(rawFileName(part))
		entry := uploadEntry{Name: name, Status: store.StatusFailed}
		data, over, err := readPart(part, s.cfg.MaxFileBytes)
		part.Close()
		switch {
		case err != nil:
			return bodyError(err)
		case name == "":
			entry.Error = "the file has no name"
		case over:
			entry.Error = fmt.Sprintf("file is over the per-file limit of %d MB", s.cfg.MaxFileBytes>>20)
		default:
			if _, err := ingest.Sniff(data); err != nil {
				entry.Error = err.Error()
				break
			}
			doc, dup, err := s.svc.Submit(req.Context(), rag.Source{Name: name, Data: data})
			entry.ID, entry.Duplicate = doc.ID, dup
			if err != nil {
				entry.Error = err.Error()
				if doc.ID != "" {
					entry.Status = doc.Status
				}
				break
			}
			entry.Status = doc.Status
		}
		entries = append(entries, entry)
	}
	if parts == 0 {
		return apiError(http.StatusBadRequest, "bad_request", "malformed multipart body: no parts found")
	}
	if len(entries) == 0 {
		return apiError(http.StatusUnprocessableEntity, "invalid_field", "no files: send them in the repeated multipart field \"files\"")
	}
	return c.JSON(http.StatusAccepted, map[string]any{"documents": entries})
}

// readPart reads up to max bytes; over reports a larger part (its rest is
// drained so the next part can be read).
func readPart(r io.Reader, max int64) (data []byte, over bool, err error) {
	data, err = io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if int64(len(data)) > max {
		_, err = io.Copy(io.Discard, r)
		return nil, true, err
	}
	return data, false, nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return apiError(http.StatusRequestEntityTooLarge, "too_large",
			fmt.Sprintf("the request is over the limit of %d MB; send fewer files at once", mbe.Limit>>20))
	}
	return apiError(http.StatusBadRequest, "bad_request", "malformed multipart body: "+err.Error())
}

// rawFileName is the file name as the client sent it: Part.FileName keeps
// only the base name, and the CLI sends names relative to the folder it
// ingests (cleanName makes them safe).
func rawFileName(p *multipart.Part) string {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil || params["filename"] == "" {
		return p.FileName()
	}
	return params["filename"]
}

// cleanName makes an uploaded file name a document name: a relative
// slash-separated path (the CLI sends paths relative to the folder it
// ingests; browsers send base names), with "..", leading slashes and
// backslashes neutralized.
func cleanName(name string) string {
	name = strings.ReplaceAll(name, "\\", "/")
	name = strings.TrimPrefix(path.Clean("/"+name), "/")
	if name == "" || name == "." {
		return ""
	}
	return name
}

func (s *Server) listDocuments(c echo.Context) error {
	docs, err := s.svc.Documents(c.Request().Context(), "")
	if err != nil {
		return err
	}
	if docs == nil {
		docs = []store.Document{}
	}
	return c.JSON(http.StatusOK, map[string]any{"documents": docs})
}

func (s *Server) getDocument(c echo.Context) error {
	doc, err := s.svc.Document(c.Request().Context(), c.Param("id"))
	if err != nil {
		return notFound(err, "document", c.Param("id"))
	}
	return c.JSON(http.StatusOK, doc)
}

func (s *Server) deleteDocument(c echo.Context) error {
	if err := s.svc.DeleteDocument(c.Request().Context(), c.Param("id")); err != nil {
		return notFound(err, "document", c.Param("id"))
	}
	return c.NoContent(http.StatusNoContent)
}

func notFound(err error, what, id string) error {
	if errors.Is(err, store.ErrNotFound) {
		return apiError(http.StatusNotFound, "not_found", fmt.Sprintf("no %s with id %q", what, id))
	}
	return err
}

func (s *Server) getChunk(c echo.Context) error {
	v, err := s.svc.Chunk(c.Request().Context(), c.Param("id"), c.Param("chunk"))
	if err != nil {
		return notFound(err, "chunk", c.Param("chunk"))
	}
	return c.JSON(http.StatusOK, v)
}

// getFile serves the kept original; PDF viewers open it at #page=N.
func (s *Server) getFile(c echo.Context) error {
	f, doc, err := s.svc.OpenOriginal(c.Request().Context(), c.Param("id"))
	if err != nil {
		return notFound(err, "document", c.Param("id"))
	}
	defer f.Close()
	h := c.Response().Header()
	switch doc.Type {
	case "pdf":
		h.Set(echo.HeaderContentType, "application/pdf")
	default: // Markdown and text are shown as text, never rendered as HTML
		h.Set(echo.HeaderContentType, "text/plain; charset=utf-8")
	}
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(echo.HeaderContentDisposition, mime.FormatMediaType("inline", map[string]string{"filename": path.Base(doc.Name)}))
	http.ServeContent(c.Response(), c.Request(), path.Base(doc.Name), doc.Updated, f)
	return nil
}

// documentEvents streams a document's ingestion progress as SSE until it is
// ready or failed.
func (s *Server) documentEvents(c echo.Context) error {
	id := c.Param("id")
	ctx := c.Request().Context()
	ch, cancel := s.svc.Subscribe(id)
	defer cancel()
	doc, err := s.svc.Document(ctx, id)
	if err != nil {
		return notFound(err, "document", id)
	}
	sse := startSSE(c)
	final := func(status string) bool { return status == store.StatusReady || status == store.StatusFailed }
	if err := sse.event("progress", rag.Progress{DocID: id, Status: doc.Status, Error: doc.Error, Done: doc.Chunks, Total: doc.Chunks}); err != nil || final(doc.Status) {
		return nil
	}
	tick := time.NewTicker(s.cfg.KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			if sse.comment("keep-alive") != nil {
				return nil
			}
		case p, ok := <-ch:
			if !ok {
				return nil
			}
			if sse.event("progress", p) != nil || final(p.Status) {
				return nil
			}
		}
	}
}

// sseWriter writes server-sent events; safe for concurrent use (a
// keep-alive ticker writes beside the handler).
type sseWriter struct {
	mu sync.Mutex
	c  echo.Context
}

func startSSE(c echo.Context) *sseWriter {
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "text/event-stream")
	h.Set(echo.HeaderCacheControl, "no-cache")
	h.Set(echo.HeaderConnection, "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	c.Response().WriteHeader(http.StatusOK)
	c.Response().Flush()
	return &sseWriter{c: c}
}

func (w *sseWriter) event(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := fmt.Fprintf(w.c.Response(), "event: %s\ndata: %s\n\n", name, data); err != nil {
		return err
	}
	w.c.Response().Flush()
	return nil
}

func (w *sseWriter) comment(text string) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, err := fmt.Fprintf(w.c.Response(), ": %s\n\n", text); err != nil {
		return err
	}
	w.c.Response().Flush()
	return nil
}
