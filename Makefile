# See README.md. `make test` is the whole suite; CI runs exactly that.
.PHONY: test build run bench

test:
	./scripts/test

build:
	go build -o bin/latchkey ./cmd/latchkey

run:
	go run ./cmd/latchkey serve

# The load benchmark (BENCHMARKS.md): starts Latchkey, the dev-idp and a bare
# net/http ceiling on loopback, measures SQLite and PostgreSQL, and writes
# bench/results/. BENCH_QUICK=1 makes it short; BENCH_FLAGS passes flags.
bench:
	go run ./bench/cmd/loadgen $(if $(filter-out 0,$(BENCH_QUICK)),-quick) $(BENCH_FLAGS)
