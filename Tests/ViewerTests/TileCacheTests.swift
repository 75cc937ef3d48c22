import Foundation
import Testing
import Viewer

/// The tile cache keeps at most its capacity in bytes and evicts the least recently used tiles first.
struct TileCacheTests {
    static func key(_ column: Int) -> TileCache.Key { TileCache.Key(slide: "s", layer: "slide", level: 3, column: column, row: 0) }

    @Test func evictsLeastRecentlyUsedTilesToStayWithinItsBytes() {
        let cache = TileCache(capacityBytes: 300)
        for column in 0..<3 { cache.insert(Data(repeating: UInt8(column), count: 100), for: Self.key(column)) }
        #expect(cache.heldBytes == 300 && cache.count == 3)
        // Reading tile 0 makes tile 1 the least recently used: inserting tile 3 evicts it.
        #expect(cache.value(for: Self.key(0)) == Data(repeating: 0, count: 100))
        cache.insert(Data(repeating: 3, count: 100), for: Self.key(3))
        #expect(cache.value(for: Self.key(1)) == nil)
        #expect(cache.value(for: Self.key(0)) != nil && cache.value(for: Self.key(2)) != nil && cache.value(for: Self.key(3)) != nil)
        #expect(cache.heldBytes == 300)
        // Recency is now 0, 2, 3 (oldest first): a 250-byte tile evicts all three to fit.
        cache.insert(Data(repeating: 4, count: 250), for: Self.key(4))
        #expect(cache.heldBytes == 250 && cache.count == 1)
        #expect(cache.value(for: Self.key(4)) != nil)
        // A tile larger than the whole cache is not kept; replacing a key does not count it twice.
        cache.insert(Data(count: 301), for: Self.key(5))
        #expect(cache.value(for: Self.key(5)) == nil)
        cache.insert(Data(count: 10), for: Self.key(4))
        cache.insert(Data(count: 20), for: Self.key(4))
        #expect(cache.heldBytes == 20 && cache.count == 1)
    }

    @Test func makesEachMissingTileOnce() throws {
        let cache = TileCache(capacityBytes: 1 << 20)
        var made = 0
        for _ in 0..<5 {
            _ = cache.value(for: Self.key(0)) { made += 1; return Data(count: 10) }
        }
        #expect(made == 1)
    }
}
