import Slides

/// For each pixel of a ``SlideRaster``, the index of the level-0 rectangle (bag or word) that owns
/// it, or `nil` where no rectangle does (grid padding).
///
/// Rectangles of a bag/word grid are disjoint; if given overlapping ones, the later index wins.
public struct RegionIndexMap: Sendable {
    public let raster: SlideRaster
    /// Row-major owner index per pixel, −1 for none.
    private let owners: [Int32]
    /// Number of rectangles the map was built from.
    public let regionCount: Int

    public init(raster: SlideRaster, regions: [SlideRectangle]) {
        var owners = [Int32](repeating: -1, count: raster.width * raster.height)
        for (index, region) in regions.enumerated() {
            let (columns, rows) = raster.pixelRanges(of: region)
            for row in rows {
                for column in columns { owners[row * raster.width + column] = Int32(index) }
            }
        }
        self.raster = raster
        self.owners = owners
        self.regionCount = regions.count
    }

    /// The rectangle owning pixel (`x`, `y`), if any.
    public subscript(x: Int, y: Int) -> Int? {
        let owner = owners[y * raster.width + x]
        return owner < 0 ? nil : Int(owner)
    }

    /// The owner of the pixel at row-major offset `offset`, or −1.
    func owner(atOffset offset: Int) -> Int { Int(owners[offset]) }
}
