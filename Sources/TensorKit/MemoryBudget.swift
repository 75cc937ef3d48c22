import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A size or allocation that input asked for and the process will not attempt: the product
/// overflowed, or it needs more memory than the budget allows. `what` names the file or option and
/// the quantity, e.g. `words.safetensors: tensor 'words' [2401, 1280]`.
public struct SizeLimitError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    /// What asked for the size, naming the file or option.
    public let what: String
    /// Bytes needed, or `nil` when the size overflowed 64 bits.
    public let bytesNeeded: Int?
    /// The budget it was checked against.
    public let bytesAllowed: Int

    public init(what: String, bytesNeeded: Int?, bytesAllowed: Int) {
        self.what = what
        self.bytesNeeded = bytesNeeded
        self.bytesAllowed = bytesAllowed
    }

    public var description: String {
        guard let bytesNeeded else {
            return "\(what): the size overflows 64-bit arithmetic; it cannot be allocated"
        }
        return "\(what) needs \(MemoryBudget.format(bytes: bytesNeeded)), more than the \(MemoryBudget.format(bytes: bytesAllowed)) "
            + "this process may use (\(MemoryBudget.limitSource)); lower the sizes, or raise the limit with --max-memory or HATNET_MAX_MEMORY"
    }
    public var errorDescription: String? { description }
}

/// The most memory one allocation that input controls may take, and overflow-checked size
/// arithmetic to check against it.
///
/// Every size read from a file or an option goes through ``checkedProduct(_:)`` /
/// ``require(bytes:for:)`` before anything is allocated, so a crafted header claiming 2^62
/// elements is an error naming the file, never a trap or an allocation failure. The budget is the
/// smallest of the machine's physical memory, the address-space limit (`ulimit -v`) and
/// `HATNET_MAX_MEMORY` / `--max-memory` when set.
public enum MemoryBudget {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var override: Int?

    /// Sets the budget in bytes (the CLI's `--max-memory`); `nil` restores the default.
    public static func setLimit(bytes: Int?) {
        lock.lock(); defer { lock.unlock() }
        override = bytes
    }

    /// The budget in bytes.
    public static var limitBytes: Int {
        lock.lock(); let explicit = override; lock.unlock()
        if let explicit { return explicit }
        return machineLimit.bytes
    }

    /// Where the current budget comes from, for error messages.
    public static var limitSource: String {
        lock.lock(); let explicit = override; lock.unlock()
        return explicit != nil ? "--max-memory" : machineLimit.source
    }

    private static let machineLimit: (bytes: Int, source: String) = {
        var candidates: [(Int, String)] = []
        let pages = sysconf(Int32(_SC_PHYS_PAGES)), pageSize = sysconf(Int32(_SC_PAGESIZE))
        if pages > 0, pageSize > 0 {
            let (physical, overflow) = pages.multipliedReportingOverflow(by: pageSize)
            candidates.append((overflow ? Int.max : physical, "the machine's memory"))
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &limit) == 0, limit.rlim_cur < rlim_t(Int.max) {
            candidates.append((Int(limit.rlim_cur), "the address-space limit, ulimit -v"))
        }
        if let text = ProcessInfo.processInfo.environment["HATNET_MAX_MEMORY"], let bytes = parse(text) {
            candidates.append((bytes, "HATNET_MAX_MEMORY"))
        }
        return candidates.min { $0.0 < $1.0 } ?? (Int.max, "no limit known")
    }()

    /// Parses a memory size such as `2G`, `512M`, `1.5GB` or a byte count; `nil` when malformed,
    /// not positive or not representable.
    public static func parse(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let tera = 1099511627776.0, giga = 1073741824.0, mega = 1048576.0, kilo = 1024.0
        let units: [(String, Double)] = [("TB", tera), ("GB", giga), ("MB", mega), ("KB", kilo),
                                         ("T", tera), ("G", giga), ("M", mega), ("K", kilo), ("B", 1)]
        var number = Substring(trimmed), scale = 1.0
        for (suffix, factor) in units where trimmed.hasSuffix(suffix) {
            number = trimmed.dropLast(suffix.count)
            scale = factor
            break
        }
        guard let value = Double(number.trimmingCharacters(in: .whitespaces)), value.isFinite, value > 0 else { return nil }
        let bytes = value * scale
        guard bytes >= 1, bytes < 9.0e18 else { return nil }
        return Int(bytes)
    }

    /// `count` elements of `elementSize` bytes, overflow-checked, against the budget.
    /// - Throws: ``SizeLimitError`` naming `what`.
    @discardableResult
    public static func require(elements count: Int, elementSize: Int, for what: @autoclosure () -> String) throws -> Int {
        guard count >= 0, elementSize >= 0 else {
            throw SizeLimitError(what: what() + " (negative size)", bytesNeeded: nil, bytesAllowed: limitBytes)
        }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementSize)
        guard !overflow else { throw SizeLimitError(what: what(), bytesNeeded: nil, bytesAllowed: limitBytes) }
        return try require(bytes: bytes, for: what())
    }

    /// `bytes` against the budget.
    /// - Throws: ``SizeLimitError`` naming `what`.
    @discardableResult
    public static func require(bytes: Int, for what: @autoclosure () -> String) throws -> Int {
        let allowed = limitBytes
        guard bytes <= allowed else { throw SizeLimitError(what: what(), bytesNeeded: bytes, bytesAllowed: allowed) }
        return bytes
    }

    /// The product of `factors`, or `nil` when a factor is negative or the product overflows.
    public static func checkedProduct(_ factors: [Int]) -> Int? {
        var product = 1
        for factor in factors {
            guard factor >= 0 else { return nil }
            let (next, overflow) = product.multipliedReportingOverflow(by: factor)
            if overflow { return nil }
            product = next
        }
        return product
    }

    /// The element count of `shape` checked against the budget for `elementSize`-byte elements.
    /// - Throws: ``SizeLimitError`` naming `what` (overflow, negative extent, or over budget).
    @discardableResult
    public static func require(shape: [Int], elementSize: Int = MemoryLayout<Float>.size,
                               for what: @autoclosure () -> String) throws -> Int {
        guard let count = checkedProduct(shape) else {
            throw SizeLimitError(what: "\(what()) \(shape)", bytesNeeded: nil, bytesAllowed: limitBytes)
        }
        try require(elements: count, elementSize: elementSize, for: "\(what()) \(shape)")
        return count
    }

    /// `1.5 GB`, `320 MB`, `12 KB`, `17 bytes`.
    public static func format(bytes: Int) -> String {
        let value = Double(bytes)
        if value >= 1e12 { return String(format: "%.1f TB", value / 1e12) }
        if value >= 1e9 { return String(format: "%.1f GB", value / 1e9) }
        if value >= 1e6 { return String(format: "%.0f MB", value / 1e6) }
        if value >= 1e3 { return String(format: "%.0f KB", value / 1e3) }
        return "\(bytes) bytes"
    }
}
