/// Which pyramid level the word grid is resampled from.
public enum LevelChoice: Sendable, Equatable {
    /// The coarsest level that is still at least as large as the grid content (only downscaling),
    /// or level 0 when the slide is smaller than the grid.
    case automatic
    /// This level. Level 0 reproduces the reference exactly (it resizes level 0).
    case level(Int)
    /// The coarsest level whose pixels are no larger than this many microns; needs the slide's
    /// microns-per-pixel.
    case micronsPerPixel(Double)
}

/// Options of ``WordGridExtractor``; the defaults give the reference's behaviour.
public struct WordGridOptions: Sendable, Equatable {
    /// The pyramid level to read from.
    public var level: LevelChoice
    /// Fit the slide into the square grid keeping its aspect ratio, centred on white, instead of
    /// stretching it to a square as the reference does.
    public var keepAspect: Bool
    /// Detect tissue (``TissueMask``) and report each word's tissue fraction.
    public var detectTissue: Bool
    /// A word counts as tissue when at least this fraction of its area is tissue.
    public var minimumTissueFraction: Float

    public init(level: LevelChoice = .automatic, keepAspect: Bool = false, detectTissue: Bool = false,
                minimumTissueFraction: Float = 0.1) {
        self.level = level
        self.keepAspect = keepAspect
        self.detectTissue = detectTissue
        self.minimumTissueFraction = minimumTissueFraction
    }
}
