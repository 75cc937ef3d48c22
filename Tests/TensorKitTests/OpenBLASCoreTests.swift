import Foundation
import Testing
@testable import TensorKit

/// ``OpenBLASCore``: which kernel family replaces OpenBLAS's generic fallback, and that after the
/// first GEMM's set-up OpenBLAS no longer runs a family we would replace.
@Suite struct OpenBLASCoreTests {
    static let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func replacesOnlyTheGenericFallback() {
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCore.replacement(chosen: "prescott", flags: ["avx2", "fma", "avx512f"], environment: [:]) == "Haswell")
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: ["avx2", "sse4_2"], environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Zen", flags: Self.avx512, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Haswell", flags: Self.avx512, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
    }

    @Test func runningFamilyIsNotOneToReplace() {
        let family = BLASThreading.kernelFamily
        #expect(!family.isEmpty)
        #expect(OpenBLASCore.replacement(chosen: family, flags: CPUFeatures.processorFlags,
                                         environment: ProcessInfo.processInfo.environment) == nil,
                "OpenBLAS still runs \(family) on a CPU with \(CPUFeatures.processorFlags.filter { $0.hasPrefix("avx") }.sorted())")
    }
}
