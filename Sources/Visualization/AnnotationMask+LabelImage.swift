import Foundation
import Reports
import Slides

extension AnnotationMask {
    /// Reads a label-mask image (PNG, or any image ``Slides/openSlide(_:)`` reads) covering the
    /// whole slide at some downsample, non-zero = annotated, and resamples it (nearest neighbour)
    /// onto `raster`.
    ///
    /// The mask may be smaller than the slide by any factor; when its size is `ceil(slide / d)` for
    /// a whole downsample `d` (as `hatnet synth` writes them), mask pixel `i` covers level-0 pixels
    /// `[i·d, (i+1)·d)` exactly; otherwise the mask is stretched over the slide.
    ///
    /// - Throws: ``ReportFileError`` naming the file when it cannot be read or its aspect ratio does
    ///   not match the slide's (it would not cover the same area).
    public init(labelImageAt url: URL, raster: SlideRaster) throws {
        let image: RGBImage
        do { image = try openSlide(url).readLevel(0) } catch {
            throw ReportFileError(path: url.path, problem: "cannot read the label mask (\(error))")
        }
        let scale = try Self.levelZeroPixelsPerMaskPixel(maskWidth: image.width, maskHeight: image.height,
                                                        slideWidth: raster.slideWidth, slideHeight: raster.slideHeight, path: url.path)
        var values = [Bool](repeating: false, count: raster.width * raster.height)
        for row in 0..<raster.height {
            let maskRow = min(image.height - 1, Int((Double(row) + 0.5) * raster.scaleY / scale.y))
            for column in 0..<raster.width {
                let maskColumn = min(image.width - 1, Int((Double(column) + 0.5) * raster.scaleX / scale.x))
                let pixel = image[maskColumn, maskRow]
                values[row * raster.width + column] = pixel.0 != 0 || pixel.1 != 0 || pixel.2 != 0
            }
        }
        self.init(raster: raster, values: values)
    }

    /// Level-0 pixels per mask pixel along x and y: a whole downsample when the mask size is the
    /// slide size divided by it and rounded up, otherwise the plain ratio, which must agree along
    /// both axes within 2 %.
    static func levelZeroPixelsPerMaskPixel(maskWidth: Int, maskHeight: Int, slideWidth: Int, slideHeight: Int,
                                            path: String) throws -> (x: Double, y: Double) {
        let ratioX = Double(slideWidth) / Double(maskWidth), ratioY = Double(slideHeight) / Double(maskHeight)
        let candidate = max(1, Int(max(ratioX, ratioY).rounded(.up)))
        for downsample in [candidate - 1, candidate, candidate + 1] where downsample >= 1 {
            if (slideWidth + downsample - 1) / downsample == maskWidth && (slideHeight + downsample - 1) / downsample == maskHeight {
                return (Double(downsample), Double(downsample))
            }
        }
        guard abs(ratioX - ratioY) <= 0.02 * max(ratioX, ratioY) else {
            throw ReportFileError(path: path, problem: "the label mask is \(maskWidth)×\(maskHeight) but the slide is "
                                  + "\(slideWidth)×\(slideHeight); a mask must cover the whole slide at one downsample")
        }
        return (ratioX, ratioY)
    }
}
