import Checkpoints
import Reports
import Foundation
import TensorKit
import Slides
import FileOutput

/// A directory of cached word features, one safetensors file per slide, scale and view:
///
///     <root>/<encoder>-<weights hash>/cache.json                       (the ``FeatureCacheKey``)
///     <root>/<encoder>-<weights hash>/<image id>/bag_<B>_word_<W>_view_<V>.safetensors
///
/// Each file holds `words` `[Nb, Nw, F]`, `word_regions` `[Nb, Nw, 4]` (x, y, width, height in
/// level-0 slide pixels), optionally `tissue_fractions` `[Nb, Nw]`, and metadata naming the encoder,
/// its weights' hash, the image, scale and view. Files are written atomically (a temporary file
/// renamed into place), so a file that exists is complete: an interrupted `hatnet features` run
/// resumes by skipping the files already there.
public struct FeatureCache: Sendable {
    /// The key directory (`<root>/<encoder>-<hash>`).
    public let directory: URL
    /// The encoder and weights every file here was computed with.
    public let key: FeatureCacheKey

    /// The manifest file in the key directory.
    public static let manifestName = "cache.json"
    static let formatName = "hatnet-word-features-1"

    /// Opens the cache for `key` under `root`, creating its directory and manifest if needed.
    public init(root: URL, key: FeatureCacheKey) throws {
        directory = root.appendingPathComponent(key.directoryName, isDirectory: true)
        self.key = key
        let manifest = directory.appendingPathComponent(Self.manifestName)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PipelineError.badInput(file: directory.path, reason: "cannot create the feature cache directory (\(error.localizedDescription))")
        }
        if FileManager.default.fileExists(atPath: manifest.path) {
            let existing = try Self.readManifest(manifest)
            guard existing == key else {
                throw PipelineError.badInput(file: manifest.path, reason: "belongs to \(existing.encoderName) with weights "
                                             + "\(existing.weightsSHA256), not \(key.encoderName) with \(key.weightsSHA256)")
            }
        } else {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try AtomicFile.write(String(decoding: try encoder.encode(key), as: UTF8.self) + "\n", to: manifest)
        }
    }

    /// Opens an existing key directory (the one `hatnet features` prints), reading its manifest.
    public init(directory: URL) throws {
        let manifest = directory.appendingPathComponent(Self.manifestName)
        guard FileManager.default.fileExists(atPath: manifest.path) else {
            throw PipelineError.badInput(file: directory.path, reason: "is not a feature cache directory (no \(Self.manifestName); "
                                         + "pass the directory `hatnet features` printed)")
        }
        self.directory = directory
        self.key = try Self.readManifest(manifest)
    }

    private static func readManifest(_ url: URL) throws -> FeatureCacheKey {
        do {
            return try JSONDecoder().decode(FeatureCacheKey.self, from: Data(contentsOf: url))
        } catch {
            throw PipelineError.badInput(file: url.path, reason: "is not a feature cache manifest (\(error))")
        }
    }

    /// The file of one slide, scale and view.
    public func url(imageID: String, scale: WordGridLayout, view: Int) -> URL {
        directory.appendingPathComponent(imageID, isDirectory: true)
            .appendingPathComponent("\(scale)_view_\(view).safetensors")
    }

    /// Whether the features of one slide, scale and view are cached.
    public func contains(imageID: String, scale: WordGridLayout, view: Int) -> Bool {
        FileManager.default.fileExists(atPath: url(imageID: imageID, scale: scale, view: view).path)
    }

    /// The image ids among `imageIDs` that lack some scale or view.
    public func imagesMissingFeatures(_ imageIDs: [String], scales: [WordGridLayout], views: Int) -> [String] {
        imageIDs.filter { imageID in
            scales.contains { scale in (0..<views).contains { !contains(imageID: imageID, scale: scale, view: $0) } }
        }
    }

    /// Reads one file, checking that it was written for this cache's encoder and weights.
    /// - Throws: ``PipelineError`` naming the file when it is missing, damaged or from another key.
    public func read(imageID: String, scale: WordGridLayout, view: Int) throws -> WordFeatures {
        let url = self.url(imageID: imageID, scale: scale, view: view)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PipelineError.badInput(file: url.path, reason: "is not cached; run `hatnet features` for \(imageID) at \(scale), view \(view)")
        }
        let file = try SafeTensorsFile(url: url)
        let metadata = file.metadata
        guard metadata["format"] == Self.formatName else {
            throw PipelineError.badInput(file: url.path, reason: "is not a word-feature file (format \(metadata["format"] ?? "missing"))")
        }
        guard metadata["encoder"] == key.encoderName, metadata["weights_sha256"] == key.weightsSHA256 else {
            throw PipelineError.badInput(file: url.path, reason: "was computed by \(metadata["encoder"] ?? "?") with weights "
                                         + "\(metadata["weights_sha256"] ?? "?"), not this cache's \(key.encoderName) \(key.weightsSHA256)")
        }
        for name in ["words", "word_regions"] where !file.contains(name) {
            throw PipelineError.badInput(file: url.path, reason: "has no tensor '\(name)'")
        }
        let words = try file.tensor(named: "words"), regions = try file.tensor(named: "word_regions")
        let tissue = file.contains("tissue_fractions") ? try file.tensor(named: "tissue_fractions") : nil
        let positions = scale.bagsPerSide * scale.bagsPerSide
        guard words.rank == 3, words.shape[0] == positions, words.shape[1] == positions,
              regions.shape == [positions, positions, 4],
              tissue.map({ $0.shape == [positions, positions] }) ?? true else {
            throw PipelineError.badInput(file: url.path, reason: "has words \(words.shape), regions \(regions.shape)"
                                         + "\(tissue.map { ", tissue \($0.shape)" } ?? ""); \(scale) needs [\(positions), \(positions), F], "
                                         + "[\(positions), \(positions), 4] and [\(positions), \(positions)]")
        }
        return WordFeatures(words: words, wordRegions: regions, tissueFractions: tissue, scale: scale, view: view)
    }

    /// Writes one slide's features atomically (replacing an existing file).
    public func write(_ features: WordFeatures, imageID: String) throws {
        let url = self.url(imageID: imageID, scale: features.scale, view: features.view)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw PipelineError.badInput(file: url.deletingLastPathComponent().path,
                                         reason: "cannot create the directory (\(error.localizedDescription))")
        }
        var writer = SafeTensorsWriter(metadata: [
            "format": Self.formatName, "encoder": key.encoderName, "weights_sha256": key.weightsSHA256,
            "image_id": imageID, "bag_size": "\(features.scale.bagSize)", "word_size": "\(features.scale.wordSize)",
            "view": "\(features.view)",
        ])
        writer.add(features.words, named: "words")
        writer.add(features.wordRegions, named: "word_regions")
        if let tissue = features.tissueFractions { writer.add(tissue, named: "tissue_fractions") }
        try writer.write(to: url)
    }
}
