/// Shapes bucketed by the grid cell that holds their centre, for fast "what overlaps this tile"
/// queries. Each shape is stored once, so overlapping translucent shapes are painted once, and
/// always in the same order (cells row by row, then insertion order) whichever tile asks.
struct ShapeIndex: Sendable {
    let cellSize: Float
    let columns: Int
    let rows: Int
    private(set) var cells: [[PaintedShape]]
    /// The largest `extent` of any stored shape; queries widen by it.
    private(set) var largestExtent: Float = 0

    init(width: Int, height: Int, cellSize: Float) {
        self.cellSize = cellSize
        columns = max(1, Int((Float(width) / cellSize).rounded(.up)))
        rows = max(1, Int((Float(height) / cellSize).rounded(.up)))
        cells = Array(repeating: [], count: columns * rows)
    }

    mutating func insert(_ shape: PaintedShape) {
        let column = min(columns - 1, max(0, Int(shape.centerX / cellSize)))
        let row = min(rows - 1, max(0, Int(shape.centerY / cellSize)))
        cells[row * columns + column].append(shape)
        largestExtent = max(largestExtent, shape.extent)
    }

    var count: Int { cells.reduce(0) { $0 + $1.count } }

    /// Calls `body` for every shape whose bounding square meets the level-0 rectangle
    /// `[minX, maxX) × [minY, maxY)`.
    func forEachShape(minX: Float, minY: Float, maxX: Float, maxY: Float, _ body: (PaintedShape) -> Void) {
        let firstColumn = max(0, Int((minX - largestExtent) / cellSize))
        let lastColumn = min(columns - 1, Int((maxX + largestExtent) / cellSize))
        let firstRow = max(0, Int((minY - largestExtent) / cellSize))
        let lastRow = min(rows - 1, Int((maxY + largestExtent) / cellSize))
        guard firstColumn <= lastColumn, firstRow <= lastRow else { return }
        for row in firstRow...lastRow {
            for column in firstColumn...lastColumn {
                for shape in cells[row * columns + column]
                where shape.centerX + shape.extent >= minX && shape.centerX - shape.extent < maxX
                    && shape.centerY + shape.extent >= minY && shape.centerY - shape.extent < maxY {
                    body(shape)
                }
            }
        }
    }
}
