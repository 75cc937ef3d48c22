import Foundation

/// What the processor can run beyond baseline x86-64 (SSE2), checked once at start-up.
public enum CPUFeatures {
    /// True when the CPU has AVX2 and FMA (read from the `flags` line of `/proc/cpuinfo`, so the
    /// kernel also saves the wide registers) and `HATNET_PORTABLE_KERNELS` is not set. The
    /// ``VectorKernelsAVX2`` kernels may only run when this holds.
    public static let hasAVX2AndFMA: Bool = {
        if ProcessInfo.processInfo.environment["HATNET_PORTABLE_KERNELS"] != nil { return false }
        return processorFlags.contains("avx2") && processorFlags.contains("fma")
    }()

    /// True when the CPU also has AVX512F (the kernel saves the 512-bit registers when it lists the
    /// flag), ``hasAVX2AndFMA`` holds and `HATNET_NO_AVX512` is not set. The ``VectorKernelsAVX512``
    /// kernels may only run when this holds; they give the same bits as their AVX2 twins, so the
    /// variable only chooses speed (and lets a benchmark compare the two).
    public static let hasAVX512F: Bool = {
        guard hasAVX2AndFMA, ProcessInfo.processInfo.environment["HATNET_NO_AVX512"] == nil else { return false }
        return processorFlags.contains("avx512f")
    }()

    /// The `flags` line of `/proc/cpuinfo` (extensions the CPU has and the kernel enables); empty
    /// off x86-64 or when it cannot be read.
    static let processorFlags: Set<String> = {
        #if arch(x86_64)
        guard let cpuInfo = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = cpuInfo.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return [] }
        return Set(flagsLine.split(separator: " ").map(String.init))
        #else
        return []
        #endif
    }()

    /// The L2 cache of one core in bytes (`/sys/devices/system/cpu/cpu0/cache/index2/size`, e.g.
    /// "512K"), clamped to 128 KB … 8 MB; 512 KB (Zen 3) when it cannot be read. The fused
    /// inverted-residual blocks size their bands from it.
    public static let level2CacheBytes: Int = {
        let fallback = 512 << 10
        guard let text = try? String(contentsOfFile: "/sys/devices/system/cpu/cpu0/cache/index2/size", encoding: .utf8) else {
            return fallback
        }
        return parseCacheSize(text) ?? fallback
    }()

    /// "512K", "1M", "1048576" → bytes clamped to 128 KB … 8 MB; `nil` when unreadable.
    static func parseCacheSize(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var digits = Substring(trimmed), multiplier = 1
        if let unit = trimmed.last, !unit.isNumber {
            digits = trimmed.dropLast()
            switch unit {
            case "K", "k": multiplier = 1 << 10
            case "M", "m": multiplier = 1 << 20
            default: return nil
            }
        }
        guard let value = Int(digits), value > 0, value <= (1 << 30) else { return nil }
        return min(max(value * multiplier, 128 << 10), 8 << 20)
    }
}
