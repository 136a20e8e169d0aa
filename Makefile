# See README.md. `make test` is the whole suite; CI runs exactly that.
.PHONY: test build run

test:
	./scripts/test

build:
	go build -o bin/latchkey ./cmd/latchkey

run:
	go run ./cmd/latchkey serve
