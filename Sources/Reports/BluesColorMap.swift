/// matplotlib's sequential "Blues" colour map (ColorBrewer's 9-class Blues, linearly interpolated),
/// the colour map of the reference's confusion-matrix heat map (`sn.heatmap(cmap="Blues")` in
/// utilities/roc_utils.py).
public enum BluesColorMap {
    /// The colour of `value` in [0, 1] (clamped; NaN maps to white).
    public static func color(at value: Double) -> PlotColor { ColorMap.blues.color(at: value) }
}
