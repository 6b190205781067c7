package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/quirehq/quire/web"
)

func init() {
	register("serve", "serve the web UI and the REST API", cmdServe)
}

func cmdServe(args []string) int {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	var sf serviceFlags
	sf.register(fs)
	addr := fs.String("addr", env("QUIRE_ADDR", "127.0.0.1:8080"), "listen address (env QUIRE_ADDR); loopback by default: there is no authentication yet")
	maxFile := fs.Int64("max-file-mb", int64(envInt("QUIRE_MAX_FILE_MB", 100)), "per-file upload limit in MB (env QUIRE_MAX_FILE_MB)")
	maxReq := fs.Int64("max-request-mb", int64(envInt("QUIRE_MAX_REQUEST_MB", 1024)), "per-request upload limit in MB (env QUIRE_MAX_REQUEST_MB)")
	maxConc := fs.Int("max-concurrent", envInt("QUIRE_MAX_CONCURRENT", 8), "questions and searches served at once (env QUIRE_MAX_CONCURRENT)")
	verbose := fs.Bool("v", false, "log every request")
	if code, ok := parse(fs, args); !ok {
		return code
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	svc, err := sf.openWith(ctx, logger, "", true)
	if err != nil {
		return fail("%v", err)
	}
	srv := web.New(svc, web.Config{
		MaxFileBytes:    *maxFile << 20,
		MaxRequestBytes: *maxReq << 20,
		MaxConcurrent:   *maxConc,
		Logger:          logger,
	})
	err = srv.ListenAndServe(ctx, *addr, func(bound string) {
		if err := svc.SetAddr("http://" + bound); err != nil {
			logger.Warn("could not record the address in the data folder's lock", "err", err)
		}
		fmt.Fprintf(os.Stderr, "Quire is serving http://%s (data in %s). Press Ctrl+C to stop.\n", bound, sf.dataDir)
	})
	fmt.Fprintln(os.Stderr, "stopping: finishing in-flight ingestion (the rest resumes at the next start)")
	closed := make(chan error, 1)
	go func() { closed <- svc.Close() }()
	select {
	case cerr := <-closed:
		if cerr != nil {
			logger.Error("close", "err", cerr)
		}
	case <-time.After(2 * time.Minute):
		logger.Error("ingestion did not finish in 2 minutes; it resumes at the next start")
	}
	if err != nil {
		return fail("%v", err)
	}
	return 0
}
