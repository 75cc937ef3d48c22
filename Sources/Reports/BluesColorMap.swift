/// matplotlib's sequential "Blues" colour map (ColorBrewer's 9-class Blues, linearly interpolated),
/// the colour map of the reference's confusion-matrix heat map (`sn.heatmap(cmap="Blues")` in
/// utilities/roc_utils.py).
public enum BluesColorMap {
    /// The nine ColorBrewer stops, from 0 (lightest) to 1 (darkest).
    static let stops: [PlotColor] = [0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5, 0x08519C, 0x08306B]
        .map { PlotColor(hex: $0) }

    /// The colour of `value` in [0, 1] (clamped; NaN maps to white).
    public static func color(at value: Double) -> PlotColor {
        guard !value.isNaN else { return .white }
        let position = min(max(value, 0), 1) * Double(stops.count - 1)
        let lower = min(Int(position), stops.count - 2)
        return stops[lower].mixed(with: stops[lower + 1], fraction: position - Double(lower))
    }
}
