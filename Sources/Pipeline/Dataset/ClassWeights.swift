import Foundation

/// Loss weights that balance the classes (`get_data_loader` in utilities/build_dataloader.py with
/// `--class-weights`): `w_c = round(log(1 / (n_c / N)), 5)` for the `n_c` training slides of class
/// `c` out of `N`; without `--class-weights` every weight is 1.
public enum ClassWeights {
    /// Log inverse frequencies of `labels` over `classCount` classes, rounded to 5 decimals as the
    /// reference does (numpy's round half to even).
    /// - Returns: `nil` when some class has no slide (its weight would be infinite).
    public static func logInverseFrequency(labels: [Int], classCount: Int) -> [Float]? {
        var counts = [Int](repeating: 0, count: classCount)
        for label in labels { counts[label] += 1 }
        guard counts.allSatisfy({ $0 > 0 }) else { return nil }
        let total = Double(labels.count)
        return counts.map { count in
            let weight = Foundation.log(1 / (Double(count) / total))
            return Float((weight * 100_000).rounded(.toNearestOrEven) / 100_000)
        }
    }
}
