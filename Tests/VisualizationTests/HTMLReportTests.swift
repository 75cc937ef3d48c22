import Foundation
import Reports
import TestSupport
import Testing
@testable import Visualization

/// The self-contained HTML report: metrics tables from an evaluation results file, plots and
/// attention figures embedded as valid PNG data URIs, coverage figures, escaped text.
@Suite struct HTMLReportTests {
    static let metricsFixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/reference/metrics_n240_k4.json")
    static let classNames = ["Benign", "Atypia", "DCIS", "Invasive"]

    /// The data URIs' images, decoded.
    static func embeddedPNGs(in html: String) -> [Data] {
        html.components(separatedBy: "src=\"data:image/png;base64,").dropFirst().compactMap { part in
            Data(base64Encoded: String(part.prefix { $0 != "\"" }))
        }
    }

    @Test func reportHasTheMetricsTablePlotsAndSlideAttentionWithValidImages() throws {
        let directory = try TemporaryDirectory()
        let (report, outputs) = try MetricsJob(input: Self.metricsFixture, output: directory.file("results.json"),
                                               plotsDirectory: directory.file("plots"), classNames: Self.classNames).run()
        let evaluation = try EvaluationSummary(contentsOf: outputs.json)
        #expect(evaluation.classNames == Self.classNames && evaluation.caseCount == 240)
        #expect(abs(evaluation.overallAccuracy - report.metrics.overallAccuracy) < 1e-12)

        let scene = try FigureScene(bagScores: AttentionFigureTests.bagScores, wordScores: AttentionFigureTests.wordScores)
        let visualization = AttentionVisualization(overview: scene.overview, attention: scene.attention,
                                                   annotations: scene.annotations, topFraction: 0.5)
        let files = try visualization.write(to: directory.file("slide"), slidePath: "/scene.png")
        let section = try SlideReportSection(name: "synth <dcis> & co", visualization: visualization, files: files,
                                             trueClass: "DCIS", predictedClass: "DCIS", predictedProbability: 0.8)
        let plots = try [EmbeddedImage(pngAt: directory.file("plots/roc.png"), caption: "ROC curves"),
                         EmbeddedImage(pngAt: directory.file("plots/confusion_matrix.png"), caption: "Confusion matrix")]
        let htmlURL = directory.file("report.html")
        try HTMLReport(title: "HATNet report", introduction: "Test run.", evaluation: evaluation, plots: plots, slides: [section])
            .write(to: htmlURL)
        let html = try String(contentsOf: htmlURL, encoding: .utf8)

        #expect(html.hasPrefix("<!DOCTYPE html>") && html.contains("<style>") && !html.contains("<link"))
        #expect(html.contains("Accuracy <b>\(String(format: "%.1f%%", report.metrics.overallAccuracy * 100))</b>"))
        let sensitivity = report.metrics.sensitivity
        let row = "<tr><th>Sensitivity (recall)</th>" + (sensitivity.perClass + [sensitivity.macro, sensitivity.micro])
            .map { "<td>\(String(format: "%.3f", $0))</td>" }.joined() + "</tr>"
        #expect(html.contains(row), "sensitivity row with every class, macro and micro")
        #expect(html.contains("<tr><th>ROC AUC</th><td>\(String(format: "%.3f", report.roc.areas["0"]!))</td>"))
        #expect(html.contains(">50</td>"), "DCIS row of the confusion matrix: 50 correct")
        #expect(html.contains("synth &lt;dcis&gt; &amp; co") && !html.contains("synth <dcis>"))
        #expect(html.contains("<td>50.0%</td><td>50.0%</td><td>1.00×</td>"), "coverage of the scene's annotation by the top bags")

        let images = Self.embeddedPNGs(in: html)
        #expect(images.count == 6, "two plots and four attention figures")
        for (index, data) in images.enumerated() {
            let file = directory.file("embedded-\(index).png")
            try data.write(to: file)
            let canvas = try CairoCanvas(contentsOfPNG: file.path)
            #expect(canvas.pixelWidth > 0 && canvas.pixelHeight > 0)
        }
    }

    @Test func malformedResultsAndNonPNGImagesNameTheFile() throws {
        let directory = try TemporaryDirectory()
        let results = try directory.write(#"{"overall_accuracy": 0.5, "confusion_matrix": [[1, 2], [3]]}"#, to: "results.json")
        #expect {
            try EvaluationSummary(contentsOf: results)
        } throws: { error in
            (error as? ReportFileError).map { $0.path == results.path && $0.problem.contains("confusion_matrix") } ?? false
        }
        let text = try directory.write("not an image", to: "plot.png")
        #expect {
            try EmbeddedImage(pngAt: text, caption: "x")
        } throws: { error in
            (error as? ReportFileError).map { $0.path == text.path && $0.problem.contains("not a PNG") } ?? false
        }
    }
}
