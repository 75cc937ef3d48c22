#!/usr/bin/env bash
# The test suite under the sanitizers (RELIABILITY.md records the results):
#   1. every test under AddressSanitizer (heap/stack overflows, use-after-free, leaks of C memory);
#   2. the parallel kernels' tests under ThreadSanitizer: ParallelLoop paths, the row-split GEMM,
#      the fused attention and linear kernels, data-parallel encoding.
# Each build has its own scratch path, so the ordinary .build is left alone.
#
#   scripts/sanitize.sh            both
#   scripts/sanitize.sh address    only AddressSanitizer
#   scripts/sanitize.sh thread     only ThreadSanitizer
set -euo pipefail
cd "$(dirname "$0")/.."

which=${1:-all}
threadSuites='ParallelPathTests|RowSplitGEMMTests|FusedAttentionTests|FusedLinearTests|EncoderBatchingTests'

if [[ $which == all || $which == address ]]; then
    # LeakSanitizer is on; scripts/lsan.supp lists the leaks of Foundation and XCTest (not ours).
    swift build --build-tests --sanitize=address --scratch-path .build-asan
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} LSAN_OPTIONS=suppressions=$PWD/scripts/lsan.supp \
        swift test --skip-build --sanitize=address --scratch-path .build-asan
fi
if [[ $which == all || $which == thread ]]; then
    swift build --build-tests --sanitize=thread --scratch-path .build-tsan
    TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:suppressions=$PWD/scripts/tsan.supp} \
        swift test --skip-build --sanitize=thread --scratch-path .build-tsan --filter "$threadSuites"
fi
