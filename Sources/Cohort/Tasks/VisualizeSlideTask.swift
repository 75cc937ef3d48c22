import FileOutput
import Foundation
import Slides
import Visualization

/// `hatnet visualize` for one slide of many: its figures and `attention.json` in
/// `<output>/<slide name>/` (a ``VisualizationJob``), with the attention `attention` computes.
public struct VisualizeSlideTask: SlideTask {
    public let directory: URL
    public let topFraction: Double
    public let thumbnailSize: Int
    /// What follows a slide's path without extension in its annotations' file name (`.geojson`,
    /// `_mask.png`); `nil` for none.
    public let annotationsSuffix: String?
    public let attention: (any SlideSource) throws -> SlideAttention
    public let identity: [String: String]
    /// Receives each slide's visualization and files as they are written.
    public let written: (SlideWorkUnit, AttentionVisualization, AttentionVisualization.Files) -> Void

    public init(directory: URL, topFraction: Double, thumbnailSize: Int, annotationsSuffix: String?,
                identity: [String: String], attention: @escaping (any SlideSource) throws -> SlideAttention,
                written: @escaping (SlideWorkUnit, AttentionVisualization, AttentionVisualization.Files) -> Void = { _, _, _ in }) {
        self.directory = directory
        self.topFraction = topFraction
        self.thumbnailSize = thumbnailSize
        self.annotationsSuffix = annotationsSuffix
        self.identity = identity
        self.attention = attention
        self.written = written
    }

    public var command: String { "visualize" }

    public var settings: [String: String] {
        var settings = identity
        settings["top"] = "\(topFraction)"
        settings["thumbnail"] = "\(thumbnailSize)"
        settings["annotations_suffix"] = annotationsSuffix ?? "none"
        return settings
    }

    /// The slide's annotations file (`<slide without extension><suffix>`) when it exists.
    public func annotations(of unit: SlideWorkUnit) -> URL? {
        guard let annotationsSuffix else { return nil }
        let file = URL(fileURLWithPath: unit.file.deletingPathExtension().path + annotationsSuffix)
        return FileManager.default.fileExists(atPath: file.path) ? file : nil
    }

    public func outputDirectory(for unit: SlideWorkUnit) -> URL { directory.appendingPathComponent(unit.id, isDirectory: true) }

    public func claim(_ unit: SlideWorkUnit) throws -> DirectoryLock? {
        try OutputDirectoryLocks.claim(in: directory, unit: unit, purpose: "hatnet visualize \(unit.id)")
    }

    public func lockFile(for unit: SlideWorkUnit) -> URL { OutputDirectoryLocks.lockFile(in: directory, for: unit) }

    public func perform(_ unit: SlideWorkUnit) throws -> (files: [URL], note: String) {
        let output = outputDirectory(for: unit)
        AtomicFile.removeStaleTemporaryFiles(in: output)
        let job = VisualizationJob(slide: unit.file, outputDirectory: output, annotations: annotations(of: unit),
                                   topFraction: topFraction, thumbnailSize: thumbnailSize)
        let (visualization, files) = try job.run(attention: attention)
        written(unit, visualization, files)
        return (files.all, "\(files.all.count) file(s)")
    }
}
