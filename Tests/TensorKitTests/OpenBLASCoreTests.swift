import Foundation
import Testing
@testable import TensorKit

/// ``OpenBLASCore``: which kernel family replaces OpenBLAS's generic fallback, and that after the
/// first GEMM's set-up OpenBLAS no longer runs a family we would replace.
@Suite struct OpenBLASCoreTests {
    static let avx512: Set<String> = ["avx2", "fma", "avx512f", "avx512cd", "avx512bw", "avx512dq", "avx512vl"]

    @Test func liftsOnlyAFamilyBelowWhatTheFlagsAllow() {
        let avx2: Set<String> = ["avx2", "fma", "sse4_2"]
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCore.replacement(chosen: "prescott", flags: ["avx2", "fma", "avx512f"], environment: [:]) == "Haswell")
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: ["avx2", "sse4_2"], environment: [:]) == nil)
        // AMD's AVX-512 CPUs (Zen 4, Zen 5), which OpenBLAS 0.3.21 runs on its AVX2 kernels.
        #expect(OpenBLASCore.replacement(chosen: "Zen", flags: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCore.replacement(chosen: "Haswell", flags: Self.avx512, environment: [:]) == "SkylakeX")
        #expect(OpenBLASCore.replacement(chosen: "Sandybridge", flags: avx2, environment: [:]) == "Haswell")
        // Kept: what the flags allow at best, a family we do not know, anything the user asked for.
        #expect(OpenBLASCore.replacement(chosen: "Zen", flags: avx2, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Haswell", flags: avx2, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "SkylakeX", flags: Self.avx512, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Cooperlake", flags: Self.avx512, environment: [:]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Prescott", flags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Prescott"]) == nil)
        #expect(OpenBLASCore.replacement(chosen: "Haswell", flags: Self.avx512, environment: ["OPENBLAS_CORETYPE": "Haswell"]) == nil)
    }

    @Test func runningFamilyIsNotOneToReplace() {
        let family = BLASThreading.kernelFamily
        #expect(!family.isEmpty)
        #expect(OpenBLASCore.replacement(chosen: family, flags: CPUFeatures.processorFlags,
                                         environment: ProcessInfo.processInfo.environment) == nil,
                "OpenBLAS still runs \(family) on a CPU with \(CPUFeatures.processorFlags.filter { $0.hasPrefix("avx") }.sorted())")
    }
}
