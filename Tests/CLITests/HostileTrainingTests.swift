import Foundation
import Pipeline
import Slides
import Synthesis
import Testing
import TestSupport

/// `hatnet train` and `hatnet features` through the binary: options that used to trap or mislead,
/// a run directory that is not ours, ids that would leave the cache.
@Suite(.serialized) struct HostileTrainingTests {
    let directory: TemporaryDirectory
    let cache: String

    init() throws {
        directory = try TemporaryDirectory()
        let splits = try SyntheticFeatureCohort.writeCachedSplits(
            root: directory.url, splitSizes: [("train", 8), ("val", 4)], scales: [WordGridLayout(bagSize: 64, wordSize: 32)],
            features: 16, seed: 3)
        cache = splits.cache.directory.path
    }

    private func trainArguments(_ extra: [String]) -> [String] {
        ["train", "--features", cache, "--train-file", "train.txt", "--val-file", "val.txt", "--bag-size", "64", "--word-size", "32",
         "--scale-multipliers", "0", "--out-features", "8", "--attn-heads", "2", "--log-interval", "1000"] + extra
    }

    @Test func theDefaultSchedulerTrainsForFewEpochs() throws {
        // The default hybrid schedule has --clr-max 61; with 3 epochs the reference simply stays cyclic.
        let outcome = try CommandLineHarness.run(trainArguments(["--epochs", "3", "--savedir", "run3"]), in: directory.url)
        #expect(outcome.status == 0 && !outcome.endedBySignal, "train --epochs 3: \(outcome.stderr.suffix(500))")
        #expect(FileManager.default.fileExists(atPath: directory.file("run3/model_best.safetensors").path))
    }

    @Test func badNumbersNameTheirOption() throws {
        for (option, value) in [("--lr", "inf"), ("--lr", "-1"), ("--epochs", "-5"), ("--dropout", "nan"), ("--accum-count", "0"),
                                ("--attn-heads", "3"), ("--cycle-len", "0")] {
            let epochs = option == "--epochs" ? [] : ["--epochs", "2"]
            try CommandLineHarness.expectRefusal(trainArguments([option, value, "--savedir", "bad"] + epochs),
                                                 in: directory.url, mentioning: [option])
        }
    }

    @Test func anotherRunsDirectoryIsNotOverwritten() throws {
        let other = directory.file("other")
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        try Data("their best model".utf8).write(to: other.appendingPathComponent("model_best.safetensors"))
        try CommandLineHarness.expectRefusal(trainArguments(["--epochs", "1", "--savedir", "other"]), in: directory.url,
                                             mentioning: ["other", "--overwrite"], allowedOutputs: ["other/.hatnet.lock"])
    }

    @Test func featuresRefusesIdsThatLeaveTheCache() throws {
        _ = try directory.write("../../escape,0\nfine,1\n", to: "escape.txt")
        try CommandLineHarness.expectRefusal(["features", "escape.txt", "--img-dir", directory.url.path, "--img-extn", "png",
                                              "--bag-size", "64", "--word-size", "32", "--scale-multipliers", "0",
                                              "--features-dir", "cache2"], in: directory.url, mentioning: ["escape.txt"])
    }
}
