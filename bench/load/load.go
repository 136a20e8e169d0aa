// Package load drives a closed-loop load: a fixed number of virtual users,
// each sending its next request as soon as the previous one is answered,
// until a time or a count bound is reached. It records every latency in a
// histogram and counts failures, keeping the first few messages so that a
// run that fails says why.
package load

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// Op performs one operation of a virtual user: one request, or one whole
// flow. It returns nil on success. Its latency is measured around it.
type Op func(ctx context.Context) error

// ErrDone is returned by an Op that has nothing left to do (its supply of
// codes ran out, say): the user stops, and that call is not counted.
var ErrDone = errors.New("load: done")

// Options bound a run. Both bounds apply; the first reached ends the run.
type Options struct {
	// Concurrency is the number of virtual users.
	Concurrency int
	// Duration bounds the measured part of the run.
	Duration time.Duration
	// MaxOps bounds the number of measured operations (0: no count bound
	// other than the time bound).
	MaxOps int64
	// Warmup runs the virtual users this long before measuring, to open
	// connections and fill caches; it is not counted.
	Warmup time.Duration
	// OnStart, when set, is called when the measured part begins (after
	// the warm-up), to take readings that must cover exactly that part.
	OnStart func()
}

// Result is what a run measured.
type Result struct {
	Ops     int64
	Errors  int64
	Elapsed time.Duration
	Latency Histogram
	// FirstErrors are the messages of the first few failed operations.
	FirstErrors []string
}

// Rate returns the operations per second, errors included.
func (r *Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Ops) / r.Elapsed.Seconds()
}

// maxFirstErrors is how many failure messages a Result keeps.
const maxFirstErrors = 3

// Run runs newOp(i) for each virtual user i until a bound is reached or ctx
// ends. newOp is called once per user, before any operation starts, so a
// user may hold state (a cookie jar, a refresh token).
func Run(ctx context.Context, o Options, newOp func(vu int) Op) *Result {
	if o.Concurrency < 1 {
		o.Concurrency = 1
	}
	ops := make([]Op, o.Concurrency)
	for i := range ops {
		ops[i] = newOp(i)
	}
	if o.Warmup > 0 {
		drive(ctx, time.Now().Add(o.Warmup), ops, 0, nil)
	}
	if o.OnStart != nil {
		o.OnStart()
	}
	res := &Result{}
	start := time.Now()
	drive(ctx, start.Add(o.Duration), ops, o.MaxOps, res)
	res.Elapsed = time.Since(start)
	return res
}

// drive runs the users until the deadline passes, ctx ends or maxOps
// operations were started; with res nil nothing is recorded (warm-up).
// The deadline stops users from starting operations but does not cancel
// those in flight: a cancelled request would count as neither, and would
// make the server abandon work (PostgreSQL connections included) in a way
// real clients rarely do.
func drive(ctx context.Context, deadline time.Time, ops []Op, maxOps int64, res *Result) {
	var started atomic.Int64
	var mu sync.Mutex // guards res
	var wg sync.WaitGroup
	for _, op := range ops {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var h Histogram
			var n, failed int64
			var msgs []string
			for ctx.Err() == nil && time.Now().Before(deadline) {
				if maxOps > 0 && started.Add(1) > maxOps {
					break
				}
				t0 := time.Now()
				err := op(ctx)
				d := time.Since(t0)
				if errors.Is(err, ErrDone) {
					break
				}
				if ctx.Err() != nil && err != nil {
					break // the run was stopped: neither a success nor a failure
				}
				n++
				h.Record(d)
				if err != nil {
					failed++
					if len(msgs) < maxFirstErrors {
						msgs = append(msgs, err.Error())
					}
				}
			}
			if res == nil {
				return
			}
			mu.Lock()
			res.Ops += n
			res.Errors += failed
			res.Latency.Merge(&h)
			for _, m := range msgs {
				if len(res.FirstErrors) < maxFirstErrors {
					res.FirstErrors = append(res.FirstErrors, m)
				}
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
}
