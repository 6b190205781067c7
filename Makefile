# Quire: the two commands a newcomer needs are `make run` and `make test`.

GO        ?= go
DATA_DIR  ?= ./data
# Packages where goroutines meet: tested with the race detector.
RACE_PKGS := ./store/... ./retrieval/... ./rag/... ./web/... ./ingest/... ./citations/...
# The engine: plain tests (its golden comparisons are slow under -race);
# its worker pool's tests also run under -race.
PLAIN_PKGS := ./llm/... ./cmd/...

.PHONY: run build test test-deps vet bench clean

run:
	$(GO) run ./cmd/quire serve --data-dir $(DATA_DIR)

build:
	$(GO) build -o bin/quire ./cmd/quire

# test installs (as root, with apt) or checks what the tests need, then runs
# every test. Nothing is skipped: a missing tool fails the run.
test: test-deps vet
	$(GO) test -race -count=1 -timeout 20m $(RACE_PKGS)
	$(GO) test -race -count=1 -timeout 20m -run 'Pool|Thread|ParallelAttention|DroppedState' ./llm/llama/
	$(GO) test -count=1 -timeout 20m $(PLAIN_PKGS)

# Debian packages the tests use: pdftotext (PDF recall and the retrieval
# baseline) and chromium (the web UI test); and the official openai npm
# client (pinned in web/openai-client) that checks the OpenAI-compatible API.
TEST_DEBS := poppler-utils:pdftotext chromium:chromium

test-deps:
	@missing=""; for pair in $(TEST_DEBS); do pkg=$${pair%%:*}; bin=$${pair##*:}; \
	  command -v $$bin >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else echo "the tests need Debian packages:$$missing (sudo apt-get install$$missing)"; exit 1; fi; \
	fi
	@command -v node >/dev/null || { echo "the tests need Node.js 20 and npm (the openai client check)"; exit 1; }
	@test -d web/openai-client/node_modules/openai || npm ci --prefix web/openai-client --no-audit --no-fund --silent

vet:
	@test -z "$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go'))" || { echo "gofmt needed on:"; gofmt -l .; exit 1; }
	$(GO) vet ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./retrieval/... ./ingest/... ./llm/...

clean:
	rm -rf bin
