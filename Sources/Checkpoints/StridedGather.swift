import TensorKit

/// Copies the elements of a strided view (PyTorch's storage offset + size + stride) into a
/// new row-major array, after checking that every element lies inside the storage.
enum StridedGather {
    /// Why a view does not fit its storage.
    struct OutOfBounds: Error {
        let reason: String
    }

    /// The elements of the view `shape`/`strides` starting at `offset` in `storage`, row-major.
    static func gather<Element>(_ storage: [Element], offset: Int, shape: [Int],
                                strides: [Int]) throws -> [Element] {
        guard shape.count == strides.count else {
            throw OutOfBounds(reason: "size \(shape) and stride \(strides) have different lengths")
        }
        var count = 1
        var lastIndex = offset
        for (extent, stride) in zip(shape, strides) {
            let (newCount, countOverflow) = count.multipliedReportingOverflow(by: extent)
            guard extent >= 0, stride >= 0, !countOverflow else {
                throw OutOfBounds(reason: "size \(shape) with stride \(strides) is not a valid view")
            }
            count = newCount
            if extent > 0 {
                let (span, spanOverflow) = (extent - 1).multipliedReportingOverflow(by: stride)
                let (end, endOverflow) = lastIndex.addingReportingOverflow(span)
                guard !spanOverflow, !endOverflow else {
                    throw OutOfBounds(reason: "size \(shape) with stride \(strides) overflows")
                }
                lastIndex = end
            }
        }
        if count == 0 { return [] }
        guard offset >= 0, lastIndex < storage.count else {
            throw OutOfBounds(reason: "view at offset \(offset) with size \(shape) and stride \(strides) reaches "
                + "element \(lastIndex), but the storage has \(storage.count) elements")
        }
        if strides == shape.contiguousStrides {
            return Array(storage[offset..<(offset + count)])
        }
        // Odometer over the multi-index, last axis fastest.
        var result: [Element] = []
        result.reserveCapacity(count)
        var index = [Int](repeating: 0, count: shape.count)
        var position = offset
        for _ in 0..<count {
            result.append(storage[position])
            var axis = shape.count - 1
            while axis >= 0 {
                index[axis] += 1
                position += strides[axis]
                if index[axis] < shape[axis] { break }
                position -= strides[axis] * shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
        return result
    }
}
