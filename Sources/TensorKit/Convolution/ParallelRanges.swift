import CBLAS
import Foundation

/// How the convolution kit uses the cores.
///
/// Two modes, never mixed, so that threads do not fight over the same cores:
/// - **layer-parallel** (default): OpenBLAS threads each GEMM itself and the kit's own loops
///   (depthwise, epilogues, pooling) split their rows over the cores with ``run(count:costPerItem:_:)``;
/// - **data-parallel** (``runDataParallel(workerCount:_:)``): each core runs a whole network on
///   its own images; OpenBLAS is limited to one thread and the kit's loops run serially inside
///   each worker. No synchronisation per layer, and each worker's activations stay in its own
///   cache — the faster mode whenever there are at least as many images as cores.
public enum ParallelRanges {
    /// Cores available to the process.
    public static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Splits `0..<count` into one contiguous chunk per core and runs `body` on the chunks in
    /// parallel — serially when the work is small or when already inside a data-parallel worker.
    ///
    /// - Parameters:
    ///   - count: number of work items (e.g. output rows).
    ///   - costPerItem: rough floats touched per item; below ~32 K floats in total the loop stays serial.
    static func run(count: Int, costPerItem: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(workerCount, count)
        if chunks <= 1 || count * costPerItem < 32_768 || DataParallelWorker.isCurrentThreadWorker {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body(count * chunk / chunks ..< count * (chunk + 1) / chunks)
        }
    }

    /// Runs `body(worker)` for `worker` in `0..<workerCount` on separate threads, with OpenBLAS
    /// restricted to one thread (restored afterwards) and the kit's loops serial in each worker.
    ///
    /// OpenBLAS's thread count is process-wide: do not run other BLAS work that relies on
    /// threading at the same time.
    public static func runDataParallel(workerCount: Int = ParallelRanges.workerCount, _ body: (Int) -> Void) {
        guard workerCount > 1 else {
            body(0)
            return
        }
        let blasThreads = openblas_get_num_threads()
        openblas_set_num_threads(1)
        defer { openblas_set_num_threads(blasThreads) }
        DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
            DataParallelWorker.markCurrentThread(true)
            defer { DataParallelWorker.markCurrentThread(false) }
            body(worker)
        }
    }
}

/// A per-thread flag telling the kit's loops that they already run inside one of several
/// data-parallel workers (a `pthread` key, because libdispatch reuses its threads).
private enum DataParallelWorker {
    nonisolated(unsafe) static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    /// Any non-nil pointer marks the thread.
    private static let marker = UnsafeMutableRawPointer(bitPattern: 1)

    static var isCurrentThreadWorker: Bool { pthread_getspecific(key) != nil }

    static func markCurrentThread(_ isWorker: Bool) {
        pthread_setspecific(key, isWorker ? marker : nil)
    }
}
