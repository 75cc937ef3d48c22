import Foundation
import TestSupport
import Testing
@testable import Pipeline

/// Split files in the reference format and their errors.
@Suite struct SplitFileTests {
    let classes = SlideClasses.defaultNames

    @Test func readsIndicesAndClassNames() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let url = try directory.write("a,0\n b , 3 \n\nc,dcis\n", to: "train.txt")
        let split = try SplitFile(contentsOf: url, classNames: classes)
        #expect(split.entries.map(\.imageID) == ["a", "b", "c"])
        #expect(split.labels == [0, 3, 2])
        #expect(split.entries.map(\.lineNumber) == [1, 2, 4])
        #expect(split.name == "train")
    }

    @Test func listsEveryOffendingLineInOneError() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        _ = try directory.write("", to: "present.tiff")
        let url = try directory.write("present,1\nmissing,0\nonlyid\nx,7\n,2\npresent,1\ny,Lymphoma\n", to: "val.txt")
        do {
            _ = try SplitFile(contentsOf: url, classNames: classes, imageDirectory: directory.url, imageExtension: "tiff")
            Issue.record("a malformed split file was accepted")
        } catch let DatasetError.malformedSplitFile(path, problems) {
            #expect(path == url.path)
            #expect(problems.count == 6, "\(problems)")
            #expect(problems[0].hasPrefix("line 2:") && problems[0].contains("missing.tiff does not exist"))
            #expect(problems[1].hasPrefix("line 3:") && problems[1].contains("image_id,label"))
            #expect(problems[2].hasPrefix("line 4:") && problems[2].contains("unknown label \"7\""))
            #expect(problems[3].hasPrefix("line 5:") && problems[3].contains("empty"))
            #expect(problems[4].hasPrefix("line 6:") && problems[4].contains("first on line 1"))
            #expect(problems[5].hasPrefix("line 7:") && problems[5].contains("Lymphoma"))
            let message = "\(DatasetError.malformedSplitFile(path: path, problems: problems))"
            #expect(message.hasPrefix(url.path) && message.contains("6 bad line(s)"))
        }
    }

    @Test func acceptsWindowsLineEndsAByteOrderMarkAndBlankLines() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let url = try directory.write("\u{FEFF}a,0\r\nb,Invasive\r\n\r\n  \r\nc,2\r", to: "train.txt")
        let split = try SplitFile(contentsOf: url, classNames: classes)
        #expect(split.entries.map(\.imageID) == ["a", "b", "c"])
        #expect(split.labels == [0, 3, 2])
        #expect(split.entries.map(\.lineNumber) == [1, 2, 5])
        // Bad lines of a CRLF file are still all reported, with their own line numbers.
        let bad = try directory.write("a,0\r\nb\r\nc,9\r\n", to: "bad.txt")
        do {
            _ = try SplitFile(contentsOf: bad, classNames: classes)
            Issue.record("a malformed CRLF split was accepted")
        } catch let DatasetError.malformedSplitFile(_, problems) {
            #expect(problems.count == 2 && problems[0].hasPrefix("line 2:") && problems[1].hasPrefix("line 3:"), "\(problems)")
        }
    }

    @Test func rejectsImageIDsThatLeaveTheirDirectories() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let ids = ["../../x", "a/../../b", "/etc/passwd", "a\u{0}b", "a\u{7}b", "a\\b", "a//b", "a/", ".hidden", "cache.json",
                   String(repeating: "x", count: 256)]
        let url = try directory.write(ids.enumerated().map { "\($1),\($0 % 4)\n" }.joined() + "site1/slide 7,0\n", to: "test.txt")
        do {
            _ = try SplitFile(contentsOf: url, classNames: classes)
            Issue.record("image ids leaving the slide directory were accepted")
        } catch let DatasetError.malformedSplitFile(path, problems) {
            #expect(path == url.path)
            #expect(problems.count == ids.count, "\(problems)")
            for (index, problem) in problems.enumerated() { #expect(problem.hasPrefix("line \(index + 1): the image id"), "\(problem)") }
            #expect(problems[0].contains(".."))
        }
        let fine = try directory.write("site1/slide 7,0\nb-2_x.y,1\n", to: "fine.txt")
        #expect(try SplitFile(contentsOf: fine, classNames: classes).entries.map(\.imageID) == ["site1/slide 7", "b-2_x.y"])
    }

    @Test func rejectsEmptyAndMissingSplits() throws {
        let directory = try TemporaryDirectory()
        defer { withExtendedLifetime(directory) {} }
        let empty = try directory.write("\n\n", to: "test.txt")
        #expect(throws: DatasetError.emptySplit(path: empty.path)) { try SplitFile(contentsOf: empty, classNames: classes) }
        #expect(try SplitFile(contentsOf: empty, classNames: classes, allowEmpty: true).entries.isEmpty)
        let missing = directory.file("nope.txt")
        #expect(throws: DatasetError.unreadable(path: missing.path, reason: "does not exist")) {
            try SplitFile(contentsOf: missing, classNames: classes)
        }
    }

    @Test func classWeightsAreRoundedLogInverseFrequencies() {
        // numpy: round(log(1 / (n_c / N)), 5) for counts 1, 1, 2, 4 of 8.
        let weights = ClassWeights.logInverseFrequency(labels: [0, 1, 2, 2, 3, 3, 3, 3], classCount: 4)
        #expect(weights == [2.07944, 2.07944, 1.38629, 0.69315].map(Float.init))
        #expect(ClassWeights.logInverseFrequency(labels: [0, 1, 1], classCount: 3) == nil)
    }
}
