import Checkpoints
import Foundation
import TensorKit
import Slides
import FileOutput

/// A directory of cached word features, one safetensors file per slide, scale and view:
///
///     <root>/<encoder>-<weights hash>/cache.json                       (the ``FeatureCacheKey``)
///     <root>/<encoder>-<weights hash>/<image id>/bag_<B>_word_<W>_view_<V>.safetensors
///     <root>/<encoder>-<weights hash>/<image id>/.hatnet.lock           (held while a process computes the slide)
///
/// Each file holds `words` `[Nb, Nw, F]`, `word_regions` `[Nb, Nw, 4]` (x, y, width, height in
/// level-0 slide pixels), optionally `tissue_fractions` `[Nb, Nw]`, and metadata recording
/// everything its content depends on: the format version, the encoder (with its width or scale in
/// the name) and its weights' hash, the image, scale and view, and the
/// ``FeatureExtractionSettings`` (grid, tissue, normalisation, augmentation seed and transform).
///
/// Files are written atomically (a temporary file renamed into place) and checked before reuse:
/// ``status(imageID:scale:view:settings:)`` reads the whole file, so an empty, truncated or
/// damaged file, or one made with other settings, is recomputed rather than trusted, and
/// ``read(imageID:scale:view:)`` refuses it with an error naming the file. Image ids follow
/// ``ImageIdentifier``, so no file is ever read or written outside the key directory.
public struct FeatureCache: Sendable {
    /// The key directory (`<root>/<encoder>-<hash>`).
    public let directory: URL
    /// The encoder and weights every file here was computed with.
    public let key: FeatureCacheKey

