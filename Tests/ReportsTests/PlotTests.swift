import Foundation
import TestSupport
import Testing
@testable import Reports

/// The ROC and confusion-matrix figures: both files written, PNG of the expected size, and the
/// expected colours where the layout says they are.
@Suite struct PlotTests {
    static let classNames = ["Benign", "Atypia", "DCIS", "Invasive"]

    static func fixtureReport() throws -> EvaluationReport {
        EvaluationReport(predictions: try PredictionSet(contentsOf: ReferenceFixture.metricsURL))
    }

    /// True when the pixel is within `tolerance` of `color` in every channel and opaque.
    static func pixel(_ canvas: CairoCanvas, at point: PlotPoint, scale: Double, isNear color: PlotColor, tolerance: Int = 3) -> Bool {
        let value = canvas.pixel(x: Int(point.x * scale), y: Int(point.y * scale))
        func near(_ channel: UInt8, _ expected: Double) -> Bool { abs(Int(channel) - Int((expected * 255).rounded())) <= tolerance }
        return value.alpha == 255 && near(value.red, color.red) && near(value.green, color.green) && near(value.blue, color.blue)
    }

    @Test func rocPlotWritesPDFAndPNGWithTheDiagonalAndClassCurves() throws {
        let directory = try TemporaryDirectory()
        let plot = ROCPlot(analysis: try Self.fixtureReport().roc, classNames: Self.classNames)
        let files = try plot.write(to: directory.file("roc"), pixelsPerPoint: 2)
        #expect(try directory.contents() == ["roc.pdf", "roc.png"], "no temporary files left behind")
        #expect(try Data(contentsOf: files.pdf).prefix(5) == Data("%PDF-".utf8))

        let image = try CairoCanvas(contentsOfPNG: files.png.path)
        #expect(image.pixelWidth == Int(plot.pageWidth * 2) && image.pixelHeight == Int(plot.pageHeight * 2))
        #expect(Self.pixel(image, at: PlotPoint(x: 2, y: 2), scale: 2, isNear: .white))
        // The dashed grey chance diagonal: some pixels along FPR = TPR in 0.25…0.35 are tab:gray.
        let diagonal = stride(from: 0.25, through: 0.35, by: 0.002).map { plot.point(falsePositiveRate: $0, truePositiveRate: $0) }
        #expect(diagonal.contains { Self.pixel(image, at: $0, scale: 2, isNear: .tableauGray, tolerance: 12) })
        // Each class colour appears (curves and legend samples).
        for index in 0..<4 {
            let color = PlotColor.classColor(index)
            var found = false
            for y in stride(from: 0, to: image.pixelHeight, by: 2) where !found {
                for x in stride(from: 0, to: image.pixelWidth, by: 2) where Self.pixel(image, at: PlotPoint(x: Double(x), y: Double(y)), scale: 1, isNear: color) {
                    found = true
                    break
                }
            }
            #expect(found, "class \(index) colour missing")
        }
    }

    @Test func confusionMatrixCellsHaveTheirRowNormalisedColour() throws {
        let directory = try TemporaryDirectory()
        let report = try Self.fixtureReport()
        let plot = ConfusionMatrixPlot(matrix: report.confusionMatrix, classNames: Self.classNames)
        let files = try plot.write(to: directory.file("confusion_matrix"), pixelsPerPoint: 2)
        #expect(try Data(contentsOf: files.pdf).prefix(5) == Data("%PDF-".utf8))
        let image = try CairoCanvas(contentsOfPNG: files.png.path)
        #expect(image.pixelWidth == Int(plot.pageWidth * 2) && image.pixelHeight == Int(plot.pageHeight * 2))
        // Row DCIS: [4, 7, 50, 7] of 68 cases. Sample each cell near its corner, away from the text.
        for (column, count) in [4, 7, 50, 7].enumerated() {
            let cell = plot.cellRectangle(row: 2, column: column)
            let expected = BluesColorMap.color(at: Double(count) / 68)
            #expect(Self.pixel(image, at: PlotPoint(x: cell.minX + 4, y: cell.minY + 4), scale: 2, isNear: expected),
                    "cell (2, \(column))")
        }
        // The diagonal cell is dark enough for white annotation text: some white pixels inside it.
        let diagonalCell = plot.cellRectangle(row: 2, column: 2).insetBy(20)
        let whiteInside = stride(from: diagonalCell.minX, to: diagonalCell.maxX, by: 0.5).contains { x in
            stride(from: diagonalCell.minY, to: diagonalCell.maxY, by: 0.5).contains { y in
                Self.pixel(image, at: PlotPoint(x: x, y: y), scale: 2, isNear: .white, tolerance: 10)
            }
        }
        #expect(whiteInside)
    }

    @Test func bluesColorMapSpansTheColorBrewerStops() {
        #expect(BluesColorMap.color(at: 0) == PlotColor(hex: 0xF7FBFF))
        #expect(BluesColorMap.color(at: 1) == PlotColor(hex: 0x08306B))
        #expect(BluesColorMap.color(at: 0.5) == PlotColor(hex: 0x6BAED6))
        #expect(BluesColorMap.color(at: 2) == BluesColorMap.color(at: 1))
    }

    @Test func manyClassesWithLongNamesStillLayOut() throws {
        let names = (0..<7).map { "Long class name \($0)" }
        let labels = Array(0..<7) + Array(0..<7)
        let probabilities = labels.map { label in (0..<7).map { $0 == label ? 0.7 : 0.05 } }
        let report = EvaluationReport(predictions: try PredictionSet(trueLabels: labels, probabilities: probabilities))
        let matrixPlot = ConfusionMatrixPlot(matrix: report.confusionMatrix, classNames: names)
        #expect(matrixPlot.rotatesColumnLabels)
        let matrixImage = try matrixPlot.rasterImage(pixelsPerPoint: 1)
        #expect(matrixImage.pixelWidth == Int(matrixPlot.pageWidth.rounded()))
        let rocImage = try ROCPlot(analysis: report.roc, classNames: names, title: "Seven classes").rasterImage(pixelsPerPoint: 1)
        #expect(rocImage.pixelHeight == 464)
    }

    @Test func readingAMissingPNGNamesTheFile() {
        #expect(throws: ReportFileError.self) { try CairoCanvas(contentsOfPNG: "/nonexistent/plot.png") }
    }
}
