/// An opaque RGB colour with components in [0, 1].
public struct PlotColor: Equatable, Sendable {
    public var red: Double
    public var green: Double
    public var blue: Double

    public init(red: Double, green: Double, blue: Double) {
        self.red = red
        self.green = green
        self.blue = blue
    }

    /// A colour from its 0xRRGGBB hex code.
    public init(hex: UInt32) {
        self.init(red: Double((hex >> 16) & 0xFF) / 255, green: Double((hex >> 8) & 0xFF) / 255, blue: Double(hex & 0xFF) / 255)
    }

    /// Relative luminance (ITU-R BT.709 weights on the sRGB components, without linearisation),
    /// enough to choose black or white text on a filled cell.
    public var luminance: Double { 0.2126 * red + 0.7152 * green + 0.0722 * blue }

    /// Component-wise linear blend: `self` at 0, `other` at 1.
    public func mixed(with other: PlotColor, fraction: Double) -> PlotColor {
        PlotColor(red: red + (other.red - red) * fraction, green: green + (other.green - green) * fraction,
                  blue: blue + (other.blue - blue) * fraction)
    }

    public static let black = PlotColor(hex: 0x000000)
    public static let white = PlotColor(hex: 0xFFFFFF)
    /// matplotlib's `tab:gray`, the chance diagonal of the reference ROC plot.
    public static let tableauGray = PlotColor(hex: 0x7F7F7F)
    /// The reference's grid colour (204, 204, 204).
    public static let grid = PlotColor(hex: 0xCCCCCC)

    /// Class colours of the reference plots (`ColorEncoder.get_colors('bbwsi')` in
    /// utilities/color_encoder.py: ColorBrewer Set1 red, blue, green, purple), then further Set1 colours
    /// for datasets with more classes, cycling after nine.
    public static func classColor(_ index: Int) -> PlotColor {
        let set1: [UInt32] = [0xE41A1C, 0x377EB8, 0x4DAF4A, 0x984EA3, 0xFF7F00, 0xA65628, 0xF781BF, 0x999999, 0xDEDE00]
        return PlotColor(hex: set1[index % set1.count])
    }
}
