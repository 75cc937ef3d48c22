import Foundation
import Reports
import FileOutput

/// A self-contained HTML report for pathologists and engineers: the evaluation metrics as tables,
/// the ROC and confusion-matrix plots, and per-slide attention figures with their annotation
/// coverage. Images are embedded as base64 `data:` URIs and the style sheet is inline, so the one
/// file can be mailed or archived; the text is deterministic (no timestamps).
public struct HTMLReport: Sendable {
    public var title: String
    /// A short paragraph under the title (what was run, on what data).
    public var introduction: String?
    /// The metrics tables, when an evaluation was run.
    public var evaluation: EvaluationSummary?
    /// Evaluation plots (ROC, confusion matrix).
    public var plots: [EmbeddedImage]
    public var slides: [SlideReportSection]
    /// The `hatnet serve` command that opens these slides in the zoomable viewer; when set, the
    /// report tells how to start it and links each slide to its viewer page.
    public var viewer: ViewerLink?

    /// A `hatnet serve` command and the address it serves at (`http://127.0.0.1:8080/`).
    public struct ViewerLink: Sendable, Equatable {
        public var command: String
        public var address: String
        public init(command: String, address: String = "http://127.0.0.1:8080/") {
            self.command = command
            self.address = address
        }
    }

    public init(title: String, introduction: String? = nil, evaluation: EvaluationSummary? = nil,
                plots: [EmbeddedImage] = [], slides: [SlideReportSection] = []) {
        self.title = title
        self.introduction = introduction
        self.evaluation = evaluation
        self.plots = plots
        self.slides = slides
    }

    /// Writes the report to `url` atomically.
    /// - Throws: ``ReportFileError`` naming `url`.
    public func write(to url: URL) throws { try AtomicFile.write(html, to: url) }

    /// The whole document.
    public var html: String {
        var body = "<h1>\(HTMLText.escaped(title))</h1>\n"
        if let introduction { body += "<p class=\"intro\">\(HTMLText.escaped(introduction))</p>\n" }
        if let viewer {
            body += "<p class=\"viewer\">Zoom into every slide with its attention overlays: run <code>\(HTMLText.escaped(viewer.command))</code>, "
                + "then open <a href=\"\(HTMLText.escaped(viewer.address))\">\(HTMLText.escaped(viewer.address))</a>.</p>\n"
        }
        if let evaluation { body += evaluationSection(evaluation) }
        if !plots.isEmpty { body += "<section><h2>Plots</h2><div class=\"plots\">" + plots.map(\.html).joined() + "</div></section>\n" }
        if !slides.isEmpty {
            body += "<section><h2>Where the network looked</h2>\n<p>" + HTMLText.escaped(Self.attentionExplanation) + "</p>\n"
            body += slides.map(slideSection).joined(separator: "\n") + "</section>\n"
        }
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTMLText.escaped(title))</title>
        <style>\(Self.styleSheet)</style>
        </head>
        <body>
        \(body)<footer>HATNet: Mehta et al., “HATNet: An End-to-End Holistic Attention Network for Diagnosis of Breast Biopsy Images”, arXiv:2007.13007.</footer>
        </body>
        </html>

