import Foundation
import Slides
import TensorKit
import Testing
@testable import Visualization

/// Coverage of annotations by selected rectangles, against values worked out by hand, and the
/// random baseline against its definition.
@Suite struct AnnotationCoverageTests {
    /// `columns × rows` equal rectangles tiling a `width × height` slide, column-major.
    static func grid(columns: Int, rows: Int, width: Double, height: Double) -> [SlideRectangle] {
        (0..<columns * rows).map { index in
            let cellWidth = width / Double(columns), cellHeight = height / Double(rows)
            return SlideRectangle(x: Double(index / rows) * cellWidth, y: Double(index % rows) * cellHeight,
                                  width: cellWidth, height: cellHeight)
        }
    }

    @Test func handMadeCase() {
        // Slide 100×100 on a 100×100 raster, 2×2 bags of 50×50 (0 = top-left, 1 = bottom-left, 2 = top-right,
        // 3 = bottom-right). Annotation x 30..<70, y 0..<50: 2000 px², half in bag 0, half in bag 2.
        let raster = SlideRaster(width: 100, height: 100, slideWidth: 100, slideHeight: 100)
        let mask = AnnotationMask(annotations: [rectangleAnnotation(x: 30, y: 0, width: 40, height: 50)], raster: raster)
        let regions = RegionIndexMap(raster: raster, regions: Self.grid(columns: 2, rows: 2, width: 100, height: 100))
        let one = AnnotationCoverage(mask: mask, regions: regions, selected: [true, false, false, false])
        #expect(one.annotatedArea == 2000 && one.coveredArea == 1000)
        #expect(one.coveredShare == 0.5 && one.expectedRandomShare == 0.25 && one.gainOverRandom == 2)
        let both = AnnotationCoverage(mask: mask, regions: regions, selected: [true, false, true, false])
        #expect(both.coveredShare == 1 && both.expectedRandomShare == 0.5)
        let miss = AnnotationCoverage(mask: mask, regions: regions, selected: [false, true, false, true])
        #expect(miss.coveredShare == 0)
        #expect(one.summary(items: "bags") == "top 25% of bags (1 of 4) cover 50.0% of the annotated area; "
                + "random selection covers 25.0% on average (2.00×)")
    }

    @Test func annotationOnGridPaddingLowersTheReachableShare() {
        // Rectangles cover only the left half (x < 50); the annotation x 40..<60 is half outside.
        let raster = SlideRaster(width: 100, height: 100, slideWidth: 100, slideHeight: 100)
        let mask = AnnotationMask(annotations: [rectangleAnnotation(x: 40, y: 0, width: 20, height: 100)], raster: raster)
        let regions = RegionIndexMap(raster: raster, regions: Self.grid(columns: 1, rows: 4, width: 50, height: 100))
        let coverage = AnnotationCoverage(mask: mask, regions: regions, selected: [true, true, false, false])
        #expect(coverage.coveredShare == 0.25 && coverage.reachableArea == 1000)
        #expect(coverage.expectedRandomShare == 0.5 * 0.5)
    }

    @Test func randomBaselineIsTheSelectedFractionForRectanglesTilingTheSlide() {
        // A 7×7 grid over a slide that does not divide evenly, an irregular annotation, 25 of 49 selected.
        let raster = SlideRaster(width: 350, height: 210, slideWidth: 1400, slideHeight: 840)
        let annotations = [rectangleAnnotation(x: 130, y: 90, width: 500, height: 333),
                           rectangleAnnotation(x: 900, y: 500, width: 410, height: 300)]
        let mask = AnnotationMask(annotations: annotations, raster: raster)
        let regions = RegionIndexMap(raster: raster, regions: Self.grid(columns: 7, rows: 7, width: 1400, height: 840))
        var generator = SeededGenerator(seed: 7)
        let chosen = Set((0..<49).shuffled(using: &generator).prefix(25))
        let coverage = AnnotationCoverage(mask: mask, regions: regions, selected: (0..<49).map(chosen.contains))
        #expect(coverage.selectedFraction == 25.0 / 49)
        #expect(abs(coverage.expectedRandomShare - 25.0 / 49) < 1e-12)
    }

    @Test func randomBaselineMatchesTheMeanOfSeededRandomDraws() {
        // Unequal rectangles (a 3×3 grid with uneven column widths) and an annotation at one corner.
        let raster = SlideRaster(width: 90, height: 90, slideWidth: 90, slideHeight: 90)
        let widths = [10.0, 30, 50]
        let regions = (0..<9).map { index -> SlideRectangle in
            let column = index / 3, row = index % 3
            return SlideRectangle(x: widths[..<column].reduce(0, +), y: Double(row) * 30, width: widths[column], height: 30)
        }
        let mask = AnnotationMask(annotations: [rectangleAnnotation(x: 0, y: 0, width: 55, height: 40)], raster: raster)
        let map = RegionIndexMap(raster: raster, regions: regions)
        let analytic = AnnotationCoverage(mask: mask, regions: map, selected: [Bool](repeating: false, count: 6) + [true, true, true])
        var generator = SeededGenerator(seed: 11)
        let draws = 4000
        var total = 0.0
        for _ in 0..<draws {
            let chosen = Set((0..<9).shuffled(using: &generator).prefix(3))
            total += AnnotationCoverage(mask: mask, regions: map, selected: (0..<9).map(chosen.contains)).coveredShare
        }
        #expect(abs(total / Double(draws) - analytic.expectedRandomShare) < 0.01,
                "mean of \(draws) draws \(total / Double(draws)), analytic \(analytic.expectedRandomShare)")
    }

    @Test func rankingPicksTheTopShareWithTiesInIndexOrderAndNaNLast() {
        let ranking = ScoreRanking(scores: [0.2, .nan, 0.9, 0.2, 0.5])
        #expect(ranking.ranks == [2, 4, 0, 3, 1])
        #expect(ranking.topCount(fraction: 0.5) == 3 && ranking.isTop(fraction: 0.5) == [true, false, true, false, true])
        #expect(ranking.topCount(fraction: 0.01) == 1 && ranking.topCount(fraction: 1) == 5)
        #expect(ScoreRanking(scores: Array(repeating: 1, count: 49)).topCount(fraction: 0.5) == 25)
    }
}
