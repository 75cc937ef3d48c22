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

    /// The options every command of the pipeline cuts slides with unless told otherwise: the
    /// reference's grid (automatic level, stretched to a square) plus tissue detection, so each
    /// word's tissue fraction is recorded with it. The initialiser's defaults stay the reference's
    /// exact behaviour, which detects no tissue.
    public static let standard = WordGridOptions(detectTissue: true)

    /// Rejects a level, resolution or tissue threshold no slide can be cut with, naming the
    /// command-line option (`--level`, `--mpp`). Whether the slide has that level is checked
    /// when it is opened.
    /// - Throws: ``GridLayoutError``.
    public func validate() throws {
        switch level {
        case .automatic: break
        case let .level(number):
            guard number >= 0 else { throw GridLayoutError("--level must not be negative, got \(number)") }
        case let .micronsPerPixel(microns):
            guard microns.isFinite, microns > 0 else {
                throw GridLayoutError("--mpp must be a positive number of microns, got \(microns)")
            }
        }
        guard minimumTissueFraction.isFinite, (0...1).contains(minimumTissueFraction) else {
            throw GridLayoutError("the minimum tissue fraction must be in [0, 1], got \(minimumTissueFraction)")
        }
    }
}
