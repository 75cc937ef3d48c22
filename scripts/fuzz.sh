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

build() {
    swift build --package-path Fuzz --scratch-path "$scratch" -c release --sanitize=fuzzer --sanitize=address >&2
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
exec nice -n 10 "$(binary "$target")" "$corpus" "Fuzz/Corpus/$target" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    -artifact_prefix="$artifacts/" ${FUZZ_JOBS:+-jobs=$FUZZ_JOBS -workers=$FUZZ_JOBS} ${FUZZ_FLAGS:-}
