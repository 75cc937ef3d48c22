import Foundation

/// Which part of a cohort one worker starts with: `--shard K/N` (K from 1 to N), or task
/// `SLURM_ARRAY_TASK_ID` of `SLURM_ARRAY_TASK_COUNT` in a SLURM array.
///
/// A shard only orders the work: the worker takes its own slides (every N-th, starting at its
/// index) first and then helps with the rest, claiming each slide through its lock, so a slow or
/// killed worker never holds the others back and no slide is computed twice.
public struct Shard: Equatable, Sendable, CustomStringConvertible {
    /// 0-based index, below `count`.
    public let index: Int
    public let count: Int

    /// Largest shard count accepted (SLURM's own array limit is usually far lower).
    public static let maximumCount = 1_000_000

    public init(index: Int, count: Int) {
        precondition(count >= 1 && (0..<count).contains(index), "shard \(index) of \(count)")
        self.index = index
        self.count = count
    }

    /// Parses `K/N` with 1 ≤ K ≤ N.
    /// - Throws: ``CohortError/invalidOption(_:)`` with a sentence naming `--shard`.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]),
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }) else {
            throw CohortError.invalidOption("--shard must be K/N with whole numbers, e.g. 2/8 (the second of eight), got \"\(text)\"")
        }
        guard (1...Self.maximumCount).contains(n), (1...n).contains(k) else {
            throw CohortError.invalidOption("--shard K/N needs 1 ≤ K ≤ N ≤ \(Self.maximumCount), got \"\(text)\"")
        }
        self.init(index: k - 1, count: n)
    }

    /// The shard of a SLURM array task, from `SLURM_ARRAY_TASK_ID`, `SLURM_ARRAY_TASK_COUNT` and
    /// `SLURM_ARRAY_TASK_MIN` (array indices need not start at 0); `nil` outside an array.
    /// - Throws: ``CohortError/invalidOption(_:)`` when the variables are set but make no sense.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard? {
        guard let idText = environment["SLURM_ARRAY_TASK_ID"], !idText.isEmpty else { return nil }
        guard let id = Int(idText), let count = environment["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }),
              (1...maximumCount).contains(count) else {
            throw CohortError.invalidOption("SLURM_ARRAY_TASK_ID=\(idText) with SLURM_ARRAY_TASK_COUNT="
                                            + "\(environment["SLURM_ARRAY_TASK_COUNT"] ?? "unset"): not a SLURM array task this can use")
        }
        let minimum = environment["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
        let index = id - minimum
        // Arrays with steps or gaps (--array=1,5,9) still give every task a distinct index mod count.
        return Shard(index: ((index % count) + count) % count, count: count)
    }

    /// `items` in this worker's order: its own (positions ≡ index mod count) first, then the others
    /// starting after its own block, so helpers spread over the remaining shards.
    public func order<Item>(_ items: [Item]) -> [Item] {
        guard count > 1 else { return items }
        let own = items.indices.filter { $0 % count == index }
        let others = (1..<count).flatMap { step in items.indices.filter { $0 % count == (index + step) % count } }
        return (own + others).map { items[$0] }
    }

    public var description: String { "\(index + 1)/\(count)" }
}
