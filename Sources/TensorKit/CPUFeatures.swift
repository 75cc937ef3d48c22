import Foundation

/// What the processor can run beyond baseline x86-64 (SSE2), checked once at start-up.
public enum CPUFeatures {
    /// True when the CPU has AVX2 and FMA (read from the `flags` line of `/proc/cpuinfo`, so the
    /// kernel also saves the wide registers) and `HATNET_PORTABLE_KERNELS` is not set. The
    /// ``VectorKernelsAVX2`` kernels may only run when this holds.
    public static let hasAVX2AndFMA: Bool = {
        if ProcessInfo.processInfo.environment["HATNET_PORTABLE_KERNELS"] != nil { return false }
        #if arch(x86_64)
        guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        return flags.contains("avx2") && flags.contains("fma")
        #else
        return false
        #endif
    }()
}
