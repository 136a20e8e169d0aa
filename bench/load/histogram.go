package load

import (
	"math/bits"
	"time"
)

// subBits is the precision of a Histogram: each power of two is split into
// 2^subBits buckets, so a recorded value is off by less than 1/128 (0.8 %).
const subBits = 7

// numBuckets covers every int64: 64 powers of two, each split in 2^subBits.
const numBuckets = 64 << subBits

// Histogram counts latencies in log-linear buckets, in the manner of
// HdrHistogram: a fixed 64 KiB whatever the number of samples, so a load
// run's memory does not grow with its length. It is not safe for
// concurrent use; give each worker its own and Merge them.
type Histogram struct {
	counts [numBuckets]uint64
	n      uint64
	max    time.Duration
}

// bucket returns the index of the bucket that holds v (v >= 0).
func bucket(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	exp := bits.Len64(v) - subBits - 1 // how far v is shifted to keep subBits+1 bits
	return (exp+1)<<subBits + int(v>>uint(exp)) - 1<<subBits
}

// lowest returns the smallest value of bucket i, the value a percentile
// reports (so percentiles err low by less than the precision).
func lowest(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	exp := i>>subBits - 1
	return uint64(i&(1<<subBits-1)|1<<subBits) << uint(exp)
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucket(uint64(d))]++
	h.n++
	if d > h.max {
		h.max = d
	}
}

// Merge adds o's counts to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count returns the number of recorded latencies.
func (h *Histogram) Count() uint64 { return h.n }

// Max returns the largest recorded latency, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Percentile returns the latency below which a fraction p (0 < p <= 1) of
// the recorded ones fall; 0 when nothing was recorded.
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := uint64(p*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return min(time.Duration(lowest(i)), h.max)
		}
	}
	return h.max
}