        """
    }

    static let attentionExplanation = "HATNet splits each slide into a grid of bags, each made of words (small tiles). "
        + "It scores how much every word and every bag contributes to its diagnosis. The figures show the highest-scoring "
        + "bags and words over the slide and, where lesions were annotated, how much of the annotated area they cover "
        + "compared with choosing the same number of bags or words at random."

    private func evaluationSection(_ evaluation: EvaluationSummary) -> String {
        var html = "<section><h2>Diagnostic performance</h2>\n"
        html += "<p class=\"headline\"><span>\(evaluation.caseCount) cases</span><span>Accuracy <b>\(Self.percent(evaluation.overallAccuracy))</b></span>"
        if let f1 = evaluation.rows.first(where: { $0.name == "F1 score" })?.macro {
            html += "<span>Macro F1 <b>\(Self.decimal(f1))</b></span>"
        }
        if let auc = evaluation.rows.first(where: { $0.name == "ROC AUC" })?.macro {
            html += "<span>Macro ROC AUC <b>\(Self.decimal(auc))</b></span>"
        }
        html += "</p>\n<table class=\"metrics\"><thead><tr><th>Metric</th>"
        html += evaluation.classNames.map { "<th>\(HTMLText.escaped($0))</th>" }.joined() + "<th>Macro</th><th>Micro</th></tr></thead><tbody>\n"
        for row in evaluation.rows {
            html += "<tr><th>\(HTMLText.escaped(row.name))</th>"
            html += (row.perClass + [row.macro, row.micro]).map { "<td>\(Self.decimal($0))</td>" }.joined() + "</tr>\n"
        }
        html += "</tbody></table>\n<h3>Confusion matrix (rows: true class, columns: predicted class)</h3>\n"
        html += "<table class=\"confusion\"><thead><tr><th></th>"
        html += evaluation.classNames.map { "<th>\(HTMLText.escaped($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for (name, counts) in zip(evaluation.classNames, evaluation.confusionMatrix) {
            let total = max(1, counts.reduce(0, +))
            html += "<tr><th>\(HTMLText.escaped(name))</th>"
            html += counts.enumerated().map { column, count in
                let shade = ColorMap.blues.color(at: Double(count) / Double(total))
                let text = shade.luminance < 0.5 ? "#fff" : "#000"
                return "<td style=\"background:\(Self.hex(shade));color:\(text)\">\(count)</td>"
            }.joined() + "</tr>\n"
        }
        return html + "</tbody></table></section>\n"
    }

    private func slideSection(_ slide: SlideReportSection) -> String {
        var html = "<article class=\"slide\"><h3>\(HTMLText.escaped(slide.name))</h3>\n"
        if let viewer {
            let page = viewer.address + "view/" + (slide.name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? slide.name)
            html += "<p class=\"viewer\"><a href=\"\(HTMLText.escaped(page))\">Open in the viewer</a> (needs <code>\(HTMLText.escaped(viewer.command))</code> running)</p>\n"
        }
        html += "<p class=\"diagnosis\">"
        if let trueClass = slide.trueClass { html += "<span>True class: <b>\(HTMLText.escaped(trueClass))</b></span>" }
        if let predicted = slide.predictedClass {
            html += "<span>Predicted: <b>\(HTMLText.escaped(predicted))</b>"
            if let probability = slide.predictedProbability { html += " (\(Self.percent(probability)))" }
            html += "</span>"
        }
        html += "</p>\n"
        if let bags = slide.bagCoverage, let words = slide.wordCoverage {
            html += "<table class=\"coverage\"><thead><tr><th>Selection</th><th>Annotated area covered</th>"
                + "<th>Random selection (expected)</th><th>Ratio</th></tr></thead><tbody>\n"
            for (label, coverage) in [("bags", bags), ("words", words)] {
                html += "<tr><th>Top \(Self.percent(coverage.selectedFraction)) of \(label) (\(coverage.selectedCount) of \(coverage.candidateCount))</th>"
                    + "<td>\(Self.percent(coverage.coveredShare))</td><td>\(Self.percent(coverage.expectedRandomShare))</td>"
                    + "<td>\(coverage.gainOverRandom.isFinite ? String(format: "%.2f×", coverage.gainOverRandom) : "–")</td></tr>\n"
            }
            html += "</tbody></table>\n"
        }
        return html + "<div class=\"figures\">" + slide.images.map(\.html).joined() + "</div></article>"
    }

    static func percent(_ value: Double) -> String { value.isFinite ? String(format: "%.1f%%", value * 100) : "–" }
    static func decimal(_ value: Double?) -> String { value.map { $0.isFinite ? String(format: "%.3f", $0) : "–" } ?? "–" }
    static func hex(_ color: PlotColor) -> String {
        String(format: "#%02X%02X%02X", Int((color.red * 255).rounded()), Int((color.green * 255).rounded()), Int((color.blue * 255).rounded()))
    }

    static let styleSheet = """
    body{font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;padding:0 1em;color:#222;line-height:1.45}
    h1{font-size:1.7em;border-bottom:2px solid #08519C;padding-bottom:.3em}h2{color:#08519C;margin-top:1.8em}
    .intro{color:#444}.headline span,.diagnosis span{display:inline-block;margin-right:2em}
    table{border-collapse:collapse;margin:.8em 0}th,td{border:1px solid #ccc;padding:.35em .7em;text-align:right}
    thead th{background:#f0f4fa}tbody th{text-align:left;font-weight:normal}
    table.confusion td{min-width:3.5em;text-align:center;font-weight:bold}
    .plots,.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:1em}
    figure{margin:0}img{max-width:100%;height:auto;border:1px solid #ddd}figcaption{font-size:.9em;color:#555}
    article.slide{border-top:1px solid #ddd;padding-top:.5em;margin-top:1.5em}
    footer{margin-top:3em;font-size:.85em;color:#666}
    """
}
