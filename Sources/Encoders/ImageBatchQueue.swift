import Foundation

/// Hands out consecutive ranges of image indices (at most `batchSize` each) to data-parallel
/// workers on demand, so a worker whose core is busier (another process, a slower image) simply
/// takes fewer batches instead of holding everyone back.
final class ImageBatchQueue: @unchecked Sendable {
    private let count: Int
    private let batchSize: Int
    private var nextIndex = 0
    private let lock = NSLock()

    init(count: Int, batchSize: Int) {
        self.count = count
        self.batchSize = batchSize
    }

    /// The next range of images to encode, or `nil` when all have been handed out.
    func next() -> Range<Int>? {
        lock.lock()
        defer { lock.unlock() }
        guard nextIndex < count else { return nil }
        let range = nextIndex ..< min(count, nextIndex + batchSize)
        nextIndex = range.upperBound
        return range
    }
}
