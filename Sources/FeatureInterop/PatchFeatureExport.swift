import FileOutput
import Foundation
import HDF5
import Pipeline
import Slides
import TensorKit

/// What `hatnet export features` does: writes the words of a feature cache as patch features in
/// TRIDENT's or CLAM's HDF5 layout, one `<out>/<image id>.h5` per slide of the cache, so the
/// loaders of TRIDENT, CLAM and the MIL models built on them read HATNet's features.
///
/// Each file holds the untransformed view (0) at one scale:
/// - `features` `[N, F]` float32: the words in HATNet's order (bags column by column, words
///   column by column inside each bag), grid-padding words (`--keep-aspect`) left out;
/// - `coords` `[N, 2]` int64: each word's level-0 top-left (x, y), rounded to the nearest pixel.
///
/// Attributes, as TRIDENT's `save_h5` attaches them: on `features` `name`, `savetodir`, `encoder`
/// (the cache's encoder name); on `coords` (TRIDENT) `patch_size` (the word side in grid pixels),
/// `patch_size_level0` (the word's side in level-0 pixels, rounded: the larger of width and
/// height, which differ when a slide is stretched into the square grid), `level0_width`,
/// `level0_height` (the slide's level-0 size: the extent of the words), `overlap` 0, `name`,
/// `savetodir`; or (CLAM) `patch_size` (= the level-0 side), `patch_level` 0, `downsample`
/// (1.0, 1.0), `level_dim` and `downsampled_level_dim` (the slide's size), `name`. Both add
/// `word_width_level0` and `word_height_level0`, the exact (fractional) word size. The slide's
/// magnification is not known to the cache, so TRIDENT's `level0_magnification` and
/// `target_magnification` are not written.
public struct PatchFeatureExport {
    public let cache: FeatureCache
    public let format: PatchFeatureFormat
    public let outputDirectory: URL
    /// The scale to export; `nil`: the one scale the cache holds.
    public let scale: WordGridLayout?
    /// Replace existing `<image id>.h5` files.
    public let overwrite: Bool

    public init(cache: FeatureCache, format: PatchFeatureFormat, outputDirectory: URL, scale: WordGridLayout? = nil, overwrite: Bool = false) {
        self.cache = cache
        self.format = format
        self.outputDirectory = outputDirectory
        self.scale = scale
        self.overwrite = overwrite
    }

    /// One file to write.
    public struct Item: Sendable {
        public let imageID: String
        public let scale: WordGridLayout
        public let destination: URL
    }

