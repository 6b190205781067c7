// Package web serves Quire over HTTP: the REST API under /api, health
// checks, and the embedded web UI, all on the same rag.Service the CLI uses.
package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/quirehq/quire/rag"
)

// Config holds the server's limits. Zero values get defaults.
type Config struct {
	MaxFileBytes    int64         // per uploaded file, default 100 MB
	MaxRequestBytes int64         // per upload request, default 1 GB
	MaxConcurrent   int           // questions and searches at once, default 8
	RequestTimeout  time.Duration // non-streaming requests, default 60 s
	AskTimeout      time.Duration // one answer, streamed or not, default 5 min
	KeepAlive       time.Duration // SSE comment interval, default 15 s
	Logger          *slog.Logger
}

func (c *Config) defaults() {
	if c.MaxFileBytes <= 0 {
		c.MaxFileBytes = 100 << 20
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = 1 << 30
	}
	if c.MaxConcurrent <= 0 {
		c.MaxConcurrent = 8
	}
	if c.RequestTimeout <= 0 {
		c.RequestTimeout = 60 * time.Second
	}
	if c.AskTimeout <= 0 {
		c.AskTimeout = 5 * time.Minute
	}
	if c.KeepAlive <= 0 {
		c.KeepAlive = 15 * time.Second
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
}

// Server is the HTTP front of a rag.Service.
type Server struct {
	svc  *rag.Service
	cfg  Config
	echo *echo.Echo
	busy chan struct{} // semaphore for questions and searches
}

// New builds the server and its routes.
func New(svc *rag.Service, cfg Config) *Server {
	cfg.defaults()
	s := &Server{svc: svc, cfg: cfg, echo: echo.New(), busy: make(chan struct{}, cfg.MaxConcurrent)}
	e := s.echo
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	e.Use(middleware.Recover())
	e.Use(middleware.RequestID())
	e.Use(s.logRequests)

	e.GET("/healthz", func(c echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"status": "ok"}) })
	e.GET("/readyz", s.ready)

	api := e.Group("/api")
	api.GET("/openapi.json", serveOpenAPI)
	api.GET("/info", s.info)
	api.POST("/documents", s.uploadDocuments)
	api.GET("/documents", s.listDocuments, s.timeout)
	api.GET("/documents/:id", s.getDocument, s.timeout)
	api.DELETE("/documents/:id", s.deleteDocument, s.timeout)
	api.GET("/documents/:id/events", s.documentEvents)
	api.GET("/documents/:id/chunks/:chunk", s.getChunk, s.timeout)
	api.GET("/documents/:id/file", s.getFile)
	api.POST("/search", s.search, s.timeout, s.limit)
	api.POST("/ask", s.ask, s.limit)
	api.GET("/conversations", s.listConversations, s.timeout)
	api.GET("/conversations/:id", s.getConversation, s.timeout)
	api.DELETE("/conversations/:id", s.deleteConversation, s.timeout)

	v1 := e.Group("/v1")
	v1.GET("/models", s.openaiModels)
	v1.POST("/chat/completions", s.openaiChat, s.limit)
	v1.POST("/completions", s.openaiCompletions, s.limit)
	v1.POST("/embeddings", s.openaiEmbeddings, s.timeout, s.limit)

	registerUI(e)
	return s
}

// Handler returns the server as an http.Handler (tests use httptest).
func (s *Server) Handler() http.Handler { return s.echo }

// ListenAndServe serves on addr until ctx ends, then shuts down gracefully:
// in-flight requests get shutdownGrace to finish.
func (s *Server) ListenAndServe(ctx context.Context, addr string, ready func(addr string)) error {
	srv := &http.Server{
		Addr:              addr,
		Handler:           s.echo,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		// No ReadTimeout or WriteTimeout: they would cut large uploads and
		// SSE streams. Handlers bound their own time (s.timeout, AskTimeout).
	}
	ln, err := listen(addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(ln.Addr().String())
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(shutdownCtx)
	if errors.Is(err, context.DeadlineExceeded) {
		srv.Close()
	}
	return nil
}

const shutdownGrace = 20 * time.Second

// info tells the UI and clients what answers look like here.
func (s *Server) info(c echo.Context) error {
	out := map[string]any{"model": nil, "embedder": s.svc.Embedder().ID(), "answers": rag.ProvenanceExtractive}
	if g := s.svc.Generator(); g != nil {
		out["model"] = g.Name()
		out["context"] = g.ContextSize()
		out["answers"] = rag.ProvenanceGenerated
	}
	return c.JSON(http.StatusOK, out)
}

func (s *Server) ready(c echo.Context) error {
	if _, err := s.svc.Documents(c.Request().Context(), ""); err != nil {
		return apiError(http.StatusServiceUnavailable, "not_ready", "the catalog cannot be read: "+err.Error())
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}

// timeout bounds a non-streaming handler's time.
func (s *Server) timeout(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx, cancel := context.WithTimeout(c.Request().Context(), s.cfg.RequestTimeout)
		defer cancel()
		c.SetRequest(c.Request().WithContext(ctx))
		return next(c)
	}
}

// limit admits at most MaxConcurrent questions and searches; the rest get
// 429 with Retry-After.
func (s *Server) limit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		select {
		case s.busy <- struct{}{}:
			defer func() { <-s.busy }()
			return next(c)
		default:
			c.Response().Header().Set("Retry-After", strconv.Itoa(2))
			return apiError(http.StatusTooManyRequests, "busy", "too many requests at once; retry in a few seconds")
		}
	}
}

func (s *Server) logRequests(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		err := next(c)
		if err != nil {
			c.Error(err)
		}
		s.cfg.Logger.Info("request",
			"method", c.Request().Method, "path", c.Request().URL.Path,
			"status", c.Response().Status, "ms", time.Since(start).Milliseconds(),
			"id", c.Response().Header().Get(echo.HeaderXRequestID))
		return nil
	}
}
