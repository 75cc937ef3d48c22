import Foundation

/// A vertical colour bar: the colour map from its lowest value at the bottom to its highest at the
/// top, framed in black, with tick marks and labels on its right side.
public struct ColorBar: Sendable {
    public let colorMap: ColorMap
    /// The bar's rectangle on the page, in points.
    public let area: PlotRectangle
    /// Tick positions in [0, 1] along the bar (0 = bottom) and their labels.
    public let ticks: [(position: Double, label: String)]

    public init(colorMap: ColorMap, area: PlotRectangle, ticks: [(position: Double, label: String)]) {
        self.colorMap = colorMap
        self.area = area
        self.ticks = ticks
    }

    /// Horizontal room the tick labels take to the right of the bar, in points.
    public static let labelMargin = 34.0

    public func draw(on canvas: CairoCanvas) {
        let slices = 128
        let sliceHeight = area.height / Double(slices)
        for slice in 0..<slices {
            // Slice 0 at the bottom (value 0), the last at the top (value 1); slight overlap hides seams.
            let value = (Double(slice) + 0.5) / Double(slices)
            canvas.fill(PlotRectangle(x: area.minX, y: area.maxY - Double(slice + 1) * sliceHeight, width: area.width,
                                      height: sliceHeight + 0.5), with: colorMap.color(at: value))
        }
        canvas.setColor(.black)
        canvas.setLineWidth(0.8)
        canvas.setDash([])
        canvas.addRectangle(area)
        canvas.stroke()
        canvas.setFont(size: 10)
        for tick in ticks {
            let y = area.maxY - tick.position * area.height
            canvas.strokePolyline([PlotPoint(x: area.maxX, y: y), PlotPoint(x: area.maxX + 4, y: y)])
            canvas.drawText(tick.label, at: PlotPoint(x: area.maxX + 6, y: y), vertical: .middle)
        }
    }
}
