#if canImport(CAllocator)
import CAllocator
#endif

/// Process-wide allocator settings for large tensors.
public enum MemoryTuning {
    /// Keeps freed tensor buffers in the heap for reuse instead of returning them to the kernel.
    ///
    /// glibc serves blocks above its mmap threshold (at most 32 MB) with fresh `mmap`s, so every
    /// new attention-score tensor (92 MB for 2401 words and 4 heads) would pay a page fault per
    /// 4 KB page. Raising the mmap and trim thresholds lets such buffers be recycled. Call once at
    /// start-up; harmless elsewhere.
    public static func retainFreedBuffers() {
        #if canImport(CAllocator)
        _ = mallopt(M_MMAP_THRESHOLD, 1 << 30)
        _ = mallopt(M_TRIM_THRESHOLD, Int32.max)
        #endif
    }
}

/// Process-wide settings for throughput on a multi-core server (the CLI applies them at start-up).
public enum RuntimeTuning {
    /// Retains freed tensor buffers (``MemoryTuning/retainFreedBuffers()``) and lets large GEMMs be
    /// split over our own threads with single-threaded OpenBLAS
    /// (``BLASThreading/useRowSplitting(_:)``): OpenBLAS's pool threads otherwise spin between
    /// calls and take the core our element-wise loops and attention heads need (measured: a HATNet
    /// training step 0.57 s → 0.49 s on 2 cores).
    public static func applyThroughputDefaults() {
        MemoryTuning.retainFreedBuffers()
        BLASThreading.useRowSplitting(true)
    }
}
