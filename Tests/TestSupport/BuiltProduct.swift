import Foundation

/// Products of the package build that tests run as a user would.
public enum BuiltProduct {
    /// The `hatnet` binary `swift build --build-tests` produces next to the tests: the one in the
    /// directory of the running test bundle, so a release or sanitizer build (`-c release`,
    /// `--scratch-path .build-asan`) tests its own binary; `.build/debug/hatnet` otherwise.
    public static let hatnet: URL = {
        let testBundle = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        let besideTests = testBundle.deletingLastPathComponent().appendingPathComponent("hatnet")
        if FileManager.default.isExecutableFile(atPath: besideTests.path) { return besideTests }
        // This file is Tests/TestSupport/BuiltProduct.swift.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/hatnet")
    }()
}
