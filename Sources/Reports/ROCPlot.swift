import Foundation

/// The ROC figure of the reference evaluator (`plot_roc` in utilities/roc_utils.py): one curve per
/// class in the reference's class colours, the micro average (black, dashed) and the macro average
/// (black, solid), the chance diagonal (grey, dashed), a dotted grid, axes from 0 to 1 (TPR to 1.05)
/// with ticks every 0.2, and a legend with each curve's AUC to two decimals.
public struct ROCPlot: Plot {
    public let analysis: ROCAnalysis
    public let classNames: [String]
    /// Optional heading above the axes.
    public let title: String?

    public let pageWidth = 520.0
    public let pageHeight: Double

    /// The upper end of the TPR axis (the reference's `plt.ylim([0.0, 1.05])`).
    public static let maximumTruePositiveRate = 1.05
    static let tickValues = stride(from: 0.0, through: 1.0, by: 0.2).map { $0 }

    /// - Precondition: one name per class of `analysis`.
    public init(analysis: ROCAnalysis, classNames: [String], title: String? = nil) {
        precondition(classNames.count == analysis.perClass.count,
                     "\(classNames.count) class names for \(analysis.perClass.count) ROC curves")
        self.analysis = analysis
        self.classNames = classNames
        self.title = title
        pageHeight = title == nil ? 440 : 464
    }

    /// The axes' rectangle on the page.
    public var plotArea: PlotRectangle {
        let top = title == nil ? 18.0 : 42.0
        return PlotRectangle(x: 64, y: top, width: pageWidth - 64 - 20, height: pageHeight - top - 52)
    }

    /// Page position of the ROC point (`falsePositiveRate`, `truePositiveRate`).
    public func point(falsePositiveRate: Double, truePositiveRate: Double) -> PlotPoint {
        let area = plotArea
        return PlotPoint(x: area.minX + falsePositiveRate * area.width,
                         y: area.maxY - truePositiveRate / Self.maximumTruePositiveRate * area.height)
    }

    /// A legend row: its text and how its line is drawn.
    struct LegendEntry {
        let label: String
        let color: PlotColor
        let lineWidth: Double
        let dash: [Double]
    }

    static func aucLabel(_ name: String, _ area: Double) -> String {
        area.isNaN ? "\(name) (AUC n/a)" : "\(name) (AUC = \(String(format: "%.2f", area)))"
    }

    /// Curves in drawing order (averages first, classes on top, as the reference).
    var entries: [(curve: ROCCurve, style: LegendEntry)] {
        var result = [
            (analysis.micro, LegendEntry(label: Self.aucLabel("Micro avg.", analysis.micro.area), color: .black, lineWidth: 1.5, dash: [6, 3])),
            (analysis.macro, LegendEntry(label: Self.aucLabel("Macro avg.", analysis.macro.area), color: .black, lineWidth: 1.5, dash: [])),
        ]
        for (index, curve) in analysis.perClass.enumerated() {
            result.append((curve, LegendEntry(label: Self.aucLabel(classNames[index], curve.area),
                                               color: PlotColor.classColor(index), lineWidth: 2, dash: [])))
        }
        return result
    }

    public func draw(on canvas: CairoCanvas) {
        let area = plotArea
        drawPageBackground(on: canvas)
        drawGrid(on: canvas)
        canvas.withSavedState {
            canvas.clip(to: area)
            canvas.setRoundLineEnds(true)
            canvas.setColor(.tableauGray)
            canvas.setLineWidth(1)
            canvas.setDash([5, 4])
            canvas.strokePolyline([point(falsePositiveRate: 0, truePositiveRate: 0), point(falsePositiveRate: 1, truePositiveRate: 1)])
            for (curve, style) in entries where curve.isDefined {
                canvas.setColor(style.color)
                canvas.setLineWidth(style.lineWidth)
                canvas.setDash(style.dash)
                canvas.strokePolyline(zip(curve.falsePositiveRates, curve.truePositiveRates).map {
                    point(falsePositiveRate: $0, truePositiveRate: $1)
                })
            }
        }
        drawAxes(on: canvas)
        drawLegend(on: canvas)
        drawTitle(title, centerX: area.center.x, top: 14, on: canvas)
    }

