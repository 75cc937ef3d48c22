import ArgumentParser
import FileOutput
import Foundation
import Slides
import Synthesis

/// `hatnet synth`: writes a synthetic breast-biopsy cohort (pyramidal TIFFs, masks, GeoJSON,
/// labels.csv, split files).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Generate synthetic H&E-like slides of the four diagnostic classes with ground truth.")

    @Option(help: "Output directory (created if missing).")
    var out: String

    @Option(name: .customLong("count-per-class"), help: "Slides per class.")
    var countPerClass: Int = 2

    @Option(help: "Level-0 size WIDTHxHEIGHT in pixels (0.5 µm/px).")
    var size: SlideSize = SlideSize(width: 8192, height: 6144)

    @Option(help: "Random seed; the same seed gives the same cohort.")
    var seed: UInt64 = 1

    @Flag(help: "Write into a directory that already holds files (they may be replaced).")
    var overwrite = false

    func validate() throws {
        guard (1...10_000).contains(countPerClass) else {
            throw ValidationError("--count-per-class must be 1 to 10000, got \(countPerClass)")
        }
        guard (256...200_000).contains(size.width), (256...200_000).contains(size.height) else {
            throw ValidationError("--size must be between 256x256 and 200000x200000 pixels, got \(size.width)x\(size.height)")
        }
    }

    func run() throws {
        let existing = ((try? FileManager.default.contentsOfDirectory(atPath: out)) ?? []).filter { $0 != DirectoryLock.fileName }
        if !existing.isEmpty && !overwrite {
            throw FileError(path: out, problem: "already holds \(existing.count) file(s) (e.g. \(existing.sorted().prefix(3).joined(separator: ", "))); "
                            + "synth would replace its labels.csv, split files and slides — choose an empty --out or pass --overwrite")
        }
        try withOutputDirectory(out, purpose: "hatnet synth") { try synthesize() }
    }

    private func synthesize() throws {
        let progress = ProgressLine()
        let entries = try SyntheticCohort.generate(in: URL(fileURLWithPath: out), countPerClass: countPerClass,
                                                   width: size.width, height: size.height, seed: seed) {
            progress.update("synth: \($0)")
        }
        progress.finish()
        print("wrote \(entries.count) slides, labels.csv and train/val/test.txt to \(out)")
    }
}

/// A `WIDTHxHEIGHT` pair given on the command line.
struct SlideSize: ExpressibleByArgument {
    let width: Int
    let height: Int

    init(width: Int, height: Int) {
        self.width = width
        self.height = height
    }

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]), width > 0, height > 0 else { return nil }
        self.init(width: width, height: height)
    }

    var defaultValueDescription: String { "\(width)x\(height)" }
}