    /// The untransformed scales (`bag_<B>_word_<W>_view_0.safetensors`) each slide of the cache has.
    public func cachedScales() throws -> [(imageID: String, scales: [WordGridLayout])] {
        let names: [String]
        do { names = try FileManager.default.contentsOfDirectory(atPath: cache.directory.path).sorted() } catch {
            throw FileError(path: cache.directory.path, problem: "cannot be listed (\(error.localizedDescription))")
        }
        return names.compactMap { name -> (imageID: String, scales: [WordGridLayout])? in
            guard ImageIdentifier.problem(with: name) == nil else { return nil }
            let directory = cache.slideDirectory(imageID: name)
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue,
                  let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path) else { return nil }
            let scales = files.compactMap(Self.scale(ofFileName:)).sorted { ($0.bagSize, $0.wordSize) < ($1.bagSize, $1.wordSize) }
            return scales.isEmpty ? nil : (name, scales)
        }
    }

    /// The scale of a view-0 cache file name `bag_<B>_word_<W>_view_0.safetensors`.
    static func scale(ofFileName name: String) -> WordGridLayout? {
        let parts = name.split(separator: "_")
        guard parts.count == 6, parts[0] == "bag", parts[2] == "word", parts[4] == "view", parts[5] == "0.safetensors",
              let bag = Int(parts[1]), let word = Int(parts[3]) else { return nil }
        return try? WordGridLayout(validatingBagSize: bag, wordSize: word)
    }

    /// The files to write, checked before any is: a scale for every slide, and no existing file
    /// unless ``overwrite``.
    /// - Throws: ``FileError`` naming the cache or the existing file.
    public func plan() throws -> [Item] {
        let slides = try cachedScales()
        guard !slides.isEmpty else {
            throw FileError(path: cache.directory.path, problem: "holds no slide features (no <image id>/bag_<B>_word_<W>_view_0.safetensors)")
        }
        let chosen: WordGridLayout
        if let scale {
            chosen = scale
        } else {
            let all = Set(slides.flatMap { $0.scales.map(\.description) })
            guard all.count == 1, let only = slides[0].scales.first else {
                throw FileError(path: cache.directory.path, problem: "holds several scales (\(all.sorted().joined(separator: ", "))); "
                                + "choose one with --bag-size and --word-size")
            }
            chosen = only
        }
        return try slides.map { slide in
            guard slide.scales.contains(chosen) else {
                throw FileError(path: cache.slideDirectory(imageID: slide.imageID).path, problem: "has no features at \(chosen), view 0 "
                                + "(it has \(slide.scales.map(\.description).joined(separator: ", ")))")
            }
            let destination = outputDirectory.appendingPathComponent("\(slide.imageID).h5")
            if !overwrite, FileManager.default.fileExists(atPath: destination.path) {
                throw FileError(path: destination.path, problem: "exists; pass --overwrite to replace it")
            }
            return Item(imageID: slide.imageID, scale: chosen, destination: destination)
        }
    }

    /// Writes one item atomically.
    /// - Returns: the number of words written (N).
    public func write(_ item: Item) throws -> Int {
        let features = try cache.read(imageID: item.imageID, scale: item.scale, view: 0)
        let regions = features.geometry.wordRegions, width = features.featureCount
        let kept = regions.indices.filter { !regions[$0].isEmpty }
        let words = features.words.scalars
        var values = [Float](), coordinates = [Int64]()
        values.reserveCapacity(kept.count * width)
        coordinates.reserveCapacity(kept.count * 2)
        for word in kept {
            values += words[(word * width)..<((word + 1) * width)]
            coordinates += [Int64(regions[word].x.rounded()), Int64(regions[word].y.rounded())]
        }
        let wordWidth = kept.map { regions[$0].width }.max() ?? 0, wordHeight = kept.map { regions[$0].height }.max() ?? 0
        let slideWidth = Int64((kept.map { regions[$0].x + regions[$0].width }.max() ?? 0).rounded())
        let slideHeight = Int64((kept.map { regions[$0].y + regions[$0].height }.max() ?? 0).rounded())
        let sideLevel0 = Int64(max(wordWidth, wordHeight).rounded())
        let savedTo = outputDirectory.path

        try AtomicFile.write(to: item.destination) { temporaryPath in
            let file = try HDF5File.create(temporaryPath)
            // The datasets are released (closed) at the end of this block, before the file is.
            do {
                let featureSet = try file.writeDataset("features", float32: values, shape: [kept.count, width])
                let coordinateSet = try file.writeDataset("coords", int64: coordinates, shape: [kept.count, 2])
                try featureSet.setAttribute("name", .string(item.imageID))
                try featureSet.setAttribute("savetodir", .string(savedTo))
                try featureSet.setAttribute("encoder", .string(cache.key.encoderName))
                var attributes: [(String, HDF5AttributeValue)]
                switch format {
                case .trident:
                    attributes = [("patch_size", .integer(Int64(item.scale.wordSize))), ("patch_size_level0", .integer(sideLevel0)),
                                  ("level0_width", .integer(slideWidth)), ("level0_height", .integer(slideHeight)), ("overlap", .integer(0)),
                                  ("name", .string(item.imageID)), ("savetodir", .string(savedTo))]
                case .clam:
                    attributes = [("patch_size", .integer(sideLevel0)), ("patch_level", .integer(0)), ("downsample", .floats([1, 1])),
                                  ("level_dim", .integers([slideWidth, slideHeight])),
                                  ("downsampled_level_dim", .integers([slideWidth, slideHeight])), ("name", .string(item.imageID))]
                }
                attributes += [("word_width_level0", .float(wordWidth)), ("word_height_level0", .float(wordHeight))]
                for (name, value) in attributes { try coordinateSet.setAttribute(name, value) }
            }
            try file.close()
        }
        return kept.count
    }
}
