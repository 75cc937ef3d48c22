import Foundation

/// Splits element-wise work over the machine's cores when it is large enough to pay for the
/// thread hand-off. Serial and parallel paths run the same body, so results are identical.
enum ParallelLoop {
    /// Element counts below this run on the calling thread (about 0.1 ms of work).
    static let minimumParallelCount = 1 << 17
    static let workerCount = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))

    /// Calls `body` on disjoint, contiguous sub-ranges covering `0..<count`.
    @inline(__always)
    static func forEachChunk(count: Int, _ body: (Range<Int>) -> Void) {
        guard count >= minimumParallelCount, workerCount > 1 else { return body(0..<count) }
        let chunks = workerCount
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            body((count * chunk / chunks)..<(count * (chunk + 1) / chunks))
        }
    }

    /// A new array of `count` elements whose element `i` is `element(i)`, computed in parallel chunks.
    @inline(__always)
    static func makeArray(count: Int, _ element: (Int) -> Float) -> [Float] {
        [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            let base = buffer.baseAddress
            forEachChunk(count: count) { range in
                for index in range { base![index] = element(index) }
            }
            initialized = count
        }
    }
}
