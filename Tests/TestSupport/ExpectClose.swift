import TensorKit
import Testing

/// How far apart two floating-point values may be in a parity check: element `i` passes when
/// `|actualᵢ − expectedᵢ| ≤ absolute + relative · scale`, where `scale` is `|expectedᵢ|`
/// (``Scale/element``) or the largest `|expectedⱼ|` of the whole array (``Scale/largestExpected``).
/// A float literal is an absolute tolerance (`tolerance: 1e-6`).
public struct Tolerance: Sendable, ExpressibleByFloatLiteral {
    public enum Scale: Sendable {
        /// Each element's own magnitude (`numpy.allclose`).
        case element
        /// The largest magnitude among the expected values (for outputs with values near zero).
        case largestExpected
    }

    public var absolute: Double
    public var relative: Double
    public var scale: Scale

    public init(absolute: Double, relative: Double = 0, relativeTo scale: Scale = .element) {
        self.absolute = absolute
        self.relative = relative
        self.scale = scale
    }

    public init(floatLiteral absolute: Double) {
        self.init(absolute: absolute)
    }
}

/// The element of a comparison that lies furthest outside (or least inside) its tolerance.
public struct WorstElement: Sendable, CustomStringConvertible {
    /// Flat index, and the multi-index when the arrays came with a shape (e.g. `[1, 0, 3]`).
    public let index: Int
    public let position: [Int]?
    public let actual: Double
    public let expected: Double
    /// `|actual − expected|` (infinite when either is NaN).
    public let difference: Double
    /// What the tolerance allows at this element.
    public let allowed: Double

    public var isWithinTolerance: Bool { difference <= allowed }

    public var description: String {
        let place = position.map { "\($0) (flat \(index))" } ?? "\(index)"
        return "max |a − b| = \(difference) at element \(place): got \(actual), expected \(expected), allowed \(allowed)"
    }
}

/// Element-wise parity of `actual` with `expected` under `tolerance`. Prints the worst element
/// and where it is, so a drift is visible before it fails, and records a failure at the caller's
/// line when the counts differ or any element is outside the tolerance (NaN never passes).
@discardableResult
public func expectClose<Scalar: BinaryFloatingPoint>(_ actual: [Scalar], _ expected: [Scalar], tolerance: Tolerance,
                                                     _ label: String, shape: [Int]? = nil,
                                                     sourceLocation: SourceLocation = #_sourceLocation) -> WorstElement? {
    guard actual.count == expected.count else {
        Issue.record("\(label): \(actual.count) values, expected \(expected.count)", sourceLocation: sourceLocation)
        return nil
    }
    guard let worst = worstElement(actual, expected, tolerance: tolerance, shape: shape) else {
        print("\(label): no elements")
        return nil
    }
    print("\(label): \(worst)")
    #expect(worst.isWithinTolerance, "\(label): \(worst)", sourceLocation: sourceLocation)
    return worst
}

/// ``expectClose(_:_:tolerance:_:shape:sourceLocation:)`` for tensors, which must also have the
/// same shape; the worst element is reported with its multi-index.
@discardableResult
public func expectClose(_ actual: Tensor, _ expected: Tensor, tolerance: Tolerance, _ label: String,
                        sourceLocation: SourceLocation = #_sourceLocation) -> WorstElement? {
    guard actual.shape == expected.shape else {
        Issue.record("\(label): shape \(actual.shape), expected \(expected.shape)", sourceLocation: sourceLocation)
        return nil
    }
    return expectClose(actual.scalars, expected.scalars, tolerance: tolerance, label, shape: actual.shape,
                       sourceLocation: sourceLocation)
}

/// The element with the largest excess over its allowance (`nil` for empty arrays).
func worstElement<Scalar: BinaryFloatingPoint>(_ actual: [Scalar], _ expected: [Scalar], tolerance: Tolerance,
                                               shape: [Int]?) -> WorstElement? {
    guard !expected.isEmpty else { return nil }
    let largest = tolerance.scale == .largestExpected ? expected.reduce(0) { Swift.max($0, Swift.abs(Double($1))) } : 0
    var worst: (excess: Double, index: Int, difference: Double, allowed: Double) = (-.infinity, 0, 0, 0)
    for index in expected.indices {
        let (a, e) = (Double(actual[index]), Double(expected[index]))
        let scale = tolerance.scale == .element ? Swift.abs(e) : largest
        let allowed = tolerance.absolute + tolerance.relative * scale
        let difference = a.isNaN || e.isNaN ? Double.infinity : Swift.abs(a - e)
        let excess = difference - allowed
        if excess > worst.excess || excess.isNaN { worst = (excess.isNaN ? .infinity : excess, index, difference, allowed) }
    }
    return WorstElement(index: worst.index, position: shape.map { multiIndex(worst.index, in: $0) },
                        actual: Double(actual[worst.index]), expected: Double(expected[worst.index]),
                        difference: worst.difference, allowed: worst.allowed)
}

/// The row-major multi-index of flat `index` in `shape`.
func multiIndex(_ index: Int, in shape: [Int]) -> [Int] {
    var remainder = index
    var position = [Int](repeating: 0, count: shape.count)
    for axis in shape.indices.reversed() where shape[axis] > 0 {
        position[axis] = remainder % shape[axis]
        remainder /= shape[axis]
    }
    return position
}
