import Foundation

/// Floats in one allocation that starts on a 64-byte boundary (a cache line, one AVX-512 vector),
/// with value semantics (copy on write).
///
/// Swift's `[Float]` puts its elements 32 bytes after a 16-byte-aligned `malloc` block; a large
/// array's elements start 48 bytes into a cache line, so every 16-float vector the AVX-512 kernels
/// load or store at a multiple of 16 floats straddles two lines, and Intel cores pay for each split
/// access (measured on a Xeon with two 512-bit FMA ports: a 1×1 GEMM tile at K = 1152 ran at 103 %
/// of the FMA peak aligned, 88 % 48 bytes off). Feature maps, packed weights and kernel scratch use
/// this type instead; element `i` of a buffer whose rows are multiples of 16 floats is aligned.
public struct AlignedFloats: RandomAccessCollection, MutableCollection, Equatable, Sendable,
                             ExpressibleByArrayLiteral, CustomStringConvertible {
    /// The one owner of the allocation.
    final class Storage: @unchecked Sendable {
        let base: UnsafeMutablePointer<Float>
        let count: Int

        /// `count` floats, not initialised (Float is trivial: any bits are a value).
        init(count: Int) {
            precondition(count >= 0, "AlignedFloats: negative count \(count)")
            let (bytes, overflow) = Swift.max(1, count).multipliedReportingOverflow(by: MemoryLayout<Float>.stride)
            precondition(!overflow, "AlignedFloats: \(count) floats overflow the address space")
            base = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: AlignedFloats.alignment)
                .bindMemory(to: Float.self, capacity: Swift.max(1, count))
            self.count = count
        }

        deinit { UnsafeMutableRawPointer(base).deallocate() }
    }

    /// Bytes the first element is aligned to.
    public static let alignment = 64

    private var storage: Storage

    /// `count` floats whose values are whatever the memory held: for outputs a kernel writes in full
    /// before anything reads them.
    public init(uninitializedCount count: Int) {
        storage = Storage(count: count)
    }

    public init(repeating value: Float, count: Int) {
        storage = Storage(count: count)
        storage.base.initialize(repeating: value, count: count)
    }

    /// A copy of `values` (one pass when they are contiguous, as arrays and their slices are).
    public init<S: Sequence>(_ values: S) where S.Element == Float {
        if let copy = values.withContiguousStorageIfAvailable({ AlignedFloats(copying: $0) }) {
            self = copy
        } else {
            self = Array(values).withUnsafeBufferPointer { AlignedFloats(copying: $0) }
        }
    }

    /// A copy of the floats `buffer` points at.
    public init(copying buffer: UnsafeBufferPointer<Float>) {
        storage = Storage(count: buffer.count)
        if let from = buffer.baseAddress { storage.base.update(from: from, count: buffer.count) }
    }

    public init(arrayLiteral elements: Float...) {
        self.init(elements)
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { storage.count }
    public var count: Int { storage.count }

    public subscript(position: Int) -> Float {
        get {
            precondition(position >= 0 && position < storage.count, "AlignedFloats: index \(position) out of 0..<\(storage.count)")
            return storage.base[position]
        }
        set {
            precondition(position >= 0 && position < storage.count, "AlignedFloats: index \(position) out of 0..<\(storage.count)")
            makeUnique()
            storage.base[position] = newValue
        }
    }

    /// The values as an array (a copy).
    public var array: [Float] { Array(UnsafeBufferPointer(start: storage.base, count: storage.count)) }

    public var description: String { array.description }

    public static func == (lhs: AlignedFloats, rhs: AlignedFloats) -> Bool {
        lhs.storage === rhs.storage || lhs.elementsEqual(rhs)
    }

    public func withContiguousStorageIfAvailable<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R? {
        try withUnsafeBufferPointer(body)
    }

    public mutating func withContiguousMutableStorageIfAvailable<R>(
        _ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R? {
        try withUnsafeMutableBufferPointer(body)
    }

    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: storage.count))
    }

    public mutating func withUnsafeMutableBufferPointer<R>(_ body: (inout UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        makeUnique()
        var buffer = UnsafeMutableBufferPointer(start: storage.base, count: storage.count)
        return try body(&buffer)
    }

    private mutating func makeUnique() {
        guard !isKnownUniquelyReferenced(&storage) else { return }
        let copy = Storage(count: storage.count)
        copy.base.update(from: storage.base, count: storage.count)
        storage = copy
    }
}
