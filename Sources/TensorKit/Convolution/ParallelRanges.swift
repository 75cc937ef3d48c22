import Foundation

/// Splits `0..<count` into one contiguous chunk per core and runs `body` on the chunks in
/// parallel (serially when the work is small), for the memory-bound loops of the convolution kit
/// (depthwise convolution, epilogues, pooling). GEMMs are not wrapped: OpenBLAS threads them itself.
enum ParallelRanges {
    /// Cores used for the kit's own loops.
    static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// - Parameters:
    ///   - count: number of work items (e.g. output rows).
    ///   - costPerItem: rough floats touched per item; below ~32 K floats in total the loop stays serial.
    static func run(count: Int, costPerItem: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(workerCount, count)
        if chunks <= 1 || count * costPerItem < 32_768 {
            body(0..<count)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            body(start..<end)
        }
    }
}
