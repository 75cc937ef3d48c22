/// Attention scores ranked from highest to lowest, and the top share of them.
///
/// Ties keep index order; NaN scores rank last.
public struct ScoreRanking: Equatable, Sendable {
    /// The scores, as given.
    public let scores: [Float]
    /// `ranks[i]` is the 0-based rank of `scores[i]` (0 = highest score).
    public let ranks: [Int]

    public init(scores: [Float]) {
        let order = scores.indices.sorted { left, right in
            let a = scores[left], b = scores[right]
            if a.isNaN != b.isNaN { return b.isNaN }
            if a != b && !a.isNaN { return a > b }
            return left < right
        }
        var ranks = [Int](repeating: 0, count: scores.count)
        for (rank, index) in order.enumerated() { ranks[index] = rank }
        self.scores = scores
        self.ranks = ranks
    }

    /// How many items the top `fraction` (in [0, 1]) holds: `fraction · count` rounded to the nearest
    /// whole number, at least one when the fraction is positive.
    public func topCount(fraction: Double) -> Int {
        precondition(fraction >= 0 && fraction <= 1, "ScoreRanking: fraction \(fraction) outside [0, 1]")
        guard fraction > 0, !scores.isEmpty else { return 0 }
        return min(scores.count, max(1, Int((fraction * Double(scores.count)).rounded())))
    }

    /// For each item, whether it is among the ``topCount(fraction:)`` highest scores.
    public func isTop(fraction: Double) -> [Bool] {
        let count = topCount(fraction: fraction)
        return ranks.map { $0 < count }
    }
}
