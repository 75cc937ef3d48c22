import Checkpoints
import Foundation
import FuzzSupport
import Pipeline
import Slides
import TensorKit

/// Fuzzes the feature cache: its manifest (`cache.json`) and one cached word-feature file (a
/// safetensors file whose metadata names the format, encoder and weights).
///
/// Input: the manifest's bytes, one NUL byte, then the feature file's bytes. Both are checked
/// the ways hatnet uses them: `FeatureCache(directory:)` reads the manifest, `status` decides
/// whether the file may be reused (identity, recorded settings, every tensor), `read` loads it.
///
/// The cache directory and the slide's directory are made once; each input rewrites only the
/// two files in place (no directory or temporary file per input).
private let layout = WordGridLayout(bagSize: 64, wordSize: 32)  // 2 × 2 bags of 2 × 2 words
private let imageID = "slide"
private let settings = FeatureExtractionSettings(grid: WordGridOptions(), seed: 0)
private let key = FeatureCacheKey(encoderName: "espnetv2", weightsSHA256: String(repeating: "ab", count: 32))

@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let root = FuzzInput.scratchDirectory.appendingPathComponent("seed-cache", isDirectory: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let cache = try FeatureCache(root: root, key: key)
        let positions = layout.bagsPerSide * layout.bagsPerSide
        let regions = Tensor(shape: [positions, positions, 4], scalars: (0..<(positions * positions * 4)).map { Float($0) })
        let features = WordFeatures(
            words: Tensor(shape: [positions, positions, 3], scalars: (0..<(positions * positions * 3)).map { Float($0) / 7 }),
            geometry: try WordGeometry(tensor: regions, source: "seed"),
            tissueFractions: Tensor(shape: [positions, positions], scalars: [Float](repeating: 0.5, count: positions * positions)),
            scale: layout, view: 0)
        try cache.write(features, imageID: imageID, settings: settings)
        let manifest = try Data(contentsOf: cache.directory.appendingPathComponent(FeatureCache.manifestName))
        let file = try Data(contentsOf: cache.url(imageID: imageID, scale: layout, view: 0))
        return [("cache.bin", manifest + Data([0]) + file)]
    }
    _ = Scratch.directory
    return 0
}

/// The cache directory and its two files, made once per process.
private enum Scratch {
    static let directory: URL = {
        let directory = FuzzInput.scratchDirectory.appendingPathComponent("cache", isDirectory: true)
        let slide = directory.appendingPathComponent(imageID, isDirectory: true)
        do { try FileManager.default.createDirectory(at: slide, withIntermediateDirectories: true) } catch {
            fatalError("fuzz harness: cannot create \(slide.path): \(error)")
        }
        return directory
    }()
    static let manifest = directory.appendingPathComponent(FeatureCache.manifestName)
    /// Where every cache opened on `directory` keeps the slide's file (`FeatureCache.url`).
    static let featureFile = directory.appendingPathComponent(imageID, isDirectory: true)
        .appendingPathComponent("\(layout)_view_0.safetensors")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = FuzzInput.data(bytes, count)
    let split = input.firstIndex(of: 0) ?? input.endIndex
    FuzzInput.overwrite(Scratch.manifest, with: input[..<split])
    let cache: FeatureCache
    do { cache = try FeatureCache(directory: Scratch.directory) } catch {
        FuzzInput.requireNamesFile(error, Scratch.manifest.path)
        return 0
    }
    let featureFile = cache.url(imageID: imageID, scale: layout, view: 0)
    guard featureFile.path == Scratch.featureFile.path else {
        fatalError("fuzz harness: the cache put the file of \(imageID) at \(featureFile.path), not \(Scratch.featureFile.path)")
    }
    FuzzInput.overwrite(featureFile, with: split < input.endIndex ? input[(split + 1)...] : Data())
    _ = cache.status(imageID: imageID, scale: layout, view: 0, settings: settings)
    do { _ = try cache.read(imageID: imageID, scale: layout, view: 0) } catch {
        FuzzInput.requireNamesFile(error, featureFile.lastPathComponent)
    }
    return 0
}
