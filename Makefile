# fabricpress — run `make help` for the targets.
SHELL := /bin/bash
export PATH := $(PATH):/usr/local/go/bin
GO ?= go
FONTS_MANIFEST ?= testdata/corpus/fonts.json
# Debian packages that hold every file the font manifest names, and the
# PDF tools the PDF tests rasterise and inspect with.
FONT_PACKAGES ?= fonts-liberation fonts-dejavu-core fonts-open-sans fonts-roboto-unhinted fonts-lato
PACKAGES ?= $(FONT_PACKAGES) poppler-utils chromium
TOOLS ?= pdftoppm pdftotext pdffonts pdfinfo chromium
OUT ?= out

.PHONY: help test run build deps fonts vet fmt bench golden fuzz clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

test: deps ## go vet and the race-enabled tests (what CI runs)
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...
	@# Under -race the biggest runner tests render stand-in pieces to stay
	@# fast; run them again without it so they render real ones.
	$(GO) test -count=1 -run 'TestRunner|TestCrash' ./batch

run: deps ## start the service (bbolt in ./data, outputs in ./batch-output) with the sample template stored; prints its URL
	$(GO) run ./cmd/fabricpress serve -fonts $(FONTS_MANIFEST) -assets testdata/sample \
		-sample-template testdata/sample/postcard-9x6.json -sample-width 864 -sample-height 576

render-sample: deps ## render the sample 9x6 postcard to out/postcard-9x6.png and print its path
	@mkdir -p $(OUT)
	@$(GO) run ./cmd/fabricpress render \
		-template testdata/sample/postcard-9x6.json -width 864 -height 576 \
		-data testdata/sample/postcard-9x6.data.json -mapping testdata/sample/postcard-9x6.mapping.json \
		-fonts $(FONTS_MANIFEST) -o $(OUT)/postcard-9x6.png
	@echo $(OUT)/postcard-9x6.png

build: ## build bin/fabricpress
	$(GO) build -o bin/fabricpress ./cmd/fabricpress

deps: ## install what the tests need: the manifest's fonts, poppler-utils and chromium (apt-get as root)
	@missing=$$(sed -n 's/.*"file": *"\([^"]*\)".*/\1/p' $(FONTS_MANIFEST) | sort -u | while read -r f; do [ -f "$$f" ] || echo "$$f"; done); \
	for c in $(TOOLS); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing: $(PACKAGES)"; \
			{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(PACKAGES); } >/dev/null || exit 1; \
		else \
			echo "missing (install: apt-get install $(PACKAGES)):"; echo "$$missing"; exit 1; \
		fi; \
		missing=$$(sed -n 's/.*"file": *"\([^"]*\)".*/\1/p' $(FONTS_MANIFEST) | sort -u | while read -r f; do [ -f "$$f" ] || echo "$$f"; done); \
		for c in $(TOOLS); do command -v $$c >/dev/null || missing="$$missing $$c"; done; \
		if [ -n "$$missing" ]; then echo "still missing after install:"; echo "$$missing"; exit 1; fi; \
	fi

fonts: deps ## (alias of deps)

vet: ## go vet
	$(GO) vet ./...

fmt: ## gofmt every file
	gofmt -w $$(git ls-files '*.go')

# make bench: recipients per timed CLI run, its modes and workers (default:
# every CPU), the browser baseline's recipient count (0 skips it) and extra
# benchbatch flags. The baseline runs the reference tool from a writable
# copy (the shared one is read-only), installed with npm ci on first use.
BENCH_N ?= 1000,10000
BENCH_MODES ?= png300,pdfmerged
BENCH_WORKERS ?=
BENCH_BROWSER ?= 50
BENCH_FLAGS ?=
FABRIC_REF ?= ../shared/tools/fabric-ref
FABRIC_REF_COPY ?= .cache/fabric-ref
SHARED_CORPUS ?= ../shared/corpus
# the packages among these that have Go benchmarks
BENCH_PKGS = $(foreach p,fabric render pdf batch internal/pngenc,$(if $(shell grep -ls '^func Benchmark' $(p)/*_test.go),./$(p)))

bench: deps ## benchmarks: Go benchmarks, then the CLI timed on BENCH_N recipients beside the browser baseline
	$(GO) test -run '^$$' -bench . -benchmem $(BENCH_PKGS)
	$(GO) build -o bin/fabricpress ./cmd/fabricpress
	@browser=; \
	if [ "$(BENCH_BROWSER)" != 0 ]; then \
		if command -v node >/dev/null && command -v npm >/dev/null; then \
			if [ ! -d "$(FABRIC_REF_COPY)/node_modules" ]; then \
				mkdir -p "$(FABRIC_REF_COPY)" && cp -R "$(FABRIC_REF)/." "$(FABRIC_REF_COPY)/" && chmod -R u+w "$(FABRIC_REF_COPY)" && \
				(cd "$(FABRIC_REF_COPY)" && npm ci --omit=optional --no-audit --no-fund >/dev/null) || exit 1; \
			fi; \
			browser="-browser $(FABRIC_REF_COPY)/bench.mjs -browser-n $(BENCH_BROWSER)"; \
		else \
			echo "bench: browser baseline skipped: needs node and npm"; \
		fi; \
	fi; \
	set -x; $(GO) run ./internal/benchbatch -bin bin/fabricpress -n $(BENCH_N) -modes $(BENCH_MODES) \
		$(if $(BENCH_WORKERS),-workers $(BENCH_WORKERS)) -corpus $(SHARED_CORPUS) $$browser $(BENCH_FLAGS)

golden: deps ## rewrite our own regression goldens (never the Fabric.js references)
	$(GO) test ./render -run Golden -update

fuzz: ## fuzz the parser for a minute
	$(GO) test ./fabric -run '^$$' -fuzz '^FuzzParse$$' -fuzztime 60s

clean: ## remove build output
	rm -rf bin $(OUT)

.PHONY: batch-sample
batch-sample: fonts ## render the 500-recipient sample batch to out/postcard-batch.zip
	@mkdir -p $(OUT)
	$(GO) run ./cmd/fabricpress batch \
		-template testdata/sample/postcard-9x6.json -width 864 -height 576 -scale 1 \
		-csv testdata/sample/recipients.csv -mapping testdata/sample/postcard-9x6.mapping.json \
		-fonts $(FONTS_MANIFEST) -o $(OUT)/postcard-batch.zip
