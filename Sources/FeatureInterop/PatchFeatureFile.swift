import FileOutput
import Foundation
import HDF5
import Slides
import TensorKit

/// The HDF5 layouts of patch features this module reads and writes.
///
/// Both store `features` `[N, F]` (float) and `coords` `[N, 2]` (the level-0 top-left x, y of each
/// patch) in the root group; they differ in where the patch size is recorded:
/// - `trident`: TRIDENT's `save_h5` (trident/IO.py, `WSI.extract_patch_features`): `coords`
///   attributes `patch_size` (at the target magnification), `patch_size_level0`,
///   `level0_magnification`, `target_magnification`, `overlap`, `level0_width`, `level0_height`,
///   `name`, `savetodir`; `features` attributes `name`, `savetodir`, `encoder`.
/// - `clam`: CLAM's `create_patches_fp.py` (wsi_core/WholeSlideImage.py `process_contour`):
///   `coords` attributes `patch_size` and `patch_level` (the pyramid level the patch was read at),
///   `downsample` (that level's (x, y) downsample), `level_dim`, `downsampled_level_dim`, `name`.
///   CLAM's `extract_features_fp.py` writes the features file without attributes, so the patch
///   size then comes from the patch-coordinates file of the same slide.
public enum PatchFeatureFormat: String, CaseIterable, Sendable {
    case trident
    case clam
}

/// One slide's patch features read from a TRIDENT or CLAM `.h5` file and checked: `features`
/// `[N, F]` finite float32 (float16/32/64 in the file), `coords` `[N, 2]` (integers, or floats as
/// TRIDENT accepts them), the patch size in level-0 pixels and what the file says about its
/// slide and encoder.
public struct PatchFeatures: Sendable {
    /// The file read.
    public let url: URL
    public let format: PatchFeatureFormat
    /// Patches (N).
    public let count: Int
    /// Features per patch (F).
    public let featureCount: Int
    /// `N · F` features, row-major.
    public let features: [Float]
    /// `N · 2` level-0 top-left corners (x, y), row-major.
    public let coordinates: [Double]
    /// The patch's size in level-0 pixels (width, height; equal unless CLAM's downsample differs
    /// in x and y).
    public let patchWidth: Double
    public let patchHeight: Double
    /// Where the patch size came from, e.g. `coords attribute patch_size_level0`.
    public let patchSizeSource: String
    /// The `encoder` attribute of `features` (TRIDENT), when present and not `None`.
    public let encoderName: String?
    /// The level-0 size of the slide the file records (TRIDENT `level0_width`, `level0_height`).
    public let recordedSlideSize: (width: Int, height: Int)?

    /// The largest feature width accepted (foundation models use up to 2560).
    public static let maximumFeatureCount = 1 << 20
    /// The largest patch side accepted, in level-0 pixels.
    public static let maximumPatchSize = Double(1 << 24)

    /// Reads and checks `url`.
    /// - Parameters:
    ///   - patchSizeLevel0: the patch side in level-0 pixels, overriding the file's attributes.
    ///   - patchesFile: CLAM only: the slide's patch-coordinates file (`patches/<slide>.h5` of
    ///     `create_patches_fp.py`), read for the patch size when the features file has none.
    /// - Throws: ``HDF5Error`` naming the file and dataset (missing, wrong rank, dtype or shape,
    ///   non-finite values, unreadable, no patch size), ``SizeLimitError`` when the datasets are
    ///   larger than the memory budget.
    public static func read(_ url: URL, format: PatchFeatureFormat, patchSizeLevel0: Double? = nil,
                            patchesFile: URL? = nil) throws -> PatchFeatures {
        let path = url.path
        let file = try HDF5File.open(path)
        let featureSet = try file.dataset("features"), coordinateSet = try file.dataset("coords")
        let featureShape = try featureSet.shape(), coordinateShape = try coordinateSet.shape()
        guard featureShape.count == 2 else {
            let hint = featureShape == [0] ? " (TRIDENT writes this for a slide without patches; it has no feature width)" : ""
            throw HDF5Error(path: path, object: "dataset 'features'", problem: "has shape \(featureShape); expected [patches, features]\(hint)")
        }
        let (count, width) = (featureShape[0], featureShape[1])
        guard (1...maximumFeatureCount).contains(width) else {
            throw HDF5Error(path: path, object: "dataset 'features'", problem: "has \(width) features per patch; expected 1 to \(maximumFeatureCount)")
        }
        guard coordinateShape == [count, 2] else {
            throw HDF5Error(path: path, object: "dataset 'coords'", problem: "has shape \(coordinateShape); expected [\(count), 2] "
                            + "(one level-0 x, y per row of 'features')")
        }
        guard case .float = try featureSet.elementKind() else {
            throw HDF5Error(path: path, object: "dataset 'features'", problem: "holds \(try featureSet.elementKind()); expected floats")
        }
        switch try coordinateSet.elementKind() {
        case .integer, .float: break
        case let kind: throw HDF5Error(path: path, object: "dataset 'coords'", problem: "holds \(kind); expected integers")
        }
        // Both datasets are checked against the budget together before either is read.
        let featureBytes = MemoryBudget.checkedProduct([count, width, MemoryLayout<Float>.size]) ?? Int.max
        let coordinateBytes = MemoryBudget.checkedProduct([count, 2, MemoryLayout<Double>.size]) ?? Int.max
        let (total, overflow) = featureBytes.addingReportingOverflow(coordinateBytes)
        try MemoryBudget.require(bytes: overflow ? Int.max : total, for: "\(path): datasets 'features' [\(count), \(width)] and 'coords' [\(count), 2]")

        let features = try featureSet.readFloat32()
        if let bad = features.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Error(path: path, object: "dataset 'features'", problem: "row \(bad / width), column \(bad % width) is \(features[bad]); "
                            + "every feature must be finite")
        }
        let coordinates = try coordinateSet.readFloat64()
        if let bad = coordinates.firstIndex(where: { !$0.isFinite }) {
            throw HDF5Error(path: path, object: "dataset 'coords'", problem: "row \(bad / 2) holds \(coordinates[bad]); coordinates must be finite")
        }

