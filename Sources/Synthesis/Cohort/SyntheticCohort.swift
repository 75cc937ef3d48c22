import Foundation
import Slides
import TensorKit
import FileOutput

/// A synthetic data set of breast-biopsy slides for end-to-end tests and demonstrations.
///
/// `generate` writes into one directory, for each slide `<id>.tiff` (tiled JPEG pyramid, see
/// ``PyramidalTIFFWriter``), `<id>_mask.png` (grey lesion mask, values
/// ``DiagnosticClass/maskValue``, at the downsample listed in labels.csv) and `<id>.geojson`
/// (``AnnotationGeoJSON``); plus `labels.csv` (`image_id,label,class_name,width,height,mask_downsample`
/// with a header) and the reference's split files `train.txt`, `val.txt`, `test.txt`
/// (`image_id,label` per line, no header; the reference's loader appends `.tiff` to the id).
public enum SyntheticCohort {
    /// One generated slide.
    public struct Entry: Sendable, Equatable {
        public let imageID: String
        public let diagnosticClass: DiagnosticClass
        public let split: String
    }

    /// Where ``generate(in:countPerClass:width:height:seed:progress:)`` stands: one pyramid tile row
    /// of one slide written. Its description is a human-readable progress line.
    public struct Progress: Sendable, CustomStringConvertible {
        /// 1-based number of the slide being written, of `slideCount`.
        public let slide: Int
        public let slideCount: Int
        public let imageID: String
        /// Pyramid level, and tile rows of it written so far of `rows`.
        public let level: Int
        public let row: Int
        public let rows: Int

        public var description: String { "slide \(slide)/\(slideCount) \(imageID): level \(level) tile row \(row)/\(rows)" }
    }

    /// Generates `countPerClass` slides of each class at `width × height`, deterministically from
    /// `seed`. `progress` receives every step (for a progress display).
    @discardableResult
    public static func generate(in directory: URL, countPerClass: Int, width: Int, height: Int, seed: UInt64,
                                progress: (Progress) -> Void = { _ in }) throws -> [Entry] {
        precondition(countPerClass > 0, "SyntheticCohort: countPerClass must be positive, got \(countPerClass)")
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw SlideError.writeFailed(path: directory.path, reason: error.localizedDescription)
        }
        var generator = SeededGenerator(seed: seed)
        var entries: [Entry] = []
        for diagnosticClass in DiagnosticClass.allCases {
            let splits = splitNames(count: countPerClass, generator: &generator)
            for index in 0..<countPerClass {
                let imageID = "synth_\(diagnosticClass.name.lowercased())_\(String(format: "%03d", index))"
                entries.append(Entry(imageID: imageID, diagnosticClass: diagnosticClass, split: splits[index]))
            }
        }
        var labels = "image_id,label,class_name,width,height,mask_downsample\n"
        for (number, entry) in entries.enumerated() {
            let slideSeed = seed &* 6_364_136_223_846_793_005 &+ UInt64(number + 1) &* 1_442_695_040_888_963_407
            let slide = SyntheticSlide(width: width, height: height, diagnosticClass: entry.diagnosticClass, seed: slideSeed)
            try writeSlide(slide, imageID: entry.imageID, in: directory) { level, done, total in
                progress(Progress(slide: number + 1, slideCount: entries.count, imageID: entry.imageID, level: level, row: done, rows: total))
            }
            let downsample = slide.maskDownsample()
            let mask = slide.lesionMask(downsample: downsample)
            try PNGImage.writeGray(mask.values, width: mask.width, height: mask.height,
                                   to: directory.appendingPathComponent("\(entry.imageID)_mask.png"))
            try AnnotationGeoJSON.write(slide.lesions, to: directory.appendingPathComponent("\(entry.imageID).geojson"))
            labels += "\(entry.imageID),\(entry.diagnosticClass.rawValue),\(entry.diagnosticClass.name),\(width),\(height),\(downsample)\n"
        }
        try AtomicFile.write(labels, to: directory.appendingPathComponent("labels.csv"))
        for split in ["train", "val", "test"] {
            let lines = entries.filter { $0.split == split }.map { "\($0.imageID),\($0.diagnosticClass.rawValue)\n" }.joined()
            try AtomicFile.write(lines, to: directory.appendingPathComponent("\(split).txt"))
        }
        return entries
    }

    /// Writes one slide's pyramid to `<directory>/<imageID>.tiff`.
    public static func writeSlide(_ slide: SyntheticSlide, imageID: String, in directory: URL,
                                  progress: (Int, Int, Int) -> Void = { _, _, _ in }) throws {
        let writer = PyramidalTIFFWriter(
            description: "hatnet synthetic breast biopsy; class=\(slide.diagnosticClass.name); label=\(slide.diagnosticClass.rawValue)",
            micronsPerPixel: SyntheticSlide.micronsPerPixel)
        try writer.write(to: directory.appendingPathComponent("\(imageID).tiff"), width: slide.width, height: slide.height,
                         renderTile: { level, rectangle in slide.render(region: rectangle, downsample: 1 << level) },
                         progress: progress)
    }

    /// Split of each slide of one class: about 70 % train, 15 % validation, 15 % test (at least one
    /// test slide from two slides on, one validation slide from three on), in a seeded order.
    static func splitNames(count: Int, generator: inout SeededGenerator) -> [String] {
        let testCount = count >= 2 ? max(1, Int((Double(count) * 0.15).rounded())) : 0
        let validationCount = count >= 3 ? max(1, Int((Double(count) * 0.15).rounded())) : 0
        var names = Array(repeating: "train", count: count - testCount - validationCount)
            + Array(repeating: "val", count: validationCount) + Array(repeating: "test", count: testCount)
        names.shuffle(using: &generator)
        return names
    }
}
