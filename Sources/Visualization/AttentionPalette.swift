import Reports

/// The colours of the attention figures, after the HATNet paper's duct and stroma figures.
public enum AttentionPalette {
    /// Outlines of the top bags and fill of the top words.
    public static let selected = PlotColor(hex: 0x0050FF)
    /// Top words where they overlap the annotation.
    public static let overlap = PlotColor(hex: 0xFF69B4)
    /// Words outside the top share.
    public static let unselected = PlotColor.white
    /// Outlines of the ground-truth annotations.
    public static let annotation = PlotColor(hex: 0xE00000)
    /// Colour map of the continuous heat maps.
    public static let heatMap = ColorMap.inferno
    /// Opacity of the heat map over the thumbnail.
    public static let heatMapOpacity = 0.6

    /// Line width for outlines on an image of `width × height` points: 1/300 of the longer side, at
    /// least 2 points, so outlines stay visible on large thumbnails.
    public static func outlineWidth(imageWidth: Double, imageHeight: Double) -> Double {
        max(2, max(imageWidth, imageHeight) / 300)
    }
}
