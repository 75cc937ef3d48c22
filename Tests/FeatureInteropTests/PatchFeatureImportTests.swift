import FeatureInterop
import Foundation
import HDF5
import Pipeline
import Slides
import TensorKit
import Testing
import TestSupport

/// `hatnet import features` against a grid computed by hand: a 512×256 slide, bag 64, word 32
/// (2 × 2 bags of 2 × 2 words, stretched: each word is 128 × 64 level-0 pixels), and seven 32-pixel
/// patches written by h5py in TRIDENT's layout.
@Suite struct PatchFeatureImportTests {
    /// (x, y) top-left and the two features of each patch.
    static let patches: [(x: Int, y: Int, features: [Float])] = [
        (0, 0, [1, 2]),        // centre (16, 16): word column 0, row 0 → bag 0, word 0
        (96, 32, [3, 6]),      // centre (112, 48): the same word
        (130, 0, [10, -4]),    // centre (146, 16): column 1, row 0 → bag 0, word 2
        (120, 60, [5, 5]),     // centre (136, 76): column 1, row 1 → bag 0, word 3 (overlaps words 0, 1 and 2)
        (500, 250, [7, 8]),    // clipped to 500..512 × 250..256, centre (506, 253): column 3, row 3 → bag 3, word 3
        (300, 100, [-1, 0.5]), // centre (316, 116): column 2, row 1 → bag 2, word 1 (overlaps bag 3, word 0)
        (256, 64, [2, 2]),     // centre (272, 80): the same word
    ]

    /// Writes the slide and `<dir>/slide_1.h5` with h5py; `attributes` is Python for the coords attrs.
    static func writeInputs(in directory: TemporaryDirectory, attributes: String = "{'patch_size': 256, 'patch_size_level0': 32, "
                            + "'level0_width': 512, 'level0_height': 256, 'name': 'slide_1'}",
                            coordinatesType: String = "int64") throws -> (slide: URL, h5: URL) {
        let slide = directory.file("slide_1.png")
        try PNGImage.write(RGBImage(width: 512, height: 256, filledWith: (220, 130, 170)), to: slide)
        let h5 = directory.file("h5/slide_1.h5")
        try FileManager.default.createDirectory(at: h5.deletingLastPathComponent(), withIntermediateDirectories: true)
        let coords = patches.map { "[\($0.x), \($0.y)]" }.joined(separator: ", ")
        let features = patches.map { "[\($0.features.map { "\($0)" }.joined(separator: ", "))]" }.joined(separator: ", ")
        let result = try PythonInterop.run(script: """
            import sys, h5py, numpy as np
            # As TRIDENT's save_h5 (trident/IO.py) creates datasets: chunks of one row, unlimited rows.
            def save(f, key, val):
                d = f.create_dataset(key, shape=val.shape, maxshape=(None,) + val.shape[1:], chunks=(1,) + val.shape[1:], dtype=val.dtype)
                d[:] = val
                return d
            with h5py.File(sys.argv[1], "w") as f:
                d = save(f, "features", np.array([\(features)], dtype=np.float32))
                d.attrs["encoder"] = "uni_v1"
                d.attrs["name"] = "slide_1"
                c = save(f, "coords", np.array([\(coords)], dtype=np.\(coordinatesType)))
                for k, v in \(attributes).items():
                    c.attrs[k] = v
            """, arguments: [h5.path])
        #expect(result.status == 0, "h5py could not write \(h5.path): \(result.output)")
        return (slide, h5)
    }

    /// Expected words `[4, 4, 2]` (bag · 4 + word) and tissue fractions, by hand. Word area 8192.
    static let expectedWords: [Int: [Float]] = [0: [2, 4], 2: [10, -4], 3: [5, 5], 9: [0.5, 1.25], 15: [7, 8]]
    static let expectedTissue: [Int: Float] = [
        0: (1024 + 1024 + 8 * 4) / 8192,  // two whole patches and the corner of (120, 60)
        2: (1024 + 24 * 4) / 8192,        // (130, 0) and the edge of (120, 60)
        3: 24.0 * 28 / 8192,              // (120, 60) inside x 128..152, y 64..92
        9: (32.0 * 28 + 1024) / 8192,     // (300, 100) down to y 128, and (256, 64)
        15: 12.0 * 6 / 8192,              // the clipped corner patch
    ]

