extension SyntheticSlide {
    /// The ground-truth lesion mask at `downsample` (level-0 pixels per mask pixel): row-major bytes,
    /// ``DiagnosticClass/maskValue`` inside each lesion (benign ducts included), 0 elsewhere.
    public func lesionMask(downsample: Int) -> (width: Int, height: Int, values: [UInt8]) {
        let maskWidth = (width + downsample - 1) / downsample, maskHeight = (height + downsample - 1) / downsample
        var values = [UInt8](repeating: 0, count: maskWidth * maskHeight)
        let scale = Double(downsample)
        for lesion in lesions {
            let centerX = lesion.centerX / scale, centerY = lesion.centerY / scale, radius = lesion.radius / scale
            let firstRow = max(0, Int(centerY - radius)), lastRow = min(maskHeight - 1, Int(centerY + radius))
            let firstColumn = max(0, Int(centerX - radius)), lastColumn = min(maskWidth - 1, Int(centerX + radius))
            guard firstRow <= lastRow, firstColumn <= lastColumn else { continue }
            for row in firstRow...lastRow {
                for column in firstColumn...lastColumn {
                    let dx = Double(column) + 0.5 - centerX, dy = Double(row) + 0.5 - centerY
                    if dx * dx + dy * dy <= radius * radius {
                        values[row * maskWidth + column] = lesion.diagnosticClass.maskValue
                    }
                }
            }
        }
        return (maskWidth, maskHeight, values)
    }

    /// The smallest power-of-two downsample that keeps a mask within `maxDimension` pixels a side.
    public func maskDownsample(maxDimension: Int = 4096) -> Int {
        var downsample = 1
        while max(width, height) / downsample > maxDimension { downsample *= 2 }
        return downsample
    }
}
