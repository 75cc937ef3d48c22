import Crypto
import FileOutput
import Foundation
import HDF5
import Pipeline
import Slides
import TensorKit

/// What `hatnet import features` does: turns each slide's TRIDENT or CLAM patch features
/// (`<h5 directory>/<image id>.h5`, patches of any size at any magnification) into HATNet's
/// `[bags, words, F]` grid at every requested scale (``WordPooling``: each word the mean of the
/// patches whose centre lies in it) and writes them as ordinary ``FeatureCache`` entries (view 0),
/// which `train`, `eval`, `predict --features` and `visualize --features` read like features of
/// `hatnet features`.
///
/// The slide file is opened for its level-0 size only, from which ``GridPlacement`` gives the
/// grid's ``WordGeometry`` exactly as `hatnet features` would cut it (stretched, or with
/// `keepAspect`). Every h5 file is checked before anything is written for it: datasets, dtypes,
/// shapes, finiteness, the patch size, the slide size it records and that every patch lies on the
/// slide (``PatchFeatures``).
///
/// The cache key is `<format>-<encoder>` (the `encoder` attribute TRIDENT records, or the name
/// given), with the SHA-256 of `hatnet import features <format> <encoder>` standing in for the
/// weights' hash, which imported features do not have.
public struct PatchFeatureImport {
    /// Where the patch features are and how to read them.
    public struct Options: Sendable {
        public var format: PatchFeatureFormat
        /// `<image id>.h5` files.
        public var h5Directory: URL
        /// CLAM: `<image id>.h5` patch-coordinate files of `create_patches_fp.py`, for the patch
        /// size when the features files record none.
        public var patchesDirectory: URL?
        /// The patch side in level-0 pixels, overriding the files' attributes.
        public var patchSizeLevel0: Double?
        /// The encoder's name in the cache key; default: the files' `encoder` attribute.
        public var encoderName: String?
        /// Fit the slide into the grid keeping its aspect ratio (as `--keep-aspect` of `features`).
        public var keepAspect: Bool
        /// The scales to pool onto (the base scale and those of multi-scale training).
        public var scales: [WordGridLayout]

        public init(format: PatchFeatureFormat, h5Directory: URL, patchesDirectory: URL? = nil, patchSizeLevel0: Double? = nil,
                    encoderName: String? = nil, keepAspect: Bool = false, scales: [WordGridLayout]) {
            self.format = format
            self.h5Directory = h5Directory
            self.patchesDirectory = patchesDirectory
            self.patchSizeLevel0 = patchSizeLevel0
            self.encoderName = encoderName
            self.keepAspect = keepAspect
            self.scales = scales
        }

        /// Rejects option values no import can run with.
        /// - Throws: ``FileError`` naming the option.
        public func validate() throws {
            guard !scales.isEmpty else { throw FileError(path: h5Directory.path, problem: "no scale to import onto") }
            if let patchSizeLevel0 {
                guard patchSizeLevel0.isFinite, patchSizeLevel0 >= 1, patchSizeLevel0 <= PatchFeatures.maximumPatchSize else {
                    throw FileError(path: "--patch-size-level0", problem: "must be 1 to \(Int(PatchFeatures.maximumPatchSize)) pixels, got \(patchSizeLevel0)")
                }
            }
            if let encoderName {
                guard !encoderName.isEmpty, encoderName.count <= 200, !encoderName.contains("\n") else {
                    throw FileError(path: "--encoder-name", problem: "must be 1 to 200 characters on one line")
                }
            }
        }
    }

    public let options: Options
    /// The root the cache directory is created under (like `features --features-dir`).
    public let featuresRoot: URL

    public init(options: Options, featuresRoot: URL) {
        self.options = options
        self.featuresRoot = featuresRoot
    }

    /// One slide: its image id (`<h5 directory>/<id>.h5`) and its slide file.
    public typealias Slide = (imageID: String, file: URL)

    /// The h5 file of a slide.
    public func h5File(imageID: String) -> URL { options.h5Directory.appendingPathComponent("\(imageID).h5") }

    /// CLAM's patch-coordinates file of a slide, when a patches directory was given.
    public func patchesFile(imageID: String) -> URL? { options.patchesDirectory?.appendingPathComponent("\(imageID).h5") }

    /// The cache key of the import: `<format>-<encoder>`, the encoder from the options or the files.
    /// - Throws: ``HDF5Error`` for a missing or unreadable file; ``FileError`` when the files
    ///   name different encoders.
    public func cacheKey(for slides: [Slide]) throws -> FeatureCacheKey {
        var named: (name: String, file: URL)?
        for slide in slides {
            // Opened even when the name is given: an unreadable file is refused before anything is written.
            let file = h5File(imageID: slide.imageID)
            guard let encoder = try PatchFeatures.encoderName(of: file), options.encoderName == nil else { continue }
            if let named, named.name != encoder {
                throw FileError(path: file.path, problem: "was made with encoder \(encoder), \(named.file.path) with \(named.name); "
                                + "import the features of one encoder at a time (or name one with --encoder-name)")
            }
            named = (encoder, file)
        }
        let name = options.encoderName ?? named?.name
        let encoder = "\(options.format.rawValue)-\(name ?? "unnamed")"
        let digest = SHA256.hash(data: Data("hatnet import features \(options.format.rawValue) \(name ?? "unnamed")".utf8))
        return FeatureCacheKey(encoderName: encoder, weightsSHA256: digest.map { String(format: "%02x", $0) }.joined())
    }

