/// Coloured rectangles on a slide, drawn as the tiles of an RGBA pyramid at any level — an overlay
/// (e.g. word attention) written with ``PyramidalTIFFWriter/writeRGBA(to:width:height:renderTile:progress:)``
/// without ever holding a level in memory.
///
/// Pixel `i` of level `L` (downsample `s = 2^L`) covers level-0 `[i·s, (i+1)·s)` and shows the
/// rectangle that contains its centre `(i + 0.5)·s` — the rule ``SlideRaster`` and the figures use —
/// or nothing (transparent). Where rectangles overlap, the later one shows. Rectangles are clipped
/// to the slide; empty ones, and ones with a non-finite coordinate, show nothing.
///
/// A tile covered by one rectangle (or by none) is reported as ``RGBATile/uniform(_:)`` without
/// touching pixels, which is what makes a 100,000 × 80,000 overlay cheap: the writer compresses
/// one-colour tiles once.
public struct RectangleOverlay: Sendable {
    /// Level-0 size of the slide.
    public let width: Int
    public let height: Int

    /// A rectangle clipped to the slide: `[left, right) × [top, bottom)` in level-0 pixels.
    struct Area: Sendable {
        let left: Double, top: Double, right: Double, bottom: Double
        let color: RGBAPixel
    }

    private let areas: [Area]
    /// Areas bucketed by a grid of `cellSize`-pixel cells (compressed rows: the areas of cell `c`
    /// are `cellAreas[cellStarts[c]..<cellStarts[c + 1]]`, in ascending order).
    private let cellSize: Double
    private let cellColumns: Int
    private let cellRows: Int
    private let cellStarts: [Int]
    private let cellAreas: [Int32]

    /// At most this many (cell, area) entries: the cell size grows until the index fits.
    static let maximumIndexEntries = 1 << 24
    /// At most this many cells (their offsets are 8 bytes each, held twice while building).
    static let maximumCells = 1 << 20

    /// - Precondition: `width` and `height` in `1...(1 << 31)`, fewer than 2^31 rectangles
    ///   (callers validate sizes read from files).
    public init(width: Int, height: Int, rectangles: [(area: SlideRectangle, color: RGBAPixel)]) {
        precondition(width > 0 && height > 0 && width <= 1 << 31 && height <= 1 << 31 && rectangles.count < Int(Int32.max),
                     "RectangleOverlay: slide \(width)×\(height) with \(rectangles.count) rectangles")
        self.width = width
        self.height = height
        let slideWidth = Double(width), slideHeight = Double(height)
        var areas: [Area] = []
        areas.reserveCapacity(rectangles.count)
        for (rectangle, color) in rectangles {
            guard rectangle.x.isFinite, rectangle.y.isFinite, rectangle.width.isFinite, rectangle.height.isFinite else { continue }
            let left = min(max(rectangle.x, 0), slideWidth), right = min(max(rectangle.x + rectangle.width, 0), slideWidth)
            let top = min(max(rectangle.y, 0), slideHeight), bottom = min(max(rectangle.y + rectangle.height, 0), slideHeight)
            guard right > left, bottom > top else { continue }
            areas.append(Area(left: left, top: top, right: right, bottom: bottom, color: color))
        }
        self.areas = areas

        // The smallest power-of-two cell (from one tile) whose index stays under the entry limit.
        var cellSize = Double(PyramidalTIFFWriter.tileSize)
        func cellSpan(_ low: Double, _ high: Double, _ cell: Double, count: Int) -> Range<Int> {
            let first = min(Int(low / cell), count - 1)
            let last = min(Int((high / cell).rounded(.up)), count)
            return first..<max(first + 1, last)
        }
        while true {
            let columns = Int((slideWidth / cellSize).rounded(.up)), rows = Int((slideHeight / cellSize).rounded(.up))
            var entries = 0
            for area in areas where entries <= Self.maximumIndexEntries {
                entries += cellSpan(area.left, area.right, cellSize, count: columns).count
                    * cellSpan(area.top, area.bottom, cellSize, count: rows).count
            }
            if (entries <= Self.maximumIndexEntries && columns * rows <= Self.maximumCells) || (columns == 1 && rows == 1) { break }
            cellSize *= 2
        }
        let columns = Int((slideWidth / cellSize).rounded(.up)), rows = Int((slideHeight / cellSize).rounded(.up))
        var counts = [Int](repeating: 0, count: columns * rows + 1)
        for area in areas {
            for row in cellSpan(area.top, area.bottom, cellSize, count: rows) {
                for column in cellSpan(area.left, area.right, cellSize, count: columns) { counts[row * columns + column + 1] += 1 }
            }
        }
        for cell in 0..<columns * rows { counts[cell + 1] += counts[cell] }
        var next = counts, cellAreas = [Int32](repeating: 0, count: counts[columns * rows])
        for (index, area) in areas.enumerated() {
            for row in cellSpan(area.top, area.bottom, cellSize, count: rows) {
                for column in cellSpan(area.left, area.right, cellSize, count: columns) {
                    cellAreas[next[row * columns + column]] = Int32(index)
                    next[row * columns + column] += 1
                }
            }
        }
        self.cellSize = cellSize
        self.cellColumns = columns
        self.cellRows = rows
        self.cellStarts = counts
        self.cellAreas = cellAreas
    }

