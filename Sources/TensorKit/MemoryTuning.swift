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
