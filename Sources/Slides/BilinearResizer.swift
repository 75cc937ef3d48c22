import Dispatch
import TensorKit

/// Bilinear resizing of RGB images that reproduces OpenCV's `cv2.resize` (INTER_LINEAR, 8-bit) to
/// the bit: the same pixel-centre mapping and fixed-point arithmetic (see ``LinearResizeAxis``).
///
/// OpenCV resizes in two passes: horizontally into 32-bit sums `D = S·w₀ + S'·w₁` (scale 2048),
/// then vertically with its SIMD kernel `VResizeLinearVec_32s8u`:
/// `(((D₀ >> 4)·v₀ >> 16) + ((D₁ >> 4)·v₁ >> 16) + 2) >> 2`. Checked bit for bit against
/// `cv2.resize` for up- and downscales of odd sizes. Every destination pixel depends only on its own
/// source neighbours, so any rectangle of the destination can be computed on its own from the
/// source rectangle it needs (``sourceRectangle(for:)``) and equals the same rectangle of a
/// whole-image resize — the basis of streaming.
public struct BilinearResizer: Sendable {
    public let sourceWidth: Int
    public let sourceHeight: Int
    public let destinationWidth: Int
    public let destinationHeight: Int
    private let horizontal: LinearResizeAxis
    private let vertical: LinearResizeAxis

    /// A resize from `sourceWidth × sourceHeight` to `destinationWidth × destinationHeight`.
    public init(sourceWidth: Int, sourceHeight: Int, destinationWidth: Int, destinationHeight: Int) {
        self.sourceWidth = sourceWidth
        self.sourceHeight = sourceHeight
        self.destinationWidth = destinationWidth
        self.destinationHeight = destinationHeight
        horizontal = LinearResizeAxis(sourceCount: sourceWidth, destinationCount: destinationWidth, clampsFraction: true)
        vertical = LinearResizeAxis(sourceCount: sourceHeight, destinationCount: destinationHeight, clampsFraction: false)
    }

    /// The source rectangle a destination rectangle reads (in source pixels).
    public func sourceRectangle(for destination: PixelRectangle) -> PixelRectangle {
        let columns = horizontal.sourceRange(for: destination.x..<destination.x + destination.width)
        let rows = vertical.sourceRange(for: destination.y..<destination.y + destination.height)
        return PixelRectangle(x: columns.lowerBound, y: rows.lowerBound, width: columns.count, height: rows.count)
    }

    /// Resizes a whole image (which must be `sourceWidth × sourceHeight`).
    public func resize(_ image: RGBImage) -> RGBImage {
        resize(region: image, at: (0, 0),
               destination: PixelRectangle(x: 0, y: 0, width: destinationWidth, height: destinationHeight))
    }

    /// Computes the rectangle `destination` of the resized image from `region`, the part of the
    /// source whose top-left pixel is source pixel `origin`. `region` must cover
    /// ``sourceRectangle(for:)`` of `destination`. Rows are spread over the available cores.
    public func resize(region: RGBImage, at origin: (x: Int, y: Int), destination: PixelRectangle) -> RGBImage {
        let needed = sourceRectangle(for: destination)
        precondition(needed.x >= origin.x && needed.y >= origin.y
                     && needed.x + needed.width <= origin.x + region.width
                     && needed.y + needed.height <= origin.y + region.height,
                     "BilinearResizer: region at \(origin) of \(region.width)×\(region.height) does not cover the source rectangle \(needed)")
        var output = [UInt8](repeating: 0, count: destination.width * destination.height * 3)
        guard !output.isEmpty else { return RGBImage(width: destination.width, height: destination.height, pixels: output) }
        let chunkRows = max(8, destination.height / (ParallelLoop.workerCount * 4))
        let chunks = (destination.height + chunkRows - 1) / chunkRows
        output.withUnsafeMutableBufferPointer { outputBuffer in
            let outputBase = outputBuffer.baseAddress!
            region.pixels.withUnsafeBufferPointer { sourceBuffer in
                let sourceBase = sourceBuffer.baseAddress!
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let rows = chunk * chunkRows..<min(destination.height, (chunk + 1) * chunkRows)
                    resizeRows(rows, of: destination, source: sourceBase, sourceStride: region.width * 3,
                               origin: origin, output: outputBase)
                }
            }
        }
        return RGBImage(width: destination.width, height: destination.height, pixels: output)
    }

    /// Resizes destination rows `rows` (relative to `destination`) into `output`, which holds the
    /// whole destination rectangle (`destination.width * 3` bytes per row).
    private func resizeRows(_ rows: Range<Int>, of destination: PixelRectangle, source: UnsafePointer<UInt8>,
                            sourceStride: Int, origin: (x: Int, y: Int), output: UnsafeMutablePointer<UInt8>) {
        let width = destination.width
        // Per destination column: byte offsets of the two source pixels inside a region row.
        var firstOffset = [Int](repeating: 0, count: width), secondOffset = firstOffset
        var firstWeight = [Int32](repeating: 0, count: width), secondWeight = firstWeight
        for column in 0..<width {
            let global = destination.x + column
            firstOffset[column] = (Int(horizontal.firstSource[global]) - origin.x) * 3
            secondOffset[column] = (Int(horizontal.secondSource[global]) - origin.x) * 3
            firstWeight[column] = horizontal.firstWeight[global]
            secondWeight[column] = horizontal.secondWeight[global]
        }
        // Horizontally resized source rows, cached: the top and bottom rows of the current pair.
        var cachedRows: [(sourceRow: Int, sums: [Int32])] = []
        func horizontalSums(sourceRow: Int) -> [Int32] {
            if let cached = cachedRows.first(where: { $0.sourceRow == sourceRow }) { return cached.sums }
            var sums = [Int32](repeating: 0, count: width * 3)
            let rowStart = source + (sourceRow - origin.y) * sourceStride
            for column in 0..<width {
                let a = rowStart + firstOffset[column], b = rowStart + secondOffset[column]
                let wa = firstWeight[column], wb = secondWeight[column]
                sums[column * 3] = Int32(a[0]) * wa + Int32(b[0]) * wb
                sums[column * 3 + 1] = Int32(a[1]) * wa + Int32(b[1]) * wb
                sums[column * 3 + 2] = Int32(a[2]) * wa + Int32(b[2]) * wb
            }
            cachedRows.append((sourceRow, sums))
            if cachedRows.count > 2 { cachedRows.removeFirst() }
            return sums
        }
        for row in rows {
            let global = destination.y + row
            let top = horizontalSums(sourceRow: Int(vertical.firstSource[global]))
            let bottom = horizontalSums(sourceRow: Int(vertical.secondSource[global]))
            let topWeight = vertical.firstWeight[global], bottomWeight = vertical.secondWeight[global]
            let outputRow = output + row * width * 3
            for element in 0..<width * 3 {
                let sum = (((top[element] >> 4) * topWeight) >> 16) + (((bottom[element] >> 4) * bottomWeight) >> 16)
                outputRow[element] = UInt8(clamping: (sum + 2) >> 2)
            }
        }
    }
}
