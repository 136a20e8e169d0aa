package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"time"
)

// startPprof serves Go's profiles (net/http/pprof) on addr, a loopback
// address, until ctx ends: `go tool pprof http://ADDR/debug/pprof/profile`
// profiles a running node under load. It has its own listener and mux, so
// none of it is reachable through the product's port.
func startPprof(ctx context.Context, addr string, log *slog.Logger) error {
	if err := checkLoopbackListen(addr); err != nil {
		return usageError{fmt.Errorf("--pprof: %w", err)}
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("--pprof: listen on %s: %w", addr, err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	// WriteTimeout must outlast the longest profile asked for.
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 5 * time.Minute}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Warn("pprof server stopped", slog.Any("err", err))
		}
	}()
	log.Info("pprof listening", slog.String("addr", ln.Addr().String()))
	return nil
}
