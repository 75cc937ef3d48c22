import Foundation

/// A least-recently-used cache of encoded tiles bounded by the bytes it holds: inserting past
/// `capacityBytes` evicts the least recently read or inserted tiles first. Safe to use from any thread.
public final class TileCache: @unchecked Sendable {
    public struct Key: Hashable, Sendable {
        public let slide: String
        /// "slide" or an overlay layer's name.
        public let layer: String
        public let level: Int
        public let column: Int
        public let row: Int

        public init(slide: String, layer: String, level: Int, column: Int, row: Int) {
            self.slide = slide
            self.layer = layer
            self.level = level
            self.column = column
            self.row = row
        }
    }

    private final class Node {
        let key: Key
        let value: Data
        var older: Node?
        weak var newer: Node?
        init(key: Key, value: Data) { self.key = key; self.value = value }
    }

    public let capacityBytes: Int
    private let lock = NSLock()
    private var nodes: [Key: Node] = [:]
    /// The most recently used node; `oldest` the least.
    private var newest: Node?
    private var oldest: Node?
    private var bytes = 0

    public init(capacityBytes: Int) {
        precondition(capacityBytes >= 0, "TileCache: negative capacity \(capacityBytes)")
        self.capacityBytes = capacityBytes
    }

    /// Bytes of tile data held now.
    public var heldBytes: Int { lock.lock(); defer { lock.unlock() }; return bytes }
    /// Tiles held now.
    public var count: Int { lock.lock(); defer { lock.unlock() }; return nodes.count }

    public func value(for key: Key) -> Data? {
        lock.lock(); defer { lock.unlock() }
        guard let node = nodes[key] else { return nil }
        unlink(node)
        pushNewest(node)
        return node.value
    }

    /// Stores `value` (a tile larger than the whole capacity is not kept).
    public func insert(_ value: Data, for key: Key) {
        lock.lock(); defer { lock.unlock() }
        if let existing = nodes.removeValue(forKey: key) {
            unlink(existing)
            bytes -= existing.value.count
        }
        guard value.count <= capacityBytes else { return }
        let node = Node(key: key, value: value)
        nodes[key] = node
        pushNewest(node)
        bytes += value.count
        while bytes > capacityBytes, let victim = oldest {
            unlink(victim)
            nodes.removeValue(forKey: victim.key)
            bytes -= victim.value.count
        }
    }

    /// The cached tile, or the one `make` builds (then cached).
    public func value(for key: Key, orMake make: () throws -> Data) rethrows -> Data {
        if let cached = value(for: key) { return cached }
        let made = try make()
        insert(made, for: key)
        return made
    }

    private func unlink(_ node: Node) {
        let older = node.older, newer = node.newer
        if let newer { newer.older = older } else { newest = older }
        if let older { older.newer = newer } else { oldest = newer }
        node.older = nil
        node.newer = nil
    }

    private func pushNewest(_ node: Node) {
        node.older = newest
        newest?.newer = node
        newest = node
        if oldest == nil { oldest = node }
    }
}
