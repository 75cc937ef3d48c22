import Foundation

/// The sbatch settings of `hatnet slurm …`, each checked before anything is written or submitted
/// (``validate()``), so a hostile value is refused with a sentence instead of reaching the script.
public struct SlurmJobSettings: Equatable, Sendable {
    /// Array tasks (`--array 0-(N-1)`).
    public var arrayTasks: Int
    public var partition: String?
    /// `--time`: `M`, `M:S`, `H:M:S`, `D-H`, `D-H:M`, `D-H:M:S`.
    public var time: String?
    /// `--mem`: a whole number with an optional unit K, M, G or T.
    public var memory: String?
    public var cpusPerTask: Int?
    /// Shell lines run before hatnet in each task (`module load …`, `export …`, `source …`).
    public var setupLines: [String]
    /// Further `#SBATCH` options, e.g. `--account=lab` or `--qos=long`.
    public var extraOptions: [String]
    public var jobName: String

    public static let maximumArrayTasks = 100_000

    public init(arrayTasks: Int, partition: String? = nil, time: String? = nil, memory: String? = nil, cpusPerTask: Int? = nil,
                setupLines: [String] = [], extraOptions: [String] = [], jobName: String = "hatnet") {
        self.arrayTasks = arrayTasks
        self.partition = partition
        self.time = time
        self.memory = memory
        self.cpusPerTask = cpusPerTask
        self.setupLines = setupLines
        self.extraOptions = extraOptions
        self.jobName = jobName
    }

    /// - Throws: ``CohortError/invalidOption(_:)`` naming the option and what it accepts.
    public func validate() throws {
        guard (1...Self.maximumArrayTasks).contains(arrayTasks) else {
            throw CohortError.invalidOption("--array must be between 1 and \(Self.maximumArrayTasks) tasks, got \(arrayTasks)")
        }
        if let partition {
            guard Self.isName(partition) else {
                throw CohortError.invalidOption("--partition must be a partition name (letters, digits, '_', '-', '.', "
                                                + "commas between several; at most 128), got \(Self.quoted(partition))")
            }
        }
        if let time {
            guard Self.isTime(time) else {
                throw CohortError.invalidOption("--time must be a SLURM time limit: MINUTES, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS "
                                                + "(e.g. 2:00:00 or 1-12), got \(Self.quoted(time))")
            }
        }
        if let memory {
            guard Self.isMemory(memory) else {
                throw CohortError.invalidOption("--mem must be a positive whole number with an optional unit K, M, G or T (e.g. 8G), "
                                                + "got \(Self.quoted(memory))")
            }
        }
        if let cpusPerTask {
            guard (1...4096).contains(cpusPerTask) else {
                throw CohortError.invalidOption("--cpus-per-task must be between 1 and 4096, got \(cpusPerTask)")
            }
        }
        for line in setupLines where line.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\0" }) || line.count > 4096 {
            throw CohortError.invalidOption("--setup takes one shell line each (no line breaks or NUL, at most 4096 characters), got \(Self.quoted(line))")
        }
        for option in extraOptions {
            guard option.hasPrefix("--"), option.count <= 512,
                  option.allSatisfy({ $0.isASCII && !$0.isNewline && $0 != "\0" && ($0 == " " || !$0.isWhitespace) }),
                  !option.hasPrefix("--array"), !option.hasPrefix("--output"), !option.hasPrefix("--chdir") else {
                throw CohortError.invalidOption("--sbatch takes one sbatch option starting with -- (e.g. --account=lab; not --array, "
                                                + "--output or --chdir, which hatnet sets), got \(Self.quoted(option))")
            }
        }
        guard Self.isName(jobName) else { throw CohortError.invalidOption("--job-name must be a plain name, got \(Self.quoted(jobName))") }
    }

    static func isName(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128 && !text.hasPrefix("-")
            && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "_-.,".contains($0)) }
    }

    static func isTime(_ text: String) -> Bool {
        func numbers(_ part: Substring, count: ClosedRange<Int>) -> [Int]? {
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            guard count.contains(pieces.count) else { return nil }
            let values = pieces.map { piece -> Int? in
                guard (1...7).contains(piece.count), piece.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
                return Int(piece)
            }
            return values.contains(where: { $0 == nil }) ? nil : values.map { $0! }
        }
        if text.uppercased() == "INFINITE" || text.uppercased() == "UNLIMITED" { return true }
        let dash = text.split(separator: "-", omittingEmptySubsequences: false)
        if dash.count == 2 {
            guard let days = numbers(dash[0], count: 1...1), days[0] <= 365, let rest = numbers(dash[1], count: 1...3) else { return false }
            return rest[0] < 24 && rest.dropFirst().allSatisfy { $0 < 60 }
        }
        guard dash.count == 1, let parts = numbers(dash[0], count: 1...3) else { return false }
        return parts.count == 1 ? parts[0] >= 1 : parts.dropFirst().allSatisfy { $0 < 60 }
    }

    static func isMemory(_ text: String) -> Bool {
        var digits = Substring(text)
        if let last = digits.last, "KMGTkmgt".contains(last) { digits = digits.dropLast() }
        guard (1...12).contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int(digits) else { return false }
        return value > 0
    }

    static func quoted(_ text: String) -> String {
        let shown = text.count > 80 ? String(text.prefix(80)) + "…" : text
        return "\"" + shown.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? "\\u{\(String($0.value, radix: 16))}" : String($0) }.joined() + "\""
    }
}
