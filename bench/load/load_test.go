package load

import (
	"context"
	"errors"
	"math/rand/v2"
	"sort"
	"testing"
	"time"
)

func TestHistogramPercentiles(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var h Histogram
	var all []time.Duration
	for range 100_000 {
		d := time.Duration(rng.ExpFloat64() * float64(300*time.Microsecond))
		h.Record(d)
		all = append(all, d)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	for _, p := range []float64{0.5, 0.9, 0.99, 0.999} {
		want := all[int(p*float64(len(all)))-1]
		got := h.Percentile(p)
		if diff := float64(want-got) / float64(want); diff < -0.01 || diff > 0.01 {
			t.Errorf("p%v = %v, want %v within 1%%", p*100, got, want)
		}
	}
	if h.Max() != all[len(all)-1] {
		t.Errorf("max = %v, want %v", h.Max(), all[len(all)-1])
	}
}

func TestBucketsAreContiguous(t *testing.T) {
	prev := -1
	for v := uint64(0); v < 1<<20; v++ {
		b := bucket(v)
		if b != prev && b != prev+1 {
			t.Fatalf("bucket(%d) = %d after %d", v, b, prev)
		}
		if lowest(b) > v {
			t.Fatalf("lowest(bucket(%d)) = %d", v, lowest(b))
		}
		prev = b
	}
}

func TestRunStopsAtTheCountBound(t *testing.T) {
	res := Run(context.Background(), Options{Concurrency: 4, Duration: 10 * time.Second, MaxOps: 1000},
		func(int) Op { return func(context.Context) error { return nil } })
	if res.Ops != 1000 || res.Errors != 0 || res.Latency.Count() != 1000 {
		t.Fatalf("ops %d, errors %d, recorded %d; want 1000, 0, 1000", res.Ops, res.Errors, res.Latency.Count())
	}
}

func TestRunCountsErrorsAndStopsOnDone(t *testing.T) {
	res := Run(context.Background(), Options{Concurrency: 2, Duration: 10 * time.Second},
		func(int) Op {
			n := 0
			return func(context.Context) error {
				n++
				switch {
				case n > 10:
					return ErrDone
				case n%2 == 0:
					return errors.New("boom")
				}
				return nil
			}
		})
	if res.Ops != 20 || res.Errors != 10 || len(res.FirstErrors) != maxFirstErrors {
		t.Fatalf("ops %d, errors %d, messages %d; want 20, 10, %d", res.Ops, res.Errors, len(res.FirstErrors), maxFirstErrors)
	}
}
