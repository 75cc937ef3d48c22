import Foundation

extension ParallelLoop {
    /// Runs `body(worker)` for `worker` in `0..<workerCount` on separate threads — each core runs
    /// a whole computation (e.g. a CNN on its share of the images) — with OpenBLAS restricted to
    /// one thread (restored afterwards) and ``forEachChunk(count:costPerItem:_:)`` serial inside
    /// each worker.
    ///
    /// This is the kit's second threading mode, never mixed with the first (OpenBLAS threads per
    /// GEMM, loops split per layer): no synchronisation per layer and each worker's activations
    /// stay in its own cache, the faster choice whenever there are at least as many independent
    /// inputs as cores. OpenBLAS's thread count is process-wide: do not run other BLAS work that
    /// relies on threading at the same time.
    public static func runDataParallel(workerCount: Int = ParallelLoop.workerCount, _ body: (Int) -> Void) {
        guard workerCount > 1 else {
            body(0)
            return
        }
        BLASThreading.withSingleThreadedBLAS {
            DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
                DataParallelWorker.markCurrentThread(true)
                defer { DataParallelWorker.markCurrentThread(false) }
                body(worker)
            }
        }
    }
}

/// A per-thread flag telling loops that they already run inside one of several data-parallel
/// workers (a `pthread` key, because libdispatch reuses its threads).
enum DataParallelWorker {
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
