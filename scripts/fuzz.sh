#!/usr/bin/env bash
# Builds the libFuzzer harnesses of Fuzz/ and runs one of them.
#
#   scripts/fuzz.sh TARGET [SECONDS]    fuzz TARGET (e.g. safetensors) for SECONDS (default 60)
#   scripts/fuzz.sh --seeds             regenerate every seed corpus in Fuzz/Corpus/ with our writers
#   scripts/fuzz.sh --list              list the targets
#
# The working corpus (seeds plus what libFuzzer finds) lives in .build-fuzz/corpus/TARGET; crashes,
# timeouts and out-of-memory inputs are written to .build-fuzz/artifacts/TARGET/. Environment:
# FUZZ_JOBS (parallel fuzzing processes, default 1), FUZZ_FLAGS (extra libFuzzer flags),
# FUZZ_SKIP_BUILD=1 (run the harness as last built: SwiftPM re-plans the two packages and their
# plugins on every build, minutes on a loaded machine, even when nothing changed).
set -euo pipefail
cd "$(dirname "$0")/.."

scratch=.build-fuzz
targets=(safetensors pth-zip unpickler pth-legacy geojson split-file training-config model-config vit-config feature-cache png jpeg tiff)

# SwiftPM passes `--sanitize=fuzzer --sanitize=address` to swiftc as two flags, in the order of a
# Swift Set (it changes from run to run), and swiftc 6.3 keeps only the last `-sanitize=` flag: the
# Swift code came out with coverage but no AddressSanitizer, or ASan but no coverage (libFuzzer then
# mutates blindly). The combined flag, passed last, gives every Swift module and the link both.
build() {
    swift build --package-path Fuzz --scratch-path "$scratch" -c release --sanitize=fuzzer --sanitize=address \
        -Xswiftc -sanitize=fuzzer,address >&2
}

# Refuses a harness whose Swift code has no coverage feedback or no AddressSanitizer: libFuzzer's
# `-runs=0` on the seeds must report covered edges (`cov:`), and the harness's objects ASan's checks.
check_instrumented() {
    local harness=$1 seeds=$2 log
    log=$("$harness" "$seeds" -runs=0 2>&1 || true)
    if ! grep -q "INITED cov:" <<<"$log"; then
        echo "fuzz.sh: $harness has no coverage feedback on its seeds (libFuzzer said: $(grep INITED <<<"$log")); rebuild it" >&2
        exit 1
    fi
    # The runtime is linked either way; the harness's own objects call it only when instrumented.
    local symbols
    symbols=$(nm "$scratch"/release/fuzz_"${target//-/_}".build/*.o 2>/dev/null || true)
    if ! grep -q " U __asan_" <<<"$symbols"; then
        echo "fuzz.sh: $harness is not built with AddressSanitizer; rebuild it" >&2
        exit 1
    fi
}

binary() { echo "$scratch/release/fuzz-$1"; }

case "${1:-}" in
    --list)
        printf '%s\n' "${targets[@]}"
        exit 0 ;;
    --seeds)
        build
        export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp"
        for target in "${targets[@]}"; do
            rm -rf "Fuzz/Corpus/$target"
            HATNET_FUZZ_WRITE_SEEDS="$PWD/Fuzz/Corpus/$target" "$(binary "$target")" -runs=0 >/dev/null 2>&1
            echo "Fuzz/Corpus/$target: $(ls "Fuzz/Corpus/$target" | wc -l) seeds"
        done
        exit 0 ;;
    ""|-h|--help)
        sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
        exit 1 ;;
esac

target=$1
seconds=${2:-60}
if [[ ! " ${targets[*]} " == *" $target "* ]]; then
    echo "fuzz.sh: unknown target '$target' (one of: ${targets[*]})" >&2
    exit 1
fi
[[ ${FUZZ_SKIP_BUILD:-} == 1 ]] || build
corpus="$scratch/corpus/$target"
artifacts="$scratch/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
# -rss_limit_mb: the harnesses set the parsers' memory budget to 512 MB, so any input that gets
#   past the parsers' own checks to a large allocation is reported as out-of-memory here.
# -timeout: an input that takes more than 10 s is a hang.
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
# Swift's own backtracer would catch a trap first and report it confusingly under ASan.
export SWIFT_BACKTRACE=enable=no
check_instrumented "$(binary "$target")" "Fuzz/Corpus/$target"
exec nice -n 10 "$(binary "$target")" "$corpus" "Fuzz/Corpus/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} ${FUZZ_FLAGS:-}