    /// The manifest file in the key directory.
    public static let manifestName = "cache.json"
    /// The format version every file records (`format`); files of other versions are recomputed.
    static let formatName = "hatnet-word-features-2"

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
        AtomicFile.removeStaleTemporaryFiles(in: directory)
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
            return try JSONDecoder().decode(FeatureCacheKey.self, from: FileContents.read(url, maximumBytes: 1 << 24, kind: "feature cache manifest"))
        } catch let error as FileError {
            throw PipelineError.badInput(file: url.path, reason: error.problem)
        } catch {
            throw PipelineError.badInput(file: url.path, reason: "is not a feature cache manifest (\(error))")
        }
    }

    /// The file of one slide, scale and view. `imageID` must satisfy ``ImageIdentifier`` (the
    /// throwing methods check it; ``requireValid(imageID:)``).
    public func url(imageID: String, scale: WordGridLayout, view: Int) -> URL {
        directory.appendingPathComponent(imageID, isDirectory: true)
            .appendingPathComponent("\(scale)_view_\(view).safetensors")
    }

    /// The directory of one slide's files.
    public func slideDirectory(imageID: String) -> URL {
        directory.appendingPathComponent(imageID, isDirectory: true)
    }

    /// Throws when `imageID` could leave the cache directory (``ImageIdentifier``).
    /// - Throws: ``PipelineError/badInput(file:reason:)`` naming the cache directory.
    public func requireValid(imageID: String) throws {
        if let problem = ImageIdentifier.problem(with: imageID) {
            throw PipelineError.badInput(file: directory.path, reason: "\(problem); refusing to read or write outside the cache")
        }
    }

    /// Whether a file exists for one slide, scale and view (`false` for an invalid image id);
    /// ``status(imageID:scale:view:settings:)`` says whether it can be used.
    public func contains(imageID: String, scale: WordGridLayout, view: Int) -> Bool {
        ImageIdentifier.problem(with: imageID) == nil
            && FileManager.default.fileExists(atPath: url(imageID: imageID, scale: scale, view: view).path)
    }

    /// The image ids among `imageIDs` that lack some scale or view.
    public func imagesMissingFeatures(_ imageIDs: [String], scales: [WordGridLayout], views: Int) -> [String] {
        imageIDs.filter { imageID in
            scales.contains { scale in (0..<views).contains { !contains(imageID: imageID, scale: scale, view: $0) } }
        }
    }

    /// What a cached file is worth.
    public enum FileStatus: Equatable, Sendable {
        /// No file.
        case missing
        /// Complete, readable, finite, and made with the requested settings.
        case valid
        /// Readable but made with other settings (or by another format version or encoder); each
        /// reason names a setting, its recorded and its requested value.
        case stale(reasons: [String])
        /// Empty, truncated, unreadable, misplaced or holding non-finite values.
        case damaged(reason: String)
    }

    /// Checks the file of one slide, scale and view against `settings`: it is read completely
    /// (header, every tensor, finiteness), so `.valid` means training can use it as it is.
    public func status(imageID: String, scale: WordGridLayout, view: Int, settings: FeatureExtractionSettings) -> FileStatus {
        guard ImageIdentifier.problem(with: imageID) == nil else { return .damaged(reason: "invalid image id") }
        let url = self.url(imageID: imageID, scale: scale, view: view)
        guard FileManager.default.fileExists(atPath: url.path) else { return .missing }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: url) } catch { return .damaged(reason: "cannot be read (\(error))") }
        let identity = identityDifferences(file.metadata)
        if !identity.isEmpty { return .stale(reasons: identity) }
        let differences = settings.differences(fromMetadata: file.metadata, view: view)
        if !differences.isEmpty { return .stale(reasons: differences) }
        do { _ = try load(file, imageID: imageID, scale: scale, view: view) } catch let error as PipelineError {
            if case let .badInput(_, reason) = error { return .damaged(reason: reason) }
            return .damaged(reason: "\(error)")
        } catch {
            return .damaged(reason: "\(error)")
        }
        return .valid
    }

    /// The format version, encoder and weights a file records, where they differ from this cache's.
    private func identityDifferences(_ metadata: [String: String]) -> [String] {
        var reasons: [String] = []
        if metadata["format"] != Self.formatName {
            reasons.append("format \(metadata["format"] ?? "not recorded") in the file, \(Self.formatName) now")
        }
        if metadata["encoder"] != key.encoderName {
            reasons.append("encoder \(metadata["encoder"] ?? "not recorded") in the file, \(key.encoderName) now")
        }
        if metadata["weights_sha256"] != key.weightsSHA256 {
            reasons.append("encoder weights \(metadata["weights_sha256"] ?? "not recorded") in the file, \(key.weightsSHA256) now")
        }
        return reasons
    }

    /// Reads the header of one file and checks that it belongs here: this cache's format, encoder
    /// and weights, the image, scale and view its name says, and tensors of the scale's shapes.
    /// Reads no tensor data.
    /// - Returns: the file's metadata (with its ``FeatureExtractionSettings`` entries) and its
    ///   feature width F.
    /// - Throws: ``PipelineError`` naming the file and what is wrong.
    public func verifiedHeader(imageID: String, scale: WordGridLayout, view: Int) throws -> (metadata: [String: String], featureCount: Int) {
        try requireValid(imageID: imageID)
        let url = self.url(imageID: imageID, scale: scale, view: view)
        let file = try open(url, imageID: imageID, scale: scale, view: view)
        try checkShapes(file, scale: scale, shape: { try file.info($0).shape })
        return (file.metadata, try file.info("words").shape[2])
    }

    /// Reads one file, checking that it belongs here (``verifiedHeader(imageID:scale:view:)``)
    /// and that every value is finite.
    /// - Throws: ``PipelineError`` naming the file when it is missing, damaged, from another key
    ///   or another format version; `NonFiniteValueError` naming the file, tensor and first bad index.
    public func read(imageID: String, scale: WordGridLayout, view: Int) throws -> WordFeatures {
        try requireValid(imageID: imageID)
        let url = self.url(imageID: imageID, scale: scale, view: view)
        return try load(try open(url, imageID: imageID, scale: scale, view: view), imageID: imageID, scale: scale, view: view)
    }

    /// Opens a file and checks its identity and place.
    private func open(_ url: URL, imageID: String, scale: WordGridLayout, view: Int) throws -> SafeTensorsFile {
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw PipelineError.badInput(file: url.path, reason: "is not cached; run `hatnet features` for \(imageID) at \(scale), view \(view)")
        }
        let file: SafeTensorsFile
        do { file = try SafeTensorsFile(url: url) } catch {
            throw PipelineError.badInput(file: url.path, reason: "is damaged (\(error)); run `hatnet features` again to recompute it")
        }
        let metadata = file.metadata
        guard metadata["format"] == Self.formatName else {
            throw PipelineError.badInput(file: url.path, reason: "is not a word-feature file of this version (format "
                                         + "\(metadata["format"] ?? "missing"), expected \(Self.formatName)); run `hatnet features` again")
        }
        guard metadata["encoder"] == key.encoderName, metadata["weights_sha256"] == key.weightsSHA256 else {
            throw PipelineError.badInput(file: url.path, reason: "was computed by \(metadata["encoder"] ?? "?") with weights "
                                         + "\(metadata["weights_sha256"] ?? "?"), not this cache's \(key.encoderName) \(key.weightsSHA256)")
        }
        let expected = ["image_id": imageID, "bag_size": "\(scale.bagSize)", "word_size": "\(scale.wordSize)", "view": "\(view)"]
        for (name, value) in expected.sorted(by: { $0.key < $1.key }) where metadata[name] != value {
            throw PipelineError.badInput(file: url.path, reason: "records \(name) \(metadata[name] ?? "missing"), but its place in the "
                                         + "cache says \(value); it was moved or copied here, run `hatnet features` again")
        }
        return file
    }

    /// Checks the three tensors' shapes against `scale`.
    private func checkShapes(_ file: SafeTensorsFile, scale: WordGridLayout, shape: (String) throws -> [Int]) throws {
        for name in ["words", "word_regions"] where !file.contains(name) {
            throw PipelineError.badInput(file: file.url.path, reason: "has no tensor '\(name)'")
        }
        let words = try shape("words"), regions = try shape("word_regions")
        let tissue = file.contains("tissue_fractions") ? try shape("tissue_fractions") : nil
        let positions = scale.bagsPerSide * scale.bagsPerSide
        guard words.count == 3, words[0] == positions, words[1] == positions, words[2] > 0,
              regions == [positions, positions, 4], tissue.map({ $0 == [positions, positions] }) ?? true else {
            throw PipelineError.badInput(file: file.url.path, reason: "has words \(words), regions \(regions)"
                                         + "\(tissue.map { ", tissue \($0)" } ?? ""); \(scale) needs [\(positions), \(positions), F], "
                                         + "[\(positions), \(positions), 4] and [\(positions), \(positions)]")
        }
    }

    /// Reads the tensors of an opened file and checks their shapes and values.
    private func load(_ file: SafeTensorsFile, imageID: String, scale: WordGridLayout, view: Int) throws -> WordFeatures {
        try checkShapes(file, scale: scale, shape: { try file.info($0).shape })
        func tensor(_ name: String) throws -> Tensor {
            let value: Tensor
            do { value = try file.tensor(named: name) } catch {
                throw PipelineError.badInput(file: file.url.path, reason: "tensor '\(name)' cannot be read (\(error))")
            }
            try value.requireFinite("\(file.url.path): tensor '\(name)'")
            return value
        }
        let words = try tensor("words"), regions = try tensor("word_regions")
        let tissue = file.contains("tissue_fractions") ? try tensor("tissue_fractions") : nil
        let geometry: WordGeometry
        do { geometry = try WordGeometry(tensor: regions, source: file.url.path) } catch let error as WordGeometryError {
            throw PipelineError.badInput(file: file.url.path, reason: error.message)
        }
        return WordFeatures(words: words, geometry: geometry, tissueFractions: tissue, scale: scale, view: view)
    }

    /// Writes one slide's features atomically (replacing an existing file), recording `settings`
    /// and everything else the content depends on in the file's metadata.
    /// - Throws: ``PipelineError`` for an invalid image id or a directory that cannot be created;
    ///   `NonFiniteValueError` when the features are not finite (nothing is written).
    public func write(_ features: WordFeatures, imageID: String, settings: FeatureExtractionSettings) throws {
        try write(features, imageID: imageID, settingsMetadata: settings.metadata(view: features.view))
    }

    /// Writes one slide's features atomically with `settingsMetadata` recorded in place of a
    /// ``FeatureExtractionSettings``' entries: for features that were not computed from the slide's
    /// pixels by `hatnet features` (patch features imported from TRIDENT or CLAM), whose settings
    /// are of another kind. It should hold the entries' keys (`level`, `keep_aspect`, `tissue`, …),
    /// which training compares across files; the identity entries (format, encoder, weights,
    /// image, scale, view) are always this cache's and cannot be replaced.
    public func write(_ features: WordFeatures, imageID: String, settingsMetadata: [String: String]) throws {
        try requireValid(imageID: imageID)
        let url = self.url(imageID: imageID, scale: features.scale, view: features.view)
        try features.words.requireFinite("features of \(imageID) at \(features.scale), view \(features.view) (not written to \(url.path))")
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        } catch {
            throw PipelineError.badInput(file: url.deletingLastPathComponent().path,
                                         reason: "cannot create the directory (\(error.localizedDescription))")
        }
        var metadata = settingsMetadata
        metadata.merge([
            "format": Self.formatName, "encoder": key.encoderName, "weights_sha256": key.weightsSHA256,
            "image_id": imageID, "bag_size": "\(features.scale.bagSize)", "word_size": "\(features.scale.wordSize)",
            "view": "\(features.view)",
        ]) { $1 }
        var writer = SafeTensorsWriter(metadata: metadata)
        writer.add(features.words, named: "words")
        writer.add(features.geometry.tensor, named: "word_regions")
        if let tissue = features.tissueFractions { writer.add(tissue, named: "tissue_fractions") }
        try writer.write(to: url)
    }
}
