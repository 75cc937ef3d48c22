import Foundation
import Slides

extension SyntheticSlide {
    /// Renders `region` (in pixels of a level whose pixels each cover `downsample × downsample`
    /// level-0 pixels). Shapes smaller than a pixel are blended by area, so coarse levels show the
    /// averaged colour of the fine ones.
    public func render(region: PixelRectangle, downsample: Int) -> RGBImage {
        let scale = Float(downsample)
        let width = region.width, height = region.height
        var color = [SIMD3<Float>](repeating: SyntheticSlide.glass, count: width * height)
        let mip = texture.mipLevel(forDownsample: scale)
        let minX = Float(region.x) * scale, minY = Float(region.y) * scale
        let maxX = Float(region.x + width) * scale, maxY = Float(region.y + height) * scale

        // Base: stroma on tissue, glass elsewhere. Whole-tile inside/outside tests skip most
        // per-pixel boundary work.
        let halfSize = max(maxX - minX, maxY - minY) / 2
        let classifications = outlines.map { $0.classifySquare(x: (minX + maxX) / 2, y: (minY + maxY) / 2, halfSize: halfSize) }
        let allInside = classifications.contains { $0 == true }
        let candidates = outlines.indices.filter { classifications[$0] == nil }
        let candidateOutlines = candidates.map { outlines[$0] }
        let stromaRange = SyntheticSlide.denseStroma - SyntheticSlide.lightStroma
        texture.withMip(mip) { sample in
            for row in 0..<height {
                let y = (Float(region.y + row) + 0.5) * scale
                for column in 0..<width {
                    let x = (Float(region.x + column) + 0.5) * scale
                    if allInside || candidateOutlines.contains(where: { $0.contains(x: x, y: y) }) {
                        color[row * width + column] = SyntheticSlide.lightStroma + stromaRange * sample(x, y)
                    } else {
                        // Glass: a faint grain so tiles are not perfectly flat.
                        color[row * width + column] += SIMD3<Float>(repeating: (sample(x * 3.1, y * 2.7) - 0.3) * 3)
                    }
                }
            }
        }

        let paint: (PaintedShape) -> Void = { shape in
            SyntheticSlide.paint(shape, into: &color, region: region, scale: scale)
        }
        regions.forEachShape(minX: minX, minY: minY, maxX: maxX, maxY: maxY, paint)
        nuclei.forEachShape(minX: minX, minY: minY, maxX: maxX, maxY: maxY, paint)

        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        for index in color.indices {
            let value = color[index]
            let clamped = (value.clamped(lowerBound: SIMD3(repeating: 0), upperBound: SIMD3(repeating: 255)) + 0.5)
            pixels[index * 3] = UInt8(clamped.x)
            pixels[index * 3 + 1] = UInt8(clamped.y)
            pixels[index * 3 + 2] = UInt8(clamped.z)
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Blends one shape into the colour buffer of `region`. Pixel coverage is approximated from the
    /// distance to the ellipse edge (one-pixel anti-aliasing); a shape smaller than a pixel is
    /// blended into the pixel holding its centre with opacity scaled by its area share.
    private static func paint(_ shape: PaintedShape, into color: inout [SIMD3<Float>], region: PixelRectangle, scale: Float) {
        let centerX = shape.centerX / scale - Float(region.x), centerY = shape.centerY / scale - Float(region.y)
        let radiusX = shape.radiusX / scale, radiusY = shape.radiusY / scale
        if max(radiusX, radiusY) < 0.75 {
            let column = Int(centerX.rounded(.down)), row = Int(centerY.rounded(.down))
            guard column >= 0, row >= 0, column < region.width, row < region.height else { return }
            let alpha = min(1, shape.opacity * Float.pi * radiusX * radiusY)
            let index = row * region.width + column
            color[index] += (shape.color - color[index]) * alpha
            return
        }
        let extent = max(radiusX, radiusY) + 1
        let firstColumn = max(0, Int((centerX - extent).rounded(.down))), lastColumn = min(region.width - 1, Int(centerX + extent))
        let firstRow = max(0, Int((centerY - extent).rounded(.down))), lastRow = min(region.height - 1, Int(centerY + extent))
        guard firstColumn <= lastColumn, firstRow <= lastRow else { return }
        let cosine = cos(shape.angle), sine = sin(shape.angle)
        let edgeScale = min(radiusX, radiusY)
        for row in firstRow...lastRow {
            let dy = Float(row) + 0.5 - centerY
            for column in firstColumn...lastColumn {
                let dx = Float(column) + 0.5 - centerX
                let u = (dx * cosine + dy * sine) / radiusX, v = (-dx * sine + dy * cosine) / radiusY
                let distance = (u * u + v * v).squareRoot()
                let coverage = min(1, max(0, 0.5 - (distance - 1) * edgeScale))
                guard coverage > 0 else { continue }
                let index = row * region.width + column
                color[index] += (shape.color - color[index]) * (coverage * shape.opacity)
            }
        }
    }
}
