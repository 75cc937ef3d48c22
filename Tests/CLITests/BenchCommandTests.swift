import Foundation
import Testing
import TestSupport

/// `hatnet bench … --peers` and `hatnet bench predict` end to end through the binary on tiny sizes:
/// they run, print one line per model with every peer's time, and the peers computed what we
/// computed (the relative-difference column). Speed is never asserted (BENCHMARKS.md has figures).
@Suite(.serialized) struct BenchCommandTests {
    private func bench(_ arguments: [String], in directory: URL, python: String? = nil,
                       sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let environment = try ["HATNET_PYTHON": python ?? PythonInterop.interpreterPath()]
        let outcome = try CommandLineHarness.run(["bench"] + arguments, in: directory, timeout: 900, environment: environment)
        #expect(outcome.status == 0 && !outcome.endedBySignal && !outcome.timedOut,
                "hatnet bench \(arguments.joined(separator: " ")) failed (\(outcome.status)): \(outcome.stderr.suffix(1500))",
                sourceLocation: sourceLocation)
        return outcome.stdout
    }

    /// The Markdown rows after the peer table's header, split into cells.
    private func peerRows(_ output: String) -> [[String]] {
        output.split(separator: "\n").filter { $0.hasPrefix("| ") && !$0.hasPrefix("| model") && !$0.hasPrefix("| ---") }
            .map { $0.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    /// The relative differences of a row (`a / b / c`, "–" for none).
    private func differences(_ row: [String]) -> [Double] {
        row.last!.split(separator: "/").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    @Test func encodersWithPeersPrintEveryPeerAndAgreeWithOurs() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["encoders", "--peers", "--encoders", "espnetv2", "--encoders", "efficientnet-lite0",
                                "--encoders", "mobilenetv2", "--encoders", "mnasnet",
                                "--words", "2", "--size", "64", "--repetitions", "1", "--skip-foundation"], in: directory.url)
        let rows = peerRows(output)
        #expect(rows.count == 4, "\(output)")
        for row in rows {
            #expect(row.count == 9, "\(row)")
            // ours, ORT, OV and PyTorch seconds and the three ratios are numbers
            #expect(row[1...7].allSatisfy { Double($0) != nil }, "\(row)")
            let differences = differences(row)
            #expect(differences.count == 3 && differences.allSatisfy { $0 < 1e-3 }, "\(row[0]): relative differences \(differences)")
        }
    }

    /// `--peers` used to end the command after the CNN table, so `--only-foundation --peers` timed nothing.
    @Test func onlyFoundationWithPeersTimesTheFoundationEncoders() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["encoders", "--peers", "--only-foundation", "--foundation-encoders", "resnet50-trunc",
                                "--words", "2", "--size", "64", "--foundation-repetitions", "1"], in: directory.url)
        let rows = peerRows(output).filter { !$0[0].hasPrefix("encoder") }
        #expect(rows.count == 1 && rows.first?.first == "resnet50-trunc", "\(output)")
        // ours and PyTorch's seconds are numbers
        if let row = rows.first { #expect(Double(row[3]) != nil && Double(row[6]) != nil, "\(row)") }
    }

    @Test func attentionWithPeersTimesInferenceAndTraining() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["attention", "--peers", "--bags-words", "2", "--features", "16", "--repetitions", "1"], in: directory.url)
        let rows = peerRows(output)
        #expect(rows.count == 2, "\(output)")
        #expect(rows.first?.first?.hasSuffix("inference") == true && rows.last?.first?.hasSuffix("training step") == true, "\(output)")
        for row in rows { #expect(Double(row[1]) != nil && Double(row[6]) != nil && Double(row[7]) != nil, "\(row)") }
        let inferenceDifference = differences(try #require(rows.first))
        #expect(inferenceDifference.count == 1 && inferenceDifference[0] < 1e-4, "\(output)")
    }

    @Test func withoutThePeerEnvironmentTheBenchSaysHowToMakeItAndPrintsOurs() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["encoders", "--peers", "--encoders", "mobilenetv2", "--words", "1", "--size", "32", "--repetitions", "1"],
                               in: directory.url, python: directory.url.appendingPathComponent("no-python").path)
        #expect(output.contains("peers: not run") && output.contains("scripts/python-env.sh"), "\(output)")
        #expect(output.contains("| mobilenetv2"), "our figures are missing: \(output)")
    }

    @Test func predictTimesEveryStageForOursAndThePeers() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["predict", "--directory", directory.url.path, "--sizes", "1024x768", "--grids", "128/32", "--peers"],
                               in: directory.url)
        let rows = output.split(separator: "\n").filter { $0.hasPrefix("| 1024x768") }
        #expect(rows.count == 2, "\(output)")
        #expect(rows.contains { $0.contains("peers") }, "\(output)")
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            // total, peak and the four stages are numbers; the dominant stage is one of them
            #expect(cells.count == 9 && cells[2...7].allSatisfy { Double($0) != nil }, "\(row)")
            #expect(["open", "resample", "encode", "attend"].contains(cells[8]), "\(row)")
        }
    }

    @Test func predictSweepPrintsOneRowPerGridAndSlide() throws {
        let directory = try TemporaryDirectory()
        let output = try bench(["predict", "--sweep", "--directory", directory.url.path, "--sizes", "512x512", "1024x768",
                                "--grids", "128/32", "96/32"], in: directory.url)
        let rows = output.split(separator: "\n").filter { $0.hasPrefix("| 512x512") || $0.hasPrefix("| 1024x768") }
        #expect(rows.count == 4, "\(output)")
        #expect(rows.contains { $0.contains("| 96 / 32 |") } && rows.contains { $0.contains("| 128 / 32 |") }, "\(output)")
    }

    /// Words EfficientNet-Lite0 cannot take (its padding is fixed for 224 px) are refused by the
    /// encoder's own check before any slide is generated, with a sentence, not a trap; words as small
    /// with an encoder that takes them are timed through the same path as `hatnet predict`.
    @Test func predictRefusesWordsTheEncoderCannotTakeAndTimesSmallWordsItCan() throws {
        let directory = try TemporaryDirectory()
        for grid in ["448/16", "248/31"] {
            let word = grid.split(separator: "/")[1]
            try CommandLineHarness.expectRefusal(["bench", "predict", "--directory", "slides", "--sizes", "256x256", "--grids", grid],
                                                 in: directory.url, mentioning: ["efficientnet-lite0", "at least 32×32", "\(word)×\(word)"])
        }
        let output = try bench(["predict", "--directory", "slides", "--sizes", "256x256", "--grids", "64/16", "--encoder", "mobilenetv2"],
                               in: directory.url)
        #expect(output.contains("256x256, bag 64 word 16:") && output.contains("encode"), "\(output)")
    }

    /// Sizes the options allow one by one but that cannot fit together are refused before anything
    /// is allocated or written, naming the options: the words and activations of the encoder bench
    /// (2 TB here), the word-to-word attention of 32 × 32 bags of 32 × 32 words (10¹² scores a head),
    /// and a training cohort larger than the free disk.
    @Test func benchSizesThatCannotFitAreRefusedBeforeAllocating() throws {
        let directory = try TemporaryDirectory()
        try CommandLineHarness.expectRefusal(["bench", "encoders", "--words", "10000", "--size", "4096", "--batch", "1024",
                                              "--skip-foundation", "--encoders", "mobilenetv2"],
                                             in: directory.url, mentioning: ["--words 10000, --size 4096, --batch 1024", "needs"])
        try CommandLineHarness.expectRefusal(["bench", "encoders", "--layer-profile", "--size", "4096", "--encoders", "mobilenetv2",
                                              "--max-memory", "1G"],
                                             in: directory.url, mentioning: ["--size 4096", "needs", "--max-memory"])
        try CommandLineHarness.expectRefusal(["bench", "attention", "--bags-words", "32", "--repetitions", "1"],
                                             in: directory.url, mentioning: ["num_bags_words 32", "needs"], timeout: 60)
        try CommandLineHarness.expectRefusal(["bench", "train", "--slides", "100000", "--directory", directory.url.path],
                                             in: directory.url, mentioning: ["--directory", "100004 slides", "GB are free"])
    }
}
