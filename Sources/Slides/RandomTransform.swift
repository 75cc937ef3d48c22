import Foundation
import TensorKit

/// The reference's training-time image augmentation (`random_transform_np` in
/// transforms/img_transforms.py), seeded. Each step happens with probability ½, in this order:
/// 1. flip: vertically (rows reversed, OpenCV flip code 0) or horizontally (code 1), equally likely;
/// 2. rotation by an integer angle in `[−maxRotation, maxRotation]` degrees about the image centre
///    (counter-clockwise for positive angles, like `cv2.getRotationMatrix2D`), bilinear, with a
///    white border (the colour of glass);
/// 3. crop-and-rescale: a random top-left corner `x ∈ [0, w − w/4]`, `y ∈ [0, h − h/4]`, the image
///    from there to its bottom-right corner resized back to `w × h`.
public struct RandomTransform: Sendable, Equatable {
    public var maxRotation: Int

    public init(maxRotation: Int = 10) {
        self.maxRotation = maxRotation
    }

    /// The choices one call of ``apply(to:generator:)`` makes; exposed for tests and logging.
    public struct Draw: Sendable, Equatable {
        /// `nil`, 0 (vertical flip) or 1 (horizontal flip).
        public var flipCode: Int?
        /// Degrees, or `nil` for no rotation.
        public var rotationDegrees: Int?
        /// Top-left corner of the crop, or `nil` for no crop.
        public var cropOrigin: (x: Int, y: Int)?

        /// No flip, rotation or crop.
        public init(flipCode: Int? = nil, rotationDegrees: Int? = nil, cropOrigin: (x: Int, y: Int)? = nil) {
            self.flipCode = flipCode
            self.rotationDegrees = rotationDegrees
            self.cropOrigin = cropOrigin
        }

        public static func == (lhs: Draw, rhs: Draw) -> Bool {
            lhs.flipCode == rhs.flipCode && lhs.rotationDegrees == rhs.rotationDegrees
                && lhs.cropOrigin?.x == rhs.cropOrigin?.x && lhs.cropOrigin?.y == rhs.cropOrigin?.y
        }
    }

    /// Draws the random choices for an image of `width × height`.
    public func draw(width: Int, height: Int, generator: inout SeededGenerator) -> Draw {
        var result = Draw()
        if generator.nextUniform() < 0.5 { result.flipCode = Int(generator.next() % 2) }
        if generator.nextUniform() < 0.5 {
            result.rotationDegrees = Int(generator.next() % UInt64(2 * maxRotation + 1)) - maxRotation
        }
        if generator.nextUniform() < 0.5 {
            let x = Int(generator.next() % UInt64(width - width / 4 + 1))
            let y = Int(generator.next() % UInt64(height - height / 4 + 1))
            result.cropOrigin = (x, y)
        }
        return result
    }

    /// Applies a freshly drawn transform.
    public func apply(to image: RGBImage, generator: inout SeededGenerator) -> RGBImage {
        apply(draw(width: image.width, height: image.height, generator: &generator), to: image)
    }

    /// Applies the given choices.
    public func apply(_ draw: Draw, to image: RGBImage) -> RGBImage {
        var result = image
        if let code = draw.flipCode { result = ImageGeometry.flipped(result, code: code) }
        if let degrees = draw.rotationDegrees { result = ImageGeometry.rotated(result, degrees: Double(degrees)) }
        if let origin = draw.cropOrigin {
            let crop = result.cropped(x: origin.x, y: origin.y, width: result.width - origin.x, height: result.height - origin.y)
            result = BilinearResizer(sourceWidth: crop.width, sourceHeight: crop.height,
                                     destinationWidth: image.width, destinationHeight: image.height).resize(crop)
        }
        return result
    }
}

/// Flips and rotations of RGB images.
public enum ImageGeometry {
    /// OpenCV's `cv2.flip`: code 0 reverses the rows (upside down), code 1 the columns (mirror).
    public static func flipped(_ image: RGBImage, code: Int) -> RGBImage {
        var pixels = image.pixels
        let width = image.width, height = image.height
        for row in 0..<height {
            for column in 0..<width {
                let sourceRow = code == 0 ? height - 1 - row : row
                let sourceColumn = code == 0 ? column : width - 1 - column
                let from = (sourceRow * width + sourceColumn) * 3, to = (row * width + column) * 3
                pixels[to] = image.pixels[from]
                pixels[to + 1] = image.pixels[from + 1]
                pixels[to + 2] = image.pixels[from + 2]
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }

    /// Rotation by `degrees` about `(width/2, height/2)` as `cv2.warpAffine(img,
    /// getRotationMatrix2D(centre, degrees, 1), (w, h), borderValue=white)`: each output pixel
    /// samples the inverse-rotated position bilinearly; samples outside the image are white.
    public static func rotated(_ image: RGBImage, degrees: Double) -> RGBImage {
        let radians = degrees * Double.pi / 180
        let cosine = cos(radians), sine = sin(radians)
        let centreX = Double(image.width) / 2, centreY = Double(image.height) / 2
        var pixels = [UInt8](repeating: 255, count: image.pixels.count)
        let width = image.width, height = image.height
        for row in 0..<height {
            for column in 0..<width {
                // Forward map (OpenCV): x' = c·x + s·y + tx, y' = −s·x + c·y + ty; invert it.
                let dx = Double(column) - centreX, dy = Double(row) - centreY
                let sourceX = cosine * dx - sine * dy + centreX
                let sourceY = sine * dx + cosine * dy + centreY
                let x0 = Int(sourceX.rounded(.down)), y0 = Int(sourceY.rounded(.down))
                let fx = sourceX - Double(x0), fy = sourceY - Double(y0)
                for channel in 0..<3 {
                    func sample(_ x: Int, _ y: Int) -> Double {
                        guard x >= 0, y >= 0, x < width, y < height else { return 255 }
                        return Double(image.pixels[(y * width + x) * 3 + channel])
                    }
                    let value = (sample(x0, y0) * (1 - fx) + sample(x0 + 1, y0) * fx) * (1 - fy)
                        + (sample(x0, y0 + 1) * (1 - fx) + sample(x0 + 1, y0 + 1) * fx) * fy
                    pixels[(row * width + column) * 3 + channel] = UInt8(max(0, min(255, value.rounded())))
                }
            }
        }
        return RGBImage(width: width, height: height, pixels: pixels)
    }
}
