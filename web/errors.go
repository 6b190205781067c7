package web

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/quirehq/quire/rag"
	"github.com/quirehq/quire/store"
)

// APIError is the body of every error: {"error":{"code","message"}}.
type APIError struct {
	Status  int    `json:"-"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (e *APIError) Error() string { return e.Message }

func apiError(status int, code, message string) *APIError {
	return &APIError{Status: status, Code: code, Message: message}
}

// toAPIError maps any error to its status and code.
func toAPIError(err error) *APIError {
	var ae *APIError
	var he *echo.HTTPError
	switch {
	case errors.As(err, &ae):
		return ae
	case errors.Is(err, store.ErrNotFound):
		return apiError(http.StatusNotFound, "not_found", err.Error())
	case errors.Is(err, rag.ErrEmptyQuery), errors.Is(err, rag.ErrEmptyQuestion):
		return apiError(http.StatusUnprocessableEntity, "invalid_field", err.Error())
	case errors.Is(err, rag.ErrQueueFull), errors.Is(err, rag.ErrBusy):
		return apiError(http.StatusTooManyRequests, "busy", err.Error())
	case errors.Is(err, context.DeadlineExceeded):
		return apiError(http.StatusServiceUnavailable, "timeout", "the request took too long")
	case errors.As(err, &he):
		msg := http.StatusText(he.Code)
		if m, ok := he.Message.(string); ok {
			msg = m
		}
		code := map[int]string{
			http.StatusNotFound:              "not_found",
			http.StatusMethodNotAllowed:      "method_not_allowed",
			http.StatusRequestEntityTooLarge: "too_large",
			http.StatusUnsupportedMediaType:  "unsupported_media_type",
			http.StatusBadRequest:            "bad_request",
		}[he.Code]
		if code == "" {
			code = "error"
		}
		return apiError(he.Code, code, msg)
	}
	return apiError(http.StatusInternalServerError, "internal", err.Error())
}

func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	ae := toAPIError(err)
	if ae.Status == http.StatusTooManyRequests && c.Response().Header().Get("Retry-After") == "" {
		c.Response().Header().Set("Retry-After", "5")
	}
	if ae.Status >= 500 {
		s.cfg.Logger.Error("request failed", "path", c.Request().URL.Path, "err", err)
	}
	var body struct {
		Error *APIError `json:"error"`
	}
	body.Error = ae
	if c.Request().Method == http.MethodHead {
		c.NoContent(ae.Status)
		return
	}
	c.JSON(ae.Status, body)
}

func listen(addr string) (net.Listener, error) {
	return net.Listen("tcp", addr)
}
