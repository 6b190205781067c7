package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/quirehq/quire/rag"
)

// decodeJSON reads a JSON body into v: 415 for another content type, 400
// for malformed JSON, 413 over 1 MB.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return apiError(http.StatusUnsupportedMediaType, "unsupported_media_type", "send a JSON body with Content-Type: application/json")
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, 1<<20)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var mbe *http.MaxBytesError
		var ute *json.UnmarshalTypeError
		switch {
		case errors.As(err, &mbe):
			return apiError(http.StatusRequestEntityTooLarge, "too_large", "the JSON body is over 1 MB")
		case errors.As(err, &ute):
			return apiError(http.StatusUnprocessableEntity, "invalid_field", fmt.Sprintf("field %q must be a %s", ute.Field, ute.Type))
		case errors.Is(err, io.EOF):
			return apiError(http.StatusBadRequest, "bad_request", "the request body is empty; send JSON")
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return apiError(http.StatusUnprocessableEntity, "invalid_field", err.Error())
		}
		return apiError(http.StatusBadRequest, "bad_request", "malformed JSON: "+err.Error())
	}
	return nil
}

func checkK(k int) error {
	if k < 0 || k > rag.MaxK {
		return apiError(http.StatusUnprocessableEntity, "invalid_field", fmt.Sprintf("k must be between 1 and %d", rag.MaxK))
	}
	return nil
}

func (s *Server) search(c echo.Context) error {
	var req rag.SearchRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Query) == "" {
		return apiError(http.StatusUnprocessableEntity, "invalid_field", "query is required")
	}
	if err := checkK(req.K); err != nil {
		return err
	}
	resp, err := s.svc.Search(c.Request().Context(), req)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, resp)
}

// ask answers a question, as JSON or, with Accept: text/event-stream, as
// SSE: token, citation, done (the whole answer) or error events.
func (s *Server) ask(c echo.Context) error {
	var req rag.AskRequest
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if strings.TrimSpace(req.Question) == "" {
		return apiError(http.StatusUnprocessableEntity, "invalid_field", "question is required")
	}
	if err := checkK(req.K); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.AskTimeout)
	defer cancel()
	if !strings.Contains(c.Request().Header.Get(echo.HeaderAccept), "text/event-stream") {
		ans, err := s.svc.Ask(ctx, req, nil)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, ans)
	}

	sse := startSSE(c)
	done := make(chan struct{})
	defer close(done)
	go func() {
		t := time.NewTicker(s.cfg.KeepAlive)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-t.C:
				if sse.comment("keep-alive") != nil {
					cancel()
					return
				}
			}
		}
	}()
	_, err := s.svc.Ask(ctx, req, func(ev rag.Event) error {
		switch ev.Type {
		case "token":
			return sse.event("token", map[string]string{"text": ev.Text})
		case "citation":
			return sse.event("citation", ev.Citation)
		case "done":
			return sse.event("done", ev.Answer)
		}
		return nil
	})
	if err != nil && ctx.Err() == nil {
		ae := toAPIError(err)
		sse.event("error", map[string]string{"code": ae.Code, "message": ae.Message})
	}
	return nil
}
