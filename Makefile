# The two set-up commands of the README:
#   make demo   builds hatnet and runs the main job on its embedded default
#   make test   builds and runs the whole test suite (this is what CI runs); the first run also
#               installs the pinned Python environment of the interop tests (scripts/python-env.sh)
# Reliability (RELIABILITY.md):
#   make fuzz TARGET=safetensors SECONDS=60   one libFuzzer harness (scripts/fuzz.sh --list);
#   make fuzz                                 every harness for SECONDS (default 30) each
#   make sanitize                             the test suite under AddressSanitizer, and the
#                                             parallel kernels' tests under ThreadSanitizer
.PHONY: demo test deps release fuzz sanitize

deps:
	@./scripts/ensure-deps.sh

release: deps
	swift build -c release --product hatnet

demo: release
	./.build/release/hatnet demo --out demo-output
	@echo "Zoom into the test slides with their attention overlays:"
	@echo "  ./.build/release/hatnet serve demo-output    # then open http://127.0.0.1:8080/"

# The interpreter path is taken first so that a failed Python install stops here, with its message.
test: deps
	python=$$(./scripts/python-env.sh) && \
	swift build --build-tests && \
	HATNET_PYTHON="$$python" swift test --skip-build

SECONDS ?= 30
fuzz:
ifdef TARGET
	./scripts/fuzz.sh $(TARGET) $(SECONDS)
else
	@for target in $$(./scripts/fuzz.sh --list); do ./scripts/fuzz.sh $$target $(SECONDS) || exit 1; done
endif

sanitize: deps
	./scripts/sanitize.sh
