import Foundation

/// The confusion-matrix figure of the reference evaluator (`plot_confusion_matrix` in
/// utilities/roc_utils.py): the row-normalised matrix as a "Blues" heat map of square cells, each
/// annotated with its fraction (two decimals) and its count, class names on both axes ("True label"
/// down the side, "Predicted label" below), and a colour bar.
///
/// Unlike seaborn's default, which stretches the colours between the matrix's own minimum and
/// maximum, colours span the fixed range 0…1, so plots of different models compare directly.
public struct ConfusionMatrixPlot: Plot {
    public let matrix: ConfusionMatrix
    public let classNames: [String]
    /// Optional heading above the matrix.
    public let title: String?

    /// Side of one cell, in points.
    public let cellSize: Double
    /// Whether the column labels are turned 45° because they are wider than a cell.
    let rotatesColumnLabels: Bool
    let rowLabelWidth: Double
    let columnLabelHeight: Double

    static let labelFontSize = 11.0
    static let axisTitleFontSize = 12.0
    static let colorBarGap = 18.0
    static let colorBarWidth = 14.0

    /// - Precondition: one name per class.
    public init(matrix: ConfusionMatrix, classNames: [String], title: String? = nil) {
        precondition(classNames.count == matrix.classCount, "\(classNames.count) class names for \(matrix.classCount) classes")
        self.matrix = matrix
        self.classNames = classNames
        self.title = title
        cellSize = matrix.classCount <= 4 ? 88 : max(36, 360 / Double(matrix.classCount))
        // Label extents are estimated (DejaVu Sans averages about 0.55 em per character in mixed-case text), so the
        // layout is known without a canvas.
        let widestLabel = classNames.map { Double($0.count) * Self.labelFontSize * 0.55 }.max() ?? 0
        rowLabelWidth = widestLabel
        rotatesColumnLabels = widestLabel > cellSize - 6
        columnLabelHeight = rotatesColumnLabels ? widestLabel * 0.71 + 4 : Self.labelFontSize + 4
    }

    /// The heat map's rectangle on the page.
    public var gridArea: PlotRectangle {
        let side = cellSize * Double(matrix.classCount)
        return PlotRectangle(x: 14 + Self.axisTitleFontSize + 10 + rowLabelWidth + 8, y: title == nil ? 16 : 40,
                             width: side, height: side)
    }

    /// Page size, rounded up to whole points so raster sizes are whole pixels.
    public var pageWidth: Double { (gridArea.maxX + Self.colorBarGap + Self.colorBarWidth + 4 + 30 + 10).rounded(.up) }
    public var pageHeight: Double { (gridArea.maxY + 6 + columnLabelHeight + 8 + Self.axisTitleFontSize + 14).rounded(.up) }

    /// The cell of true class `row` predicted as class `column`.
    public func cellRectangle(row: Int, column: Int) -> PlotRectangle {
        let grid = gridArea
        return PlotRectangle(x: grid.minX + Double(column) * cellSize, y: grid.minY + Double(row) * cellSize,
                             width: cellSize, height: cellSize)
    }

    /// The colour bar's rectangle on the page.
    public var colorBarArea: PlotRectangle {
        let grid = gridArea
        return PlotRectangle(x: grid.maxX + Self.colorBarGap, y: grid.minY, width: Self.colorBarWidth, height: grid.height)
    }

    public func draw(on canvas: CairoCanvas) {
        drawPageBackground(on: canvas)
        drawCells(on: canvas)
        drawLabels(on: canvas)
        drawColorBar(on: canvas)
        drawTitle(title, centerX: gridArea.center.x, top: 12, on: canvas)
    }

    private func drawCells(on canvas: CairoCanvas) {
        let fractions = matrix.rowNormalized
        let valueFontSize = min(14, cellSize * 0.2), countFontSize = min(10, cellSize * 0.14)
        for row in 0..<matrix.classCount {
            for column in 0..<matrix.classCount {
                let cell = cellRectangle(row: row, column: column)
                let fraction = fractions[row][column]
                let color = BluesColorMap.color(at: fraction)
                canvas.fill(cell, with: color)
                canvas.setColor(color.luminance < 0.5 ? .white : .black)
                let center = cell.center
                canvas.setFont(size: valueFontSize, bold: true)
                let valueText = fraction.isNaN ? "–" : String(format: "%.2f", fraction)
                canvas.drawText(valueText, at: PlotPoint(x: center.x, y: center.y - 2), horizontal: .center, vertical: .bottom)
                canvas.setFont(size: countFontSize)
                canvas.drawText("(\(matrix.counts[row][column]))", at: PlotPoint(x: center.x, y: center.y + 2),
                                horizontal: .center, vertical: .top)
            }
        }
    }

    private func drawLabels(on canvas: CairoCanvas) {
        let grid = gridArea
        canvas.setColor(.black)
        canvas.setFont(size: Self.labelFontSize)
        for (index, name) in classNames.enumerated() {
            let rowCenter = cellRectangle(row: index, column: 0).center.y
            canvas.drawText(name, at: PlotPoint(x: grid.minX - 8, y: rowCenter), horizontal: .right, vertical: .middle)
            let columnCenter = cellRectangle(row: 0, column: index).center.x
            if rotatesColumnLabels {
                canvas.drawText(name, at: PlotPoint(x: columnCenter + 4, y: grid.maxY + 6), horizontal: .right,
                                vertical: .top, angle: -.pi / 4)
            } else {
                canvas.drawText(name, at: PlotPoint(x: columnCenter, y: grid.maxY + 6), horizontal: .center, vertical: .top)
            }
        }
        canvas.setFont(size: Self.axisTitleFontSize, bold: true)
        canvas.drawText("Predicted label", at: PlotPoint(x: grid.center.x, y: pageHeight - 12), horizontal: .center, vertical: .bottom)
        canvas.drawText("True label", at: PlotPoint(x: 14, y: grid.center.y), horizontal: .center, vertical: .top, angle: -.pi / 2)
    }

    private func drawColorBar(on canvas: CairoCanvas) {
        let ticks = stride(from: 0.0, through: 1.0, by: 0.2).map { (position: $0, label: String(format: "%.1f", $0)) }
        ColorBar(colorMap: .blues, area: colorBarArea, ticks: ticks).draw(on: canvas)
    }
}