    private func drawGrid(on canvas: CairoCanvas) {
        canvas.withSavedState {
            canvas.setColor(.grid)
            canvas.setLineWidth(0.5)
            canvas.setDash([1, 2])
            for value in Self.tickValues {
                canvas.strokePolyline([point(falsePositiveRate: value, truePositiveRate: 0),
                                       point(falsePositiveRate: value, truePositiveRate: Self.maximumTruePositiveRate)])
                canvas.strokePolyline([point(falsePositiveRate: 0, truePositiveRate: value),
                                       point(falsePositiveRate: 1, truePositiveRate: value)])
            }
        }
    }

    private func drawAxes(on canvas: CairoCanvas) {
        let area = plotArea
        canvas.setRoundLineEnds(false)
        canvas.setDash([])
        canvas.setColor(.black)
        canvas.setLineWidth(1)
        canvas.addRectangle(area)
        canvas.stroke()
        canvas.setFont(size: 11)
        let tickLength = 4.0
        for value in Self.tickValues {
            let label = String(format: "%.1f", value)
            let x = point(falsePositiveRate: value, truePositiveRate: 0).x
            canvas.strokePolyline([PlotPoint(x: x, y: area.maxY), PlotPoint(x: x, y: area.maxY + tickLength)])
            canvas.drawText(label, at: PlotPoint(x: x, y: area.maxY + tickLength + 3), horizontal: .center, vertical: .top)
            let y = point(falsePositiveRate: 0, truePositiveRate: value).y
            canvas.strokePolyline([PlotPoint(x: area.minX - tickLength, y: y), PlotPoint(x: area.minX, y: y)])
            canvas.drawText(label, at: PlotPoint(x: area.minX - tickLength - 4, y: y), horizontal: .right, vertical: .middle)
        }
        canvas.setFont(size: 12, bold: true)
        canvas.drawText("False Positive Rate", at: PlotPoint(x: area.center.x, y: pageHeight - 10), horizontal: .center, vertical: .bottom)
        canvas.drawText("True Positive Rate", at: PlotPoint(x: 14, y: area.center.y), horizontal: .center, vertical: .top, angle: -.pi / 2)
    }

    private func drawLegend(on canvas: CairoCanvas) {
        let area = plotArea
        let styles = entries.map(\.style)
        canvas.setFont(size: 10.5)
        let rowHeight = 16.0, padding = 8.0, sampleLength = 26.0, gap = 8.0
        let textWidth = styles.map { canvas.textWidth($0.label) }.max() ?? 0
        let box = PlotRectangle(x: area.maxX - 10 - (padding * 2 + sampleLength + gap + textWidth),
                                y: area.maxY - 10 - (padding * 2 + rowHeight * Double(styles.count)),
                                width: padding * 2 + sampleLength + gap + textWidth,
                                height: padding * 2 + rowHeight * Double(styles.count))
        canvas.withSavedState {
            canvas.setColor(.white, alpha: 0.9)
            canvas.addRectangle(box)
            canvas.fill()
            canvas.setColor(.black)
            canvas.setLineWidth(0.8)
            canvas.addRectangle(box)
            canvas.stroke()
            for (row, style) in styles.enumerated() {
                let y = box.minY + padding + rowHeight * (Double(row) + 0.5)
                canvas.setColor(style.color)
                canvas.setLineWidth(style.lineWidth)
                canvas.setDash(style.dash)
                canvas.strokePolyline([PlotPoint(x: box.minX + padding, y: y), PlotPoint(x: box.minX + padding + sampleLength, y: y)])
                canvas.setColor(.black)
                canvas.drawText(style.label, at: PlotPoint(x: box.minX + padding + sampleLength + gap, y: y), vertical: .middle)
            }
        }
    }
}
