import Foundation

/// Splits element-wise work over the machine's cores when it is large enough to pay for the
/// thread hand-off. Serial and parallel paths run the same body, so results are identical.
///
/// Inside a data-parallel worker (``runDataParallel(workerCount:_:)``) every loop runs serially:
/// the cores are already busy with one worker each.
public enum ParallelLoop {
    /// Element counts below this run on the calling thread (about 0.1 ms of work).
    static let minimumParallelCount = 1 << 17
    /// Cores used (at most 8).
    public static let workerCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// Calls `body` on disjoint, contiguous sub-ranges covering `0..<count`.
    ///
    /// - Parameter costPerItem: elements touched per item (e.g. a row's width × channels), so that
    ///   loops over rows and loops over elements share one threshold.
    @inline(__always)
    static func forEachChunk(count: Int, costPerItem: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count * costPerItem >= minimumParallelCount, workerCount > 1, count > 1,
              !DataParallelWorker.isCurrentThreadWorker else { return body(0..<count) }
        let chunks = min(workerCount, count)
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// A new array of `count` elements whose element `i` is `element(i)`, computed in parallel chunks.
    @inline(__always)
    static func makeArray(count: Int, _ element: (Int) -> Float) -> [Float] {
        makeArray(count: count) { range, output in
            for index in range { output[index] = element(index) }
        }
    }

    /// A new array of `count` elements; `fillChunk(range, output)` writes `output[range]`, for
    /// disjoint ranges in parallel. Kernels write their loop inside `fillChunk`, so the loop body
    /// is specialised and vectorised rather than calling a closure per element.
    @inline(__always)
    static func makeArray(count: Int, fillChunk: (Range<Int>, UnsafeMutablePointer<Float>) -> Void) -> [Float] {
        guard count > 0 else { return [] }
        return [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress!
            forEachChunk(count: count) { range in fillChunk(range, base) }
            initialized = count
        }
    }
}
