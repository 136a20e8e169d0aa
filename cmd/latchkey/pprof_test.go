package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPprofListensOnLoopbackOnly(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	err := startPprof(t.Context(), "0.0.0.0:0", log)
	if !errors.As(err, new(usageError)) || !strings.Contains(err.Error(), "--pprof") {
		t.Fatalf("a wildcard address: err = %v, want a usage error naming --pprof", err)
	}

	// A free loopback port, then the endpoint on it.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	ctx, cancel := context.WithCancel(t.Context())
	if err := startPprof(ctx, addr, log); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get("http://" + addr + "/debug/pprof/cmdline")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(body) == 0 {
		t.Fatalf("/debug/pprof/cmdline: %d %q", resp.StatusCode, body)
	}
	cancel()
	// Once ctx ends the listener closes.
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			break
		}
		c.Close()
		if time.Now().After(deadline) {
			t.Fatal("pprof still listening after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
