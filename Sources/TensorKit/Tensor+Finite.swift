import Foundation

/// A tensor read from a file, or a value computed from one, holds NaN or ±infinity where a finite
/// number is required. Names where it came from and the first bad element.
public struct NonFiniteValueError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// The file, option or computation, e.g. `case7.safetensors: tensor 'words'`.
    public let source: String
    /// Multi-index of the first non-finite element.
    public let index: [Int]
    /// The value found there (`nan`, `inf`, `-inf`).
    public let value: Float

    public init(source: String, index: [Int], value: Float) {
        self.source = source
        self.index = index
        self.value = value
    }

    public var description: String {
        "\(source) holds \(value) at index \(index); every value must be finite"
    }
    public var errorDescription: String? { description }
}

extension Tensor {
    /// Row-major position of the first NaN or infinite element, or `nil` when all are finite.
    public var firstNonFiniteIndex: [Int]? {
        scalars.withUnsafeBufferPointer { buffer in
            guard let flat = buffer.firstIndex(where: { !$0.isFinite }) else { return nil }
            return shape.multiIndex(ofFlat: flat)
        }
    }

    /// Throws when an element is NaN or infinite.
    /// - Throws: ``NonFiniteValueError`` naming `source` and the first bad index.
    public func requireFinite(_ source: @autoclosure () -> String) throws {
        guard let index = firstNonFiniteIndex else { return }
        var flat = 0
        for (axis, position) in index.enumerated() { flat = flat * shape[axis] + position }
        throw NonFiniteValueError(source: source(), index: index, value: scalars[flat])
    }
}

extension Array where Element == Int {
    /// The multi-index of row-major position `flat` in this shape.
    public func multiIndex(ofFlat flat: Int) -> [Int] {
        var remainder = flat
        var index = [Int](repeating: 0, count: count)
        for axis in stride(from: count - 1, through: 0, by: -1) where self[axis] > 0 {
            index[axis] = remainder % self[axis]
            remainder /= self[axis]
        }
        return index
    }
}