        let size = try patchSize(of: coordinateSet, format: format, override: patchSizeLevel0, patchesFile: patchesFile, path: path)
        var encoder: String?
        if case let .string(name)? = try featureSet.attribute("encoder"), !name.isEmpty, name != "None" { encoder = name }
        var recorded: (width: Int, height: Int)?
        if format == .trident, let width = try integer(coordinateSet, "level0_width", path: path),
           let height = try integer(coordinateSet, "level0_height", path: path) {
            recorded = (width, height)
        }
        return PatchFeatures(url: url, format: format, count: count, featureCount: width, features: features, coordinates: coordinates,
                             patchWidth: size.width, patchHeight: size.height, patchSizeSource: size.source, encoderName: encoder,
                             recordedSlideSize: recorded)
    }

    /// The `encoder` attribute of the file's `features` dataset, without reading any data.
    public static func encoderName(of url: URL) throws -> String? {
        let dataset = try HDF5File.open(url.path).dataset("features")
        guard case let .string(name)? = try dataset.attribute("encoder"), !name.isEmpty, name != "None" else { return nil }
        return name
    }

    /// Checks the patches against the slide they are imported onto: the level-0 size the file
    /// records (if any) is the slide's, and every top-left corner lies on the slide.
    /// - Throws: ``HDF5Error`` naming the file, the dataset and the first offending row.
    public func requireFits(slideWidth: Int, slideHeight: Int, slide: String) throws {
        if let recordedSlideSize, recordedSlideSize != (slideWidth, slideHeight) {
            throw HDF5Error(path: url.path, object: "dataset 'coords'", problem: "records a slide of \(recordedSlideSize.width)×"
                            + "\(recordedSlideSize.height) level-0 pixels (level0_width, level0_height), but \(slide) is "
                            + "\(slideWidth)×\(slideHeight); is this the features file of another slide?")
        }
        guard patchWidth <= Double(slideWidth), patchHeight <= Double(slideHeight) else {
            throw HDF5Error(path: url.path, object: "dataset 'coords'", problem: "gives patches of \(patchWidth)×\(patchHeight) level-0 pixels "
                            + "(\(patchSizeSource)), larger than \(slide) (\(slideWidth)×\(slideHeight))")
        }
        for row in 0..<count {
            let x = coordinates[2 * row], y = coordinates[2 * row + 1]
            guard x >= 0, y >= 0, x < Double(slideWidth), y < Double(slideHeight) else {
                throw HDF5Error(path: url.path, object: "dataset 'coords'", problem: "row \(row) places a patch at (\(x), \(y)), outside "
                                + "\(slide) (\(slideWidth)×\(slideHeight) level-0 pixels); is this the features file of another slide?")
            }
        }
    }

    // MARK: Attributes

    private static func patchSize(of coordinates: HDF5Dataset, format: PatchFeatureFormat, override: Double?, patchesFile: URL?,
                                  path: String) throws -> (width: Double, height: Double, source: String) {
        func checked(_ width: Double, _ height: Double, _ source: String, file: String) throws -> (Double, Double, String) {
            guard width.isFinite, height.isFinite, width >= 1, height >= 1, width <= maximumPatchSize, height <= maximumPatchSize else {
                throw HDF5Error(path: file, object: "dataset 'coords'", problem: "gives a level-0 patch size of \(width)×\(height) (\(source)); "
                                + "expected 1 to \(Int(maximumPatchSize)) pixels")
            }
            return (width, height, source)
        }
        if let override { return try checked(override, override, "--patch-size-level0", file: path) }
        switch format {
        case .trident:
            if let size = try number(coordinates, "patch_size_level0", path: path) {
                return try checked(size, size, "coords attribute patch_size_level0", file: path)
            }
            if let size = try number(coordinates, "patch_size", path: path),
               let source = try number(coordinates, "level0_magnification", path: path),
               let target = try number(coordinates, "target_magnification", path: path), target > 0 {
                return try checked(size * source / target, size * source / target,
                                   "coords attributes patch_size · level0_magnification / target_magnification", file: path)
            }
            throw HDF5Error(path: path, object: "dataset 'coords'", problem: "has no attribute patch_size_level0 (nor patch_size with "
                            + "level0_magnification and target_magnification), so the patch size is unknown; pass --patch-size-level0")
        case .clam:
            if let size = try clamPatchSize(coordinates, path: path) { return try checked(size.0, size.1, size.2, file: path) }
            if let patchesFile {
                let patches = try HDF5File.open(patchesFile.path).dataset("coords")
                if let size = try clamPatchSize(patches, path: patchesFile.path) {
                    return try checked(size.0, size.1, size.2 + " of \(patchesFile.path)", file: patchesFile.path)
                }
                throw HDF5Error(path: patchesFile.path, object: "dataset 'coords'", problem: "has no attribute patch_size, so the patch size is unknown")
            }
            throw HDF5Error(path: path, object: "dataset 'coords'", problem: "has no attribute patch_size (CLAM's extract_features_fp.py "
                            + "writes none into the features file); pass --patches-dir (the patches/ directory of create_patches_fp.py) "
                            + "or --patch-size-level0")
        }
    }

    /// CLAM: `patch_size` · `downsample` (x, y), the downsample defaulting to 1 at `patch_level` 0.
    private static func clamPatchSize(_ coordinates: HDF5Dataset, path: String) throws -> (Double, Double, String)? {
        guard let size = try number(coordinates, "patch_size", path: path) else { return nil }
        let object = "attribute 'downsample' of dataset 'coords'"
        switch try coordinates.attribute("downsample")?.numbers {
        case let values? where values.count == 1:
            return (size * values[0], size * values[0], "coords attributes patch_size · downsample")
        case let values? where values.count == 2:
            return (size * values[0], size * values[1], "coords attributes patch_size · downsample")
        case let values?:
            throw HDF5Error(path: path, object: object, problem: "holds \(values.count) numbers; expected the (x, y) downsample")
        case nil:
            guard let level = try number(coordinates, "patch_level", path: path) else {
                throw HDF5Error(path: path, object: "dataset 'coords'", problem: "has patch_size but neither downsample nor patch_level, "
                                + "so the level-0 patch size is unknown")
            }
            guard level == 0 else {
                throw HDF5Error(path: path, object: object, problem: "is missing and patch_level is \(level), so the level-0 patch size is unknown")
            }
            return (size, size, "coords attribute patch_size at patch_level 0")
        }
    }

    /// A numeric attribute holding one number, or `nil` when absent.
    private static func number(_ dataset: HDF5Dataset, _ name: String, path: String) throws -> Double? {
        guard let value = try dataset.attribute(name) else { return nil }
        guard let numbers = value.numbers, numbers.count == 1, numbers[0].isFinite else {
            throw HDF5Error(path: path, object: "attribute '\(name)' of dataset '\(dataset.name)'", problem: "is \(value); expected one finite number")
        }
        return numbers[0]
    }

    /// A numeric attribute holding one whole number in 1…2^31, or `nil` when absent.
    private static func integer(_ dataset: HDF5Dataset, _ name: String, path: String) throws -> Int? {
        guard let value = try number(dataset, name, path: path) else { return nil }
        guard value >= 1, value <= Double(Int32.max), value.rounded() == value else {
            throw HDF5Error(path: path, object: "attribute '\(name)' of dataset '\(dataset.name)'", problem: "is \(value); expected a positive whole number")
        }
        return Int(value)
    }
}
