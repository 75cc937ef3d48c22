import Checkpoints
import Foundation
import Slides
import TensorKit
import Testing
import TestSupport

/// `hatnet visualize --overlay-tiff` on a 100,000 × 80,000 slide: the overlay is streamed, so the
/// whole command's peak resident memory — measured from outside by the parent's `getrusage` —
/// stays under 1 GB, and OpenSlide opens the result with the slide's size and its pyramid.
@Suite struct OverlayMemoryTests {
    static let width = 100_000, height = 80_000
    /// Words of 4000 × 4000 level-0 pixels: 25 × 20 of them, as 20 bags of 25 words.
    static let wordSide = 4000.0, columns = 25, rows = 20

    @Test func overlayOfAHundredThousandPixelWideSlideStaysUnderOneGigabyte() throws {
        let directory = try TemporaryDirectory()
        let slideStarted = Date()
        // The slide: a white pyramidal TIFF of the full size (one-colour tiles cost nothing to write).
        try PyramidalTIFFWriter(description: "large white test slide")
            .writeRGBA(to: directory.file("large.tiff"), width: Self.width, height: Self.height) { _, _ in
                .uniform(RGBAPixel(red: 255, green: 255, blue: 255, alpha: 255))
            }
        let slideSeconds = Date().timeIntervalSince(slideStarted)
        // Scores with the word rectangles (as `hatnet words` stores them), bag b = row b, word w = column w.
        var regions: [Float] = [], wordScores: [Float] = []
        for row in 0..<Self.rows {
            for column in 0..<Self.columns {
                regions += [Float(Double(column) * Self.wordSide), Float(Double(row) * Self.wordSide), Float(Self.wordSide), Float(Self.wordSide)]
                wordScores.append(Float((row * 31 + column * 17) % 97))
            }
        }
        var writer = SafeTensorsWriter()
        writer.add(Tensor(shape: [1, Self.rows, Self.columns], scalars: wordScores), named: "word_scores")
        writer.add(Tensor(shape: [1, Self.rows], scalars: (0..<Self.rows).map { Float($0) }), named: "bag_scores")
        writer.add(Tensor(shape: [Self.rows, Self.columns, 4], scalars: regions), named: "word_regions")
        try writer.write(to: directory.file("scores.safetensors"))

        let arguments = [CommandLineHarness.binary.path, "visualize", "large.tiff", "--scores", "scores.safetensors", "--out", "figures",
                         "--thumbnail", "256", "--overlay-tiff", "overlay.tiff", "--qupath", "tiles.geojson"]
        let started = Date()
        let result = try PythonInterop.run(script: Self.script, arguments: [directory.url.path, "\(Self.wordSide)", "\(Self.columns)"]
                                           + wordScores.map { "\($0)" } + ["--"] + arguments)
        let seconds = Date().timeIntervalSince(started)
        #expect(result.status == 0, "\(result.output.suffix(2000))")
        let peak = result.output.split(separator: "\n").first { $0.hasPrefix("peak_rss_kb ") }.flatMap { Int($0.split(separator: " ")[1]) }
        let kilobytes = try #require(peak, "no peak RSS in: \(result.output.suffix(2000))")
        print("overlay of a \(Self.width)×\(Self.height) slide: peak RSS \(kilobytes / 1024) MB, \(Int(seconds)) s (debug build; "
              + "the test slide took \(Int(slideSeconds)) s); \(result.output.split(separator: "\n").filter { $0.hasPrefix("cpu_seconds") })")
        #expect(kilobytes <= 1 << 20, "peak RSS \(kilobytes / 1024) MB exceeds 1 GB")
    }

    /// Runs hatnet (the arguments after `--`) in the directory, reports the child's peak RSS from
    /// `getrusage(RUSAGE_CHILDREN)` (this Python process starts no other child), then opens the
    /// overlay with OpenSlide and checks the size, the pyramid and each word's colour at its centre.
    static let script = PaletteReference.pythonInferno + #"""
    import math, resource, subprocess, sys
    import openslide
    split = sys.argv.index("--")
    directory, side, columns = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
    scores = [float(s) for s in sys.argv[4:split]]
    command = sys.argv[split + 1:]
    run = subprocess.run(command, cwd=directory, capture_output=True, text=True)
    print(run.stdout[-1000:], run.stderr[-1000:])
    assert run.returncode == 0, run.returncode
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print("peak_rss_kb", usage.ru_maxrss)
    print("cpu_seconds", round(usage.ru_utime + usage.ru_stime, 1))
    slide = openslide.OpenSlide(directory + "/overlay.tiff")
    assert slide.dimensions == (100000, 80000), slide.dimensions
    assert slide.level_count >= 2, slide.level_count
    low, high = min(scores), max(scores)
    for index in range(0, len(scores), 7):
        row, column = divmod(index, columns)
        x, y = int(column * side + side / 2), int(row * side + side / 2)
        want = inferno((scores[index] - low) / (high - low)) + (255,)
        got = slide.read_region((x, y), 0, (1, 1)).getpixel((0, 0))
        assert all(abs(g - w) <= 1 for g, w in zip(got, want)), (index, got, want)
    print("checked")
    """#
}
