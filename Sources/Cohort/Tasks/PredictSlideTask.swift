import FileOutput
import Foundation
import Pipeline
import Slides

/// `hatnet predict` for one slide: `<output>/<slide name>.json` (a ``DiagnosisReport``).
public struct PredictSlideTask: SlideTask {
    public let predictor: Predictor
    public let directory: URL
    public let topBags: Int
    public let topWords: Int
    /// The model and encoder identity (run directory, weights hashes) the CLI adds to ``settings``.
    public let identity: [String: String]
    /// Receives each report as it is written (for the command's output line).
    public let written: (DiagnosisReport, URL) -> Void

    public init(predictor: Predictor, directory: URL, topBags: Int, topWords: Int, identity: [String: String],
                written: @escaping (DiagnosisReport, URL) -> Void = { _, _ in }) {
        self.predictor = predictor
        self.directory = directory
        self.topBags = topBags
        self.topWords = topWords
        self.identity = identity
        self.written = written
    }

    public var command: String { "predict" }

    public var settings: [String: String] {
        var settings = identity
        for (key, value) in predictor.featureSettings { settings[key] = value }
        settings["scale"] = predictor.scale.description
        settings["top_bags"] = "\(topBags)"
        settings["top_words"] = "\(topWords)"
        return settings
    }

    public func destination(for unit: SlideWorkUnit) -> URL { directory.appendingPathComponent("\(unit.id).json") }

    public func claim(_ unit: SlideWorkUnit) throws -> DirectoryLock? {
        try OutputDirectoryLocks.claim(in: directory, unit: unit, purpose: "hatnet predict \(unit.id)")
    }

    public func lockFile(for unit: SlideWorkUnit) -> URL { OutputDirectoryLocks.lockFile(in: directory, for: unit) }

    public func perform(_ unit: SlideWorkUnit) throws -> (files: [URL], note: String) {
        let diagnosis = predictor.report(of: try predictor.diagnose(slide: try openSlide(unit.file), imageID: unit.file.lastPathComponent),
                                         slide: unit.file.path, topBags: topBags, topWords: topWords)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let destination = destination(for: unit)
        OutputDirectoryLocks.removeTemporaryFiles(of: destination)
        try AtomicFile.write(String(decoding: try encoder.encode(diagnosis), as: UTF8.self) + "\n", to: destination)
        written(diagnosis, destination)
        return ([destination], diagnosis.predictedClass)
    }
}