    /// The tile `rectangle` (level pixels, inside the level) of pyramid level `level` (downsample `2^level`).
    public func tile(level: Int, rectangle: PixelRectangle) -> RGBATile {
        let scale = Double(1 << min(max(level, 0), 40))
        // The level-0 span of the tile and the cells it touches.
        let left = Double(rectangle.x) * scale, right = Double(rectangle.x + rectangle.width) * scale
        let top = Double(rectangle.y) * scale, bottom = Double(rectangle.y + rectangle.height) * scale
        let firstColumn = min(Int(left / cellSize), cellColumns), lastColumn = min(Int((right / cellSize).rounded(.up)), cellColumns)
        let firstRow = min(Int(top / cellSize), cellRows), lastRow = min(Int((bottom / cellSize).rounded(.up)), cellRows)

        // Areas whose pixel ranges in the tile are not empty, each once (from the first cell of the
        // query it lies in), in ascending order; an area covering the whole tile hides those before it.
        var shown: [(index: Int32, columns: Range<Int>, rows: Range<Int>)] = []
        for row in firstRow..<max(firstRow, lastRow) {
            for column in firstColumn..<max(firstColumn, lastColumn) {
                let cell = row * cellColumns + column
                for entry in cellAreas[cellStarts[cell]..<cellStarts[cell + 1]] {
                    let area = areas[Int(entry)]
                    guard column == max(firstColumn, min(Int(area.left / cellSize), cellColumns - 1)),
                          row == max(firstRow, min(Int(area.top / cellSize), cellRows - 1)) else { continue }
                    let columns = Self.pixelRange(area.left, area.right, scale: scale, origin: rectangle.x, count: rectangle.width)
                    let rows = Self.pixelRange(area.top, area.bottom, scale: scale, origin: rectangle.y, count: rectangle.height)
                    if !columns.isEmpty && !rows.isEmpty { shown.append((entry, columns, rows)) }
                }
            }
        }
        shown.sort { $0.index < $1.index }
        if let covering = shown.lastIndex(where: { $0.columns.count == rectangle.width && $0.rows.count == rectangle.height }) {
            shown.removeFirst(covering)
        }
        guard let first = shown.first else { return .uniform(.transparent) }
        if shown.count == 1 && first.columns.count == rectangle.width && first.rows.count == rectangle.height {
            return .uniform(areas[Int(first.index)].color)
        }
        var pixels = [UInt8](repeating: 0, count: rectangle.width * rectangle.height * 4)
        for item in shown {
            RGBATile.fill(&pixels, rowLength: rectangle.width, columns: item.columns, rows: item.rows, with: areas[Int(item.index)].color)
        }
        return .pixels(pixels)
    }

    /// The pixels `i` in `0..<count` of a tile starting at level pixel `origin` whose centres
    /// `(origin + i + 0.5)·scale` lie in `[low, high)`: `ceil(low/scale − 0.5) ≤ origin + i < ceil(high/scale − 0.5)`.
    static func pixelRange(_ low: Double, _ high: Double, scale: Double, origin: Int, count: Int) -> Range<Int> {
        func index(_ value: Double) -> Int {
            let local = (value / scale - 0.5).rounded(.up) - Double(origin)
            return Int(min(max(local, 0), Double(count)))
        }
        let first = index(low), last = index(high)
        return first..<max(first, last)
    }
}
