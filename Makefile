# The two set-up commands of the README:
#   make demo   builds hatnet and runs the main job on its embedded default
#   make test   builds and runs the whole test suite (this is what CI runs); the first run also
#               installs the pinned Python environment of the interop tests (scripts/python-env.sh)
.PHONY: demo test deps release

deps:
	@./scripts/ensure-deps.sh

release: deps
	swift build -c release --product hatnet

demo: release
	./.build/release/hatnet demo --out demo-output

# The interpreter path is taken first so that a failed Python install stops here, with its message.
test: deps
	python=$$(./scripts/python-env.sh) && \
	swift build --build-tests && \
	HATNET_PYTHON="$$python" swift test --skip-build
