/// A sequential colour map: colours at evenly spaced stops from value 0 to value 1, linearly
/// interpolated between them.
public struct ColorMap: Equatable, Sendable {
    /// The stop colours, the first at 0 and the last at 1; at least two.
    public let stops: [PlotColor]

    public init(stops: [PlotColor]) {
        precondition(stops.count >= 2, "ColorMap needs at least two stops, got \(stops.count)")
        self.stops = stops
    }

    /// The colour of `value` in [0, 1] (clamped; NaN maps to white).
    public func color(at value: Double) -> PlotColor {
        guard !value.isNaN else { return .white }
        let position = min(max(value, 0), 1) * Double(stops.count - 1)
        let lower = min(Int(position), stops.count - 2)
        return stops[lower].mixed(with: stops[lower + 1], fraction: position - Double(lower))
    }

    /// matplotlib's "Blues" (ColorBrewer's 9-class Blues), lightest at 0.
    public static let blues = ColorMap(stops: [0xF7FBFF, 0xDEEBF7, 0xC6DBEF, 0x9ECAE1, 0x6BAED6, 0x4292C6, 0x2171B5,
                                               0x08519C, 0x08306B].map { PlotColor(hex: $0) })

    /// matplotlib's perceptually uniform "inferno" sampled at nine stops (black–purple–orange–pale
    /// yellow): readable over the pink and purple of H&E stains and in greyscale print.
    public static let inferno = ColorMap(stops: [0x000004, 0x1B0C41, 0x4A0C6B, 0x781C6D, 0xA52C60, 0xCF4446, 0xED6925,
                                                 0xFB9B06, 0xFCFFA4].map { PlotColor(hex: $0) })
}
