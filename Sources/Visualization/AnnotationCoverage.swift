
/// How much of the annotated area a selection of rectangles (the top-k bags or words) covers, and
/// how much a random selection of the same number would cover on average.
///
/// Areas are counted on the ``AnnotationMask``'s raster: an annotated pixel is covered when its
/// centre lies in a selected rectangle.
///
/// The random baseline is exact, not sampled: choosing `m` of the `N` rectangles uniformly at
/// random selects each with probability `m/N`, and since grid rectangles do not overlap, linearity
/// of expectation gives an expected covered share of `m/N · (annotated area inside any rectangle /
/// annotated area)`. For rectangles that tile the slide this is `m/N`, the selected fraction,
/// whatever their sizes.
public struct AnnotationCoverage: Equatable, Sendable {
    /// Number of selected rectangles `m`.
    public let selectedCount: Int
    /// Number of rectangles `N` the selection was made from.
    public let candidateCount: Int
    /// Annotated area in square level-0 pixels.
    public let annotatedArea: Double
    /// Annotated area inside the selected rectangles, in square level-0 pixels.
    public let coveredArea: Double
    /// Annotated area inside any of the rectangles (all of it unless annotations reach the grid's
    /// padding), in square level-0 pixels.
    public let reachableArea: Double

    /// `m / N`.
    public var selectedFraction: Double { candidateCount == 0 ? 0 : Double(selectedCount) / Double(candidateCount) }

    /// Share of the annotated area covered by the selection, in [0, 1] (NaN without annotations).
    public var coveredShare: Double { annotatedArea > 0 ? coveredArea / annotatedArea : .nan }

    /// Expected share covered by `m` rectangles chosen uniformly at random (NaN without annotations).
    public var expectedRandomShare: Double { annotatedArea > 0 ? selectedFraction * reachableArea / annotatedArea : .nan }

    /// How many times the random expectation the selection covers (NaN when the expectation is 0).
    public var gainOverRandom: Double { expectedRandomShare > 0 ? coveredShare / expectedRandomShare : .nan }

    public init(selectedCount: Int, candidateCount: Int, annotatedArea: Double, coveredArea: Double, reachableArea: Double) {
        self.selectedCount = selectedCount
        self.candidateCount = candidateCount
        self.annotatedArea = annotatedArea
        self.coveredArea = coveredArea
        self.reachableArea = reachableArea
    }

    /// The coverage of `mask` by the rectangles of `regions` flagged in `selected`.
    public init(mask: AnnotationMask, regions: RegionIndexMap, selected: [Bool]) {
        precondition(regions.raster == mask.raster, "AnnotationCoverage: mask and regions must share one raster")
        precondition(selected.count == regions.regionCount,
                     "AnnotationCoverage: \(selected.count) selection flags for \(regions.regionCount) regions")
        var annotated = 0, covered = 0, reachable = 0
        for offset in mask.values.indices where mask.values[offset] {
            annotated += 1
            let owner = regions.owner(atOffset: offset)
            guard owner >= 0 else { continue }
            reachable += 1
            if selected[owner] { covered += 1 }
        }
        let pixelArea = mask.raster.pixelArea
        self.init(selectedCount: selected.filter { $0 }.count, candidateCount: selected.count,
                  annotatedArea: Double(annotated) * pixelArea, coveredArea: Double(covered) * pixelArea,
                  reachableArea: Double(reachable) * pixelArea)
    }
}
