import Checkpoints
import Foundation
import Pipeline
import Slides
import Testing
import TestSupport

/// Each setting has one default, the library's, and one rule, the library's: the help of every
/// command that declares an option shows the library's default, the grid options cut slides the
/// same way in every command, and bad values are refused naming their option.
@Suite struct OptionDefaultsTests {
    static let image = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/images/ihc.png")

    /// `hatnet <command> --help`'s option list with white space folded.
    private func optionHelp(_ command: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        let directory = try TemporaryDirectory()
        let outcome = try CommandLineHarness.run(command + ["--help"], in: directory.url)
        #expect(outcome.status == 0, "\(command) --help: \(outcome.stderr)", sourceLocation: sourceLocation)
        let options = outcome.stdout.components(separatedBy: "OPTIONS:").last ?? ""
        return options.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// The default the help shows for `option` (`(default: …)` or `(values: …; default: …)`).
    private func shownDefault(of option: String, in help: String) -> String? {
        guard let start = help.range(of: "\(option) "),
              let open = help.range(of: "default: ", range: start.upperBound..<help.endIndex),
              let close = help.range(of: ")", range: open.upperBound..<help.endIndex) else { return nil }
        return String(help[open.upperBound..<close.lowerBound])
    }

    @Test func trainAndFeaturesShowTheLibrarysDefaults() throws {
        let defaults = TrainingOptions.defaults
        let shared: [(String, String)] = [
            ("--bag-size", "\(WordGridLayout.standard.bagSize)"), ("--word-size", "\(WordGridLayout.standard.wordSize)"),
            ("--scale-factor", "\(defaults.scaleFactor)"),
            ("--scale-multipliers", defaults.scaleMultipliers.map(String.init).joined(separator: ",")),
            ("--views", "\(defaults.views)"), ("--class-names", defaults.classNames.joined(separator: ",")),
        ]
        let training: [(String, String)] = [
            ("--lr", "\(defaults.lr)"), ("--epochs", "\(defaults.epochs)"), ("--optim", defaults.optim.rawValue),
            ("--scheduler", defaults.scheduler.rawValue), ("--attn-type", defaults.attnType.rawValue),
            ("--warm-up-iterations", "\(defaults.warmUpIterations)"), ("--seed", "\(defaults.seed)"),
            ("--out-features", "\(defaults.outFeatures)"), ("--weight-decay", "\(defaults.weightDecay)"),
        ]
        #expect(defaults.bagSize == WordGridLayout.standard.bagSize && defaults.wordSize == WordGridLayout.standard.wordSize)
        let train = try optionHelp(["train"]), features = try optionHelp(["features"])
        for (option, value) in shared + training {
            #expect(shownDefault(of: option, in: train) == value, "train \(option)")
        }
        for (option, value) in shared {
            #expect(shownDefault(of: option, in: features) == value, "features \(option)")
        }
        for command in [["words"], ["visualize"]] {
            let help = try optionHelp(command)
            #expect(shownDefault(of: "--bag-size", in: help) == "\(WordGridLayout.standard.bagSize)", "\(command)")
            #expect(shownDefault(of: "--word-size", in: help) == "\(WordGridLayout.standard.wordSize)", "\(command)")
        }
    }

    @Test func everyCommandThatCutsSlidesDetectsTissueByDefault() throws {
        #expect(WordGridOptions.standard.detectTissue)
        for command in ["words", "features", "predict", "visualize"] {
            let help = try optionHelp([command])
            #expect(shownDefault(of: "--tissue/--no-tissue", in: help) == "--tissue", "\(command)")
            for option in ["--keep-aspect", "--level", "--mpp"] {
                #expect(help.contains(option), "\(command) has no \(option)")
            }
        }
    }

    @Test func wordsRecordsTissueUnlessToldNotToAndKeepsItsOldSpellings() throws {
        let directory = try TemporaryDirectory()
        let runs = [("new.safetensors", ["--bag-size", "64", "--word-size", "32"]), ("old.safetensors", ["--bag", "64", "--word", "32"]),
                    ("plain.safetensors", ["--bag-size", "64", "--word-size", "32", "--no-tissue"])]
        for (output, options) in runs {
            let outcome = try CommandLineHarness.run(["words", Self.image.path] + options + ["--output", output], in: directory.url)
            #expect(outcome.status == 0, "words \(options): \(outcome.stderr)")
        }
        let new = try SafeTensorsFile(url: directory.file("new.safetensors"))
        let old = try SafeTensorsFile(url: directory.file("old.safetensors"))
        let plain = try SafeTensorsFile(url: directory.file("plain.safetensors"))
        #expect(new.contains("tissue_fraction") && old.contains("tissue_fraction") && !plain.contains("tissue_fraction"))
        #expect(try new.tensor(named: "words").scalars == old.tensor(named: "words").scalars)
        #expect(try new.tensor(named: "words").shape == [4, 4, 3, 32, 32])
        #expect(try new.tensor(named: "words").scalars == plain.tensor(named: "words").scalars)
    }

    @Test func badValuesAreRefusedNamingTheirOption() throws {
        let directory = try TemporaryDirectory()
        _ = try directory.write("slide,0\n", to: "split.txt")
        let features = ["features", "split.txt", "--img-dir", "."]
        let cases: [([String], [String])] = [
            (features + ["--views", "0"], ["--views"]),
            (features + ["--scale-multipliers", "5000"], ["--scale-multipliers"]),
            (features + ["--scale-multipliers", "1,two"], ["--scale-multipliers"]),
            (features + ["--scale-multipliers", "-10", "--word-size", "32", "--bag-size", "64"], ["--scale-multipliers"]),
            (features + ["--class-names", "Benign"], ["--class-names"]),
            (features + ["--class-names", "a,A"], ["--class-names"]),
            (features + ["--bag-size", "96", "--word-size", "64"], ["--bag-size", "--word-size"]),
            (features + ["--level", "-1"], ["--level"]),
            (["words", Self.image.path, "--level", "0", "--mpp", "0.5", "--output", "w.safetensors"], ["--level", "--mpp"]),
            (["words", Self.image.path, "--mpp", "-0.5", "--output", "w.safetensors"], ["--mpp"]),
            (["predict", Self.image.path, "--model", "run", "--level", "-2"], ["--level"]),
            (["visualize", Self.image.path, "--scores", "s.safetensors", "--word-size", "0", "--out", "v"], ["--word-size"]),
            (["metrics", "--input", "p.json", "--output", "r.json", "--class-names", "a,,b"], ["--class-names"]),
            (["metrics", "--input", "p.json", "--output", "r.json", "--class-names", "a,a"], ["--class-names"]),
            (["train", "--features", "cache", "--class-names", "a,b,a"], ["--class-names"]),
            (["train", "--features", "cache", "--bag-size", "65536", "--word-size", "1"], ["--bag-size", "--word-size"]),
        ]
        for (arguments, fragments) in cases {
            try CommandLineHarness.expectRefusal(arguments, in: directory.url, mentioning: fragments)
        }
    }
}
