/// NumPy's operations on piecewise-linear curves given by sample points, as the reference uses them
/// for ROC curves: `np.interp` and the trapezoidal rule behind scikit-learn's `auc`.
public enum PiecewiseLinear {
    /// `np.interp(x, xs, ys)`: the curve through (`xs[i]`, `ys[i]`) evaluated at `x`, for `xs`
    /// non-decreasing. Outside the range it is constant (`ys.first` / `ys.last`). Where `xs` repeats a
    /// value (a vertical ROC segment) the curve takes the value of the **last** such point, since NumPy
    /// picks the segment `j` with `xs[j] <= x < xs[j + 1]`.
    public static func interpolate(at x: Double, xs: [Double], ys: [Double]) -> Double {
        precondition(!xs.isEmpty && xs.count == ys.count, "interpolation needs matching, non-empty xs and ys")
        let last = xs.count - 1
        if x > xs[last] { return ys[last] }
        if x < xs[0] { return ys[0] }
        // j = index of the last xs[j] <= x (binary search for the upper bound).
        var low = 0, high = xs.count
        while low < high {
            let middle = (low + high) / 2
            if xs[middle] <= x { low = middle + 1 } else { high = middle }
        }
        let j = low - 1
        if j == last || xs[j] == x { return ys[j] }
        let slope = (ys[j + 1] - ys[j]) / (xs[j + 1] - xs[j])
        return slope * (x - xs[j]) + ys[j]
    }

    /// `np.trapz(ys, xs)`: Σ (xs[i+1] − xs[i]) · (ys[i+1] + ys[i]) / 2 (negative for decreasing xs).
    public static func trapezoidalArea(xs: [Double], ys: [Double]) -> Double {
        precondition(xs.count == ys.count, "trapezoidal area needs as many xs as ys")
        guard xs.count >= 2 else { return 0 }
        var area = 0.0
        for i in 0..<(xs.count - 1) {
            area += (xs[i + 1] - xs[i]) * (ys[i + 1] + ys[i]) / 2
        }
        return area
    }
}
