import Slides

/// A slide's thumbnail and the level-0 size it shows: the background of every attention figure.
public struct SlideOverview: Sendable {
    /// The thumbnail (RGB), with the slide's aspect ratio.
    public let image: RGBImage
    /// Level-0 size of the slide.
    public let slideWidth: Int
    public let slideHeight: Int

    public init(image: RGBImage, slideWidth: Int, slideHeight: Int) {
        self.image = image
        self.slideWidth = slideWidth
        self.slideHeight = slideHeight
    }

    /// The slide fitted into `maxDimension` pixels a side (aspect ratio kept), read from the
    /// coarsest pyramid level large enough.
    public init(source: any SlideSource, maxDimension: Int = 1024) throws {
        let (width, height) = source.dimensions
        self.init(image: try SlideThumbnail.render(source, maxDimension: maxDimension), slideWidth: width, slideHeight: height)
    }

    /// The thumbnail's pixel grid over the slide.
    public var raster: SlideRaster {
        SlideRaster(width: image.width, height: image.height, slideWidth: slideWidth, slideHeight: slideHeight)
    }
}
