/// One axis of OpenCV's `cv2.resize(..., interpolation=INTER_LINEAR)` for 8-bit images: for every
/// destination index, the first of the two source samples and their fixed-point weights.
///
/// OpenCV's convention: destination pixel `d` samples source position `f = (d + 0.5) · scale − 0.5`
/// with `scale = sourceCount / destinationCount` (computed in `Double`, then rounded to `Float`);
/// `s = ⌊f⌋`, fraction `f − s`. Weights are `round((1 − fraction) · 2048)` and
/// `round(fraction · 2048)` (`INTER_RESIZE_COEF_SCALE`), rounded half to even like
/// `saturate_cast<short>`.
///
/// The two axes treat the border differently, as OpenCV does: horizontally, positions before the
/// first or after the last sample take that sample with fraction 0; vertically, the fraction is
/// kept and only the row indices are clamped (so the top and bottom output rows of an upscale blend
/// a row with itself, which the fixed-point rounding can make one level darker).
struct LinearResizeAxis: Sendable {
    /// Number of source samples along this axis.
    let sourceCount: Int
    /// Index of the first source sample for each destination index.
    let firstSource: [Int32]  // never after secondSource
    /// Index of the second source sample (equal to the first at the clamped edge).
    let secondSource: [Int32]
    /// Fixed-point weights (sum 2048) of the first and second source samples.
    let firstWeight: [Int32]
    let secondWeight: [Int32]

    /// The fixed-point scale of the weights (`INTER_RESIZE_COEF_SCALE`).
    static let weightScale: Int32 = 2048

    /// - Parameter clampsFraction: `true` for OpenCV's horizontal axis, `false` for its vertical axis.
    init(sourceCount: Int, destinationCount: Int, clampsFraction: Bool) {
        precondition(sourceCount > 0 && destinationCount > 0,
                     "LinearResizeAxis: sizes must be positive (source \(sourceCount), destination \(destinationCount))")
        self.sourceCount = sourceCount
        let scale = 1.0 / (Double(destinationCount) / Double(sourceCount))
        var first = [Int32](repeating: 0, count: destinationCount)
        var second = first, firstWeight = first, secondWeight = first
        for destination in 0..<destinationCount {
            var position = Float((Double(destination) + 0.5) * scale - 0.5)
            var source = Int(position.rounded(.down))
            position -= Float(source)
            if clampsFraction {
                if source < 0 { position = 0; source = 0 }
                if source >= sourceCount - 1 { position = 0; source = sourceCount - 1 }
            }
            first[destination] = Int32(min(max(source, 0), sourceCount - 1))
            second[destination] = Int32(min(max(source + 1, 0), sourceCount - 1))
            firstWeight[destination] = Int32(((1 - position) * 2048).rounded(.toNearestOrEven))
            secondWeight[destination] = Int32((position * 2048).rounded(.toNearestOrEven))
        }
        self.firstSource = first
        self.secondSource = second
        self.firstWeight = firstWeight
        self.secondWeight = secondWeight
    }

    var destinationCount: Int { firstSource.count }

    /// The source samples that destination indices `destination` read: `[lowest, highest + 1)`.
    func sourceRange(for destination: Range<Int>) -> Range<Int> {
        guard let lowest = destination.first, let highest = destination.last else { return 0..<0 }
        return Int(firstSource[lowest])..<Int(secondSource[highest]) + 1
    }
}
