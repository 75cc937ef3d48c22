import Checkpoints
import Foundation
import FuzzSupport
import Pipeline
import Slides
import TensorKit

/// Fuzzes the feature cache: its manifest (`cache.json`) and one cached word-feature file (a
/// safetensors file whose metadata names the format, encoder and weights).
///
/// Input: the manifest's bytes, one NUL byte, then the feature file's bytes.
private let layout = WordGridLayout(bagSize: 64, wordSize: 32)  // 2 × 2 bags of 2 × 2 words
private let imageID = "slide"
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
        let features = WordFeatures(
            words: Tensor(shape: [positions, positions, 3], scalars: (0..<(positions * positions * 3)).map { Float($0) / 7 }),
            wordRegions: Tensor(shape: [positions, positions, 4], scalars: (0..<(positions * positions * 4)).map { Float($0) }),
            tissueFractions: Tensor(shape: [positions, positions], scalars: [Float](repeating: 0.5, count: positions * positions)),
            scale: layout, view: 0)
        try cache.write(features, imageID: imageID)
        let manifest = try Data(contentsOf: cache.directory.appendingPathComponent(FeatureCache.manifestName))
        let file = try Data(contentsOf: cache.url(imageID: imageID, scale: layout, view: 0))
        return [("cache.bin", manifest + Data([0]) + file)]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = FuzzInput.data(bytes, count)
    let split = input.firstIndex(of: 0) ?? input.endIndex
    let directory = FuzzInput.scratchDirectory.appendingPathComponent("cache", isDirectory: true)
    try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let manifest = directory.appendingPathComponent(FeatureCache.manifestName)
    _ = FileManager.default.createFile(atPath: manifest.path, contents: input[..<split])
    let cache: FeatureCache
    do { cache = try FeatureCache(directory: directory) } catch {
        FuzzInput.requireNamesFile(error, manifest.path)
        return 0
    }
    let featureFile = cache.url(imageID: imageID, scale: layout, view: 0)
    try? FileManager.default.createDirectory(at: featureFile.deletingLastPathComponent(), withIntermediateDirectories: true)
    _ = FileManager.default.createFile(atPath: featureFile.path, contents: split < input.endIndex ? input[(split + 1)...] : Data())
    do { _ = try cache.read(imageID: imageID, scale: layout, view: 0) } catch {
        FuzzInput.requireNamesFile(error, featureFile.lastPathComponent)
    }
    return 0
}