    /// The settings an imported file records instead of `hatnet features`' (the same keys, so
    /// training compares them across files), and where it came from.
    func settingsMetadata(_ patches: PatchFeatures) -> [String: String] {
        [
            "level": "none (imported \(options.format.rawValue) patch features)",
            "keep_aspect": options.keepAspect ? "kept" : "stretched",
            "tissue": "patch coverage",
            "min_tissue_fraction": "none",
            "normalisation": "that of the \(options.format.rawValue) encoder",
            "augmentation_seed": "none",
            "transform": "none",
            "import_format": options.format.rawValue,
            "import_file": patches.url.path,
            "import_patches": "\(patches.count)",
            "import_patch_size_level0": "\(patches.patchWidth)x\(patches.patchHeight) (\(patches.patchSizeSource))",
            "import_rule": "word = mean of the patches whose centre lies in it (zeros without); tissue fraction = "
                + "patch area in the word / word area, capped at 1 (0 without a patch)",
        ]
    }

    /// Where a run stands, for a progress line.
    public struct Progress: Sendable {
        public let done: Int
        public let total: Int
        public let item: String
        public let elapsedSeconds: Double
        public let remainingSeconds: Double?
    }

    /// Imports every slide at every scale.
    /// - Returns: the cache written to and, per slide, the patches read and the share assigned to
    ///   words at the first scale.
    /// - Throws: ``HDF5Error``/``FileError``/``SizeLimitError`` naming the offending file (a slide
    ///   already imported stays written; a run can be repeated, replacing the entries);
    ///   an invalid image id is refused before anything is read.
    @discardableResult
    public func run(slides: [Slide], progress: (Progress) -> Void = { _ in }) throws
        -> (cache: FeatureCache, patches: [(imageID: String, read: Int, assigned: Int)]) {
        try options.validate()
        // Every file is looked for, and opened for its encoder, before the cache is created.
        for slide in slides {
            if let problem = ImageIdentifier.problem(with: slide.imageID) {
                throw FileError(path: options.h5Directory.path, problem: "\(problem); refusing to read or write outside the directories")
            }
            let file = h5File(imageID: slide.imageID)
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw FileError(path: file.path, problem: "does not exist; every slide of the splits needs <h5-dir>/<image id>.h5")
            }
        }
        let key = try cacheKey(for: slides)
        let cache = try FeatureCache(root: featuresRoot, key: key)
        let start = Date()
        var summary: [(imageID: String, read: Int, assigned: Int)] = []
        for (done, slide) in slides.enumerated() {
            summary.append(try importSlide(slide, into: cache))
            let elapsed = Date().timeIntervalSince(start)
            progress(Progress(done: done + 1, total: slides.count, item: slide.imageID, elapsedSeconds: elapsed,
                              remainingSeconds: elapsed / Double(done + 1) * Double(slides.count - done - 1)))
        }
        return (cache, summary)
    }

    private func importSlide(_ slide: Slide, into cache: FeatureCache) throws -> (imageID: String, read: Int, assigned: Int) {
        let directory = cache.slideDirectory(imageID: slide.imageID)
        do { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) } catch {
            throw FileError(path: directory.path, problem: "cannot create the directory (\(error.localizedDescription))")
        }
        let lockFile = directory.appendingPathComponent(DirectoryLock.fileName)
        guard let lock = try DirectoryLock.tryAcquire(file: lockFile, purpose: "hatnet import features \(slide.imageID)") else {
            throw FileError(path: directory.path, problem: "another process is writing this slide's features (\(DirectoryLock.holder(of: lockFile)))")
        }
        defer { lock.release() }
        AtomicFile.removeStaleTemporaryFiles(in: directory)

        let patches = try PatchFeatures.read(h5File(imageID: slide.imageID), format: options.format,
                                             patchSizeLevel0: options.patchSizeLevel0, patchesFile: patchesFile(imageID: slide.imageID))
        let source = try openSlide(slide.file)
        let (width, height) = source.dimensions
        try patches.requireFits(slideWidth: width, slideHeight: height, slide: slide.file.path)
        let metadata = settingsMetadata(patches)
        var assignedAtFirstScale = 0
        for (index, scale) in options.scales.enumerated() {
            let placement = try GridPlacement(source: source, layout: scale,
                                              options: WordGridOptions(level: .automatic, keepAspect: options.keepAspect))
            let geometry = placement.geometry
            let bytes = WordPooling.workingBytes(wordCount: geometry.wordRegions.count, featureCount: patches.featureCount) ?? Int.max
            try MemoryBudget.require(bytes: bytes, for: "\(slide.imageID) at \(scale): \(geometry.wordRegions.count) words of \(patches.featureCount) features")
            let pooled = WordPooling.pool(patches, onto: geometry, slideWidth: width, slideHeight: height)
            if index == 0 { assignedAtFirstScale = pooled.assignedPatches }
            try cache.write(WordFeatures(words: pooled.words, geometry: geometry, tissueFractions: pooled.tissueFractions, scale: scale, view: 0),
                            imageID: slide.imageID, settingsMetadata: metadata)
        }
        return (slide.imageID, patches.count, assignedAtFirstScale)
    }
}