    @Test func wordsAreTheMeansOfThePatchesCentredInThem() throws {
        let directory = try TemporaryDirectory()
        let (slide, _) = try Self.writeInputs(in: directory)
        let scale = WordGridLayout(bagSize: 64, wordSize: 32)
        let job = PatchFeatureImport(options: .init(format: .trident, h5Directory: directory.file("h5"), scales: [scale]),
                                     featuresRoot: directory.file("features"))
        let (cache, summary) = try job.run(slides: [(imageID: "slide_1", file: slide)])
        #expect(summary.first?.read == 7 && summary.first?.assigned == 7)
        #expect(cache.key.encoderName == "trident-uni_v1")
        let features = try cache.read(imageID: "slide_1", scale: scale, view: 0)
        #expect(features.words.shape == [4, 4, 2])
        let words = features.words.scalars, tissue = try #require(features.tissueFractions).scalars
        for index in 0..<16 {
            let expected = Self.expectedWords[index] ?? [0, 0]
            #expect(Array(words[(2 * index)..<(2 * index + 2)]) == expected, "word \(index)")
            #expect(Swift.abs(tissue[index] - (Self.expectedTissue[index] ?? 0)) < 1e-6, "tissue of word \(index): \(tissue[index])")
        }
        // The geometry is the grid's: bag 2 (column 1, row 0), word 1 (column 0, row 1).
        #expect(features.geometry.wordRegion(bag: 2, word: 1) == SlideRectangle(x: 256, y: 64, width: 128, height: 64))
        let header = try cache.verifiedHeader(imageID: "slide_1", scale: scale, view: 0)
        #expect(header.metadata["import_format"] == "trident")
        #expect(header.metadata["keep_aspect"] == "stretched")
    }

    @Test func clamPatchSizeIsPatchSizeTimesDownsample() throws {
        let directory = try TemporaryDirectory()
        // 16 pixels at a level of downsample 2: 32 level-0 pixels, as above; int32 coords as CLAM writes.
        let (slide, _) = try Self.writeInputs(in: directory, attributes: "{'patch_size': 16, 'patch_level': 1, 'downsample': (2.0, 2.0)}",
                                              coordinatesType: "int32")
        let scale = WordGridLayout(bagSize: 64, wordSize: 32)
        let job = PatchFeatureImport(options: .init(format: .clam, h5Directory: directory.file("h5"), encoderName: "conch_v1", scales: [scale]),
                                     featuresRoot: directory.file("features"))
        let (cache, _) = try job.run(slides: [(imageID: "slide_1", file: slide)])
        #expect(cache.key.encoderName == "clam-conch_v1")
        let tissue = try #require(try cache.read(imageID: "slide_1", scale: scale, view: 0).tissueFractions).scalars
        #expect(Swift.abs(tissue[0] - Self.expectedTissue[0]!) < 1e-6)
    }

    @Test func clamFeaturesWithoutAttributesTakeThePatchSizeFromThePatchesFile() throws {
        let directory = try TemporaryDirectory()
        let (slide, _) = try Self.writeInputs(in: directory, attributes: "{}", coordinatesType: "int32")
        let patches = directory.file("patches/slide_1.h5")
        try FileManager.default.createDirectory(at: patches.deletingLastPathComponent(), withIntermediateDirectories: true)
        let result = try PythonInterop.run(script: """
            import sys, h5py, numpy as np
            with h5py.File(sys.argv[1], "w") as f:
                c = f.create_dataset("coords", data=np.zeros((7, 2), dtype=np.int32))
                c.attrs["patch_size"] = 32
                c.attrs["patch_level"] = 0
                c.attrs["downsample"] = np.array([1.0, 1.0])
            """, arguments: [patches.path])
        #expect(result.status == 0, "\(result.output)")
        let scale = WordGridLayout(bagSize: 64, wordSize: 32)
        let withoutSize = PatchFeatureImport(options: .init(format: .clam, h5Directory: directory.file("h5"), scales: [scale]),
                                             featuresRoot: directory.file("features"))
        #expect { try withoutSize.run(slides: [(imageID: "slide_1", file: slide)]) } throws: { error in
            "\(error)".contains("--patches-dir") && "\(error)".contains("slide_1.h5")
        }
        let job = PatchFeatureImport(options: .init(format: .clam, h5Directory: directory.file("h5"), patchesDirectory: directory.file("patches"),
                                                    scales: [scale]), featuresRoot: directory.file("features"))
        let (cache, _) = try job.run(slides: [(imageID: "slide_1", file: slide)])
        let words = try cache.read(imageID: "slide_1", scale: scale, view: 0).words.scalars
        #expect(Array(words[18..<20]) == [0.5, 1.25])
    }
}
