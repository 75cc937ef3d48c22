# The two set-up commands of the README:
#   make demo   builds hatnet and runs the main job on its embedded default
#   make test   builds and runs the whole test suite (this is what CI runs)
.PHONY: demo test deps release

deps:
	@./scripts/ensure-deps.sh

release: deps
	swift build -c release --product hatnet

demo: release
	./.build/release/hatnet demo --out demo-output

test: deps
	swift build --build-tests
	swift test --skip-build
