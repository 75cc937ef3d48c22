import TensorKit

/// Copies the elements of a strided view (PyTorch's storage offset + size + stride) into a
/// new row-major array, after checking that every element lies inside the storage.
///
/// Every quantity comes from the file, so all of it is checked before anything is allocated:
/// the element count and every row-major stride of the shape must be representable (so that no
/// later kernel, built with `-Ounchecked`, can overflow on them), the furthest element the view
/// reaches must lie inside the storage, and the result must fit the ``MemoryBudget``.
enum StridedGather {
    /// Why a view does not fit its storage, or cannot be represented at all.
    struct OutOfBounds: Error {
        let reason: String
    }

    /// The element count of `shape`, or `nil` when an extent is negative or when the count or one
    /// of the row-major strides would overflow `Int`.
    ///
    /// A zero extent makes the count 0 but not the strides of the axes before it (`[0, 2⁴⁰, 2⁴⁰]`
    /// has a stride of 2⁸⁰), so the product is taken with zeros counted as one.
    static func elementCount(of shape: [Int]) -> Int? {
        var nonZeroProduct = 1
        var count = 1
        for extent in shape {
            guard extent >= 0 else { return nil }
            let (product, overflow) = nonZeroProduct.multipliedReportingOverflow(by: Swift.max(extent, 1))
            guard !overflow else { return nil }
            nonZeroProduct = product
            count = extent == 0 ? 0 : count * extent  // count ≤ nonZeroProduct or 0: cannot overflow
        }
        return count
    }

    /// The elements of the view `shape`/`strides` starting at `offset` in `storage`, row-major.
    ///
    /// - Throws: ``OutOfBounds`` when the view is malformed or reaches past the storage, and
    ///   ``SizeLimitError`` (from ``MemoryBudget``) when the result would be too large to allocate.
    static func gather<Element>(_ storage: [Element], offset: Int, shape: [Int],
                                strides: [Int]) throws -> [Element] {
        try validate(offset: offset, shape: shape, strides: strides, storageCount: storage.count)
        let count = elementCount(of: shape) ?? 0  // validate has checked that it exists
        if count == 0 { return [] }
        try MemoryBudget.require(elements: count, elementSize: MemoryLayout<Element>.stride, for: "size \(shape)")
        // Axes of extent 1 never step, whatever their stride says; dropping them keeps every
        // stride × extent below twice the storage size in the odometer below.
        let steppingAxes = zip(shape, strides).filter { $0.0 != 1 }
        let steppedShape = steppingAxes.map(\.0), steppedStrides = steppingAxes.map(\.1)
        if steppedStrides == steppedShape.contiguousStrides {
            return Array(storage[offset..<(offset + count)])
        }
        // Odometer over the multi-index, last axis fastest.
        var result: [Element] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: steppedShape.count)
        var position = offset
        for _ in 0..<count {
            result.append(storage[position])
            var axis = steppedShape.count - 1
            while axis >= 0 {
                index[axis] += 1
                position += steppedStrides[axis]
                if index[axis] < steppedShape[axis] { break }
                position -= steppedStrides[axis] * steppedShape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }

    /// Checks a view against a storage of `storageCount` elements and returns the index of the
    /// furthest element it reaches (`offset` for an empty view).
    @discardableResult
    static func validate(offset: Int, shape: [Int], strides: [Int], storageCount: Int) throws -> Int {
        guard shape.count == strides.count else {
            throw OutOfBounds(reason: "size \(shape) and stride \(strides) have different lengths")
        }
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw OutOfBounds(reason: "offset \(offset), size \(shape) and stride \(strides) must not be negative")
        }
        guard let count = elementCount(of: shape) else {
            throw OutOfBounds(reason: "size \(shape) is too large: its element count or strides overflow 64 bits")
        }
        if count == 0 { return offset }
        var lastIndex = offset
        for (extent, stride) in zip(shape, strides) where extent > 1 {
            let (span, spanOverflow) = (extent - 1).multipliedReportingOverflow(by: stride)
            let (end, endOverflow) = lastIndex.addingReportingOverflow(span)
            guard !spanOverflow, !endOverflow else {
                throw OutOfBounds(reason: "size \(shape) with stride \(strides) reaches past any storage")
            }
            lastIndex = end
        }
        guard lastIndex < storageCount else {
            throw OutOfBounds(reason: "view at offset \(offset) with size \(shape) and stride \(strides) reaches "
                + "element \(lastIndex), but the storage has \(storageCount) elements")
        }
        return lastIndex
    }
}
