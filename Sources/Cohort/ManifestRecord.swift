import Foundation

/// One line of a ``Manifest``: an event in a slide's life (`running`, `done`, `failed`), or the
/// list of slides a cohort command was given (`cohort`). A slide's state is its last record.
public struct ManifestRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable {
        case running, done, failed, cohort
    }

    /// One output file of a finished slide, relative to the manifest's directory.
    public struct OutputFile: Codable, Equatable, Sendable {
        public let path: String
        public let size: Int64
        public let sha256: String

        public init(path: String, size: Int64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    public var status: Status
    /// `features`, `predict` or `visualize`.
    public var command: String
    /// The work unit's id; `nil` in a `cohort` record.
    public var slide: String?
    public var host: String
    public var pid: Int32
    /// When this record was written (ISO 8601, UTC).
    public var time: String
    /// When the work on the slide started (for `running`, `done`, `failed`).
    public var started: String?
    /// `SLURM_JOB_ID`/`SLURM_ARRAY_JOB_ID_SLURM_ARRAY_TASK_ID` or `--shard`, when there was one.
    public var worker: String?
    /// Every setting the outputs depend on; a `done` record counts only under the same settings.
    public var settings: [String: String]?
    public var files: [OutputFile]?
    /// Wall-clock and CPU (user + system, all threads) seconds spent on the slide.
    public var seconds: Double?
    public var cpuSeconds: Double?
    /// Bytes the process read (`rchar` of /proc/self/io: slide, weights, cached files) and the
    /// bytes of the outputs written, while working on the slide.
    public var bytesRead: Int64?
    public var bytesWritten: Int64?
    /// What happened, for `done` (e.g. `2 file(s) computed, 0 cached`) and `failed` (the error).
    public var note: String?
    public var error: String?
    /// The cohort's slide ids, in a `cohort` record.
    public var slides: [String]?

    public init(status: Status, command: String, slide: String? = nil, host: String = Self.hostName,
                pid: Int32 = getpid(), time: Date = Date(), started: Date? = nil, worker: String? = nil) {
        self.status = status
        self.command = command
        self.slide = slide
        self.host = host
        self.pid = pid
        self.time = Self.timestamp(time)
        self.started = started.map(Self.timestamp)
        self.worker = worker
    }

    enum CodingKeys: String, CodingKey {
        case status, command, slide, host, pid, time, started, worker, settings, files, seconds, note, error, slides
        case cpuSeconds = "cpu_seconds", bytesRead = "bytes_read", bytesWritten = "bytes_written"
    }

    /// Whether the fields make sense, so that a crafted or damaged line cannot point the
    /// verification at a file outside the directory (`../`, `/dev/zero`) or claim impossible
    /// sizes: every output path is relative and stays inside, sizes and counts are not negative,
    /// hashes are 64 hex digits, and a slide record names its slide.
    var isWellFormed: Bool {
        // Slide ids are file names (a cache's image ids, slide names without extension): never a path.
        func isName(_ id: String) -> Bool { !id.isEmpty && id != "." && id != ".." && !id.contains("/") && !id.contains("\0") }
        if status != .cohort, !(slide.map(isName) ?? false) { return false }
        if let slides, !slides.allSatisfy(isName) { return false }
        for file in files ?? [] {
            let parts = file.path.split(separator: "/", omittingEmptySubsequences: false)
            guard !file.path.isEmpty, !file.path.hasPrefix("/"), !file.path.contains("\0"),
                  parts.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." }),
                  file.size >= 0, file.sha256.count == 64, file.sha256.allSatisfy(\.isHexDigit) else { return false }
        }
        for value in [seconds, cpuSeconds].compactMap({ $0 }) where !(value.isFinite && value >= 0) { return false }
        for value in [bytesRead, bytesWritten].compactMap({ $0 }) where value < 0 { return false }
        return true
    }

    /// This machine's host name as the manifest records it.
    public static let hostName = ProcessInfo.processInfo.hostName

    static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }
}
