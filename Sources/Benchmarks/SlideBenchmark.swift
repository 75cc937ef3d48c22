import Foundation
import Slides
import Synthesis

/// `hatnet bench slide`: slide → all words of the authors' setting (bag 1792, word 256, 2401 words),
/// streamed bag by bag from a large synthetic pyramidal slide, with time and peak memory; and the
/// same on a smaller slide through the reference's Python path when it is installed.
public enum SlideBenchmark {
    public struct Measurement: Sendable {
        public let label: String
        public let seconds: Double
        public let peakBytes: Int
        public let words: Int

        public var line: String {
            String(format: "%@: %.2f s, peak RSS %.2f GB, %d words", label, seconds, Double(peakBytes) / 1e9, words)
        }
    }

    /// Returns the synthetic slide `<directory>/bench_<w>x<h>.tiff`, generating it first unless a
    /// readable slide of that size is already there.
    public static func slide(width: Int, height: Int, in directory: URL, progress: (String) -> Void) throws -> (url: URL, generationSeconds: Double?) {
        let url = directory.appendingPathComponent("bench_\(width)x\(height).tiff")
        if let existing = try? openSlide(url), existing.dimensions == (width, height) { return (url, nil) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let start = Date()
        let synthetic = SyntheticSlide(width: width, height: height, diagnosticClass: .dcis, seed: 2024)
        try SyntheticCohort.writeSlide(synthetic, imageID: "bench_\(width)x\(height)", in: directory) { level, done, total in
            progress("generating \(width)x\(height): level \(level) tile row \(done)/\(total)")
        }
        return (url, Date().timeIntervalSince(start))
    }

    /// Streams every bag of `url` through a consumer that only touches the words, timing the whole
    /// slide → words path (opening included) and its peak memory.
    public static func measureSwift(slide url: URL, bagSize: Int = 1792, wordSize: Int = 256, label: String,
                                    progress: (String) -> Void) throws -> Measurement {
        resetPeakResidentBytes()
        let start = Date()
        let source = try openSlide(url)
        let extractor = WordGridExtractor(bagSize: bagSize, wordSize: wordSize)
        var words = 0
        var checksum: Float = 0
        try extractor.forEachBag(in: source) { bag in
            words += bag.words.shape[0]
            checksum += bag.words.scalars[bag.words.scalars.count / 2]
            progress("\(label): bag \(bag.index + 1)/\(extractor.layout.bagCount)")
        }
        let seconds = Date().timeIntervalSince(start)
        precondition(checksum.isFinite, "SlideBenchmark: non-finite words")
        return Measurement(label: label, seconds: seconds, peakBytes: peakResidentBytes() ?? 0, words: words)
    }

    /// The reference's Python path on `url`, or `nil` when python3 lacks openslide-python or cv2.
    public static func measureReference(slide url: URL, bagSize: Int = 1792, wordSize: Int = 256, label: String) throws -> Measurement? {
        guard ReferenceWordsScript.isAvailable() else { return nil }
        let result = try ReferenceWordsScript.measure(slide: url, bagSize: bagSize, wordSize: wordSize)
        let side = bagSize / wordSize
        return Measurement(label: label, seconds: result.seconds, peakBytes: result.peakRSSBytes, words: side * side * side * side)
    }
}
