import Foundation
import Reports
import Slides
import TestSupport
import Testing
@testable import Visualization

/// Rasterising polygons (holes, several polygons) and reading label masks onto a slide raster.
@Suite struct AnnotationMaskTests {
    @Test func rasterPixelsBelongToTheRectangleHoldingTheirCentres() {
        let raster = SlideRaster(width: 10, height: 5, slideWidth: 100, slideHeight: 50)
        let ranges = raster.pixelRanges(of: SlideRectangle(x: 20, y: 0, width: 30, height: 10))
        #expect(ranges.columns == 2..<5 && ranges.rows == 0..<1)
        // Two rectangles that tile an edge share its pixels without overlap.
        let left = raster.pixelRanges(of: SlideRectangle(x: 0, y: 0, width: 33, height: 50)).columns
        let right = raster.pixelRanges(of: SlideRectangle(x: 33, y: 0, width: 67, height: 50)).columns
        #expect(left == 0..<3 && right == 3..<10)
        #expect(raster.pixelRanges(of: SlideRectangle(x: 0, y: 0, width: 0, height: 50)).columns.isEmpty)
    }

    @Test func polygonWithAHoleAndASecondPolygonAreFilledEvenOdd() {
        // 1 raster pixel = 2×2 level-0 pixels. Square 40×40 at (20, 20) with a 20×20 hole at (30, 30).
        let raster = SlideRaster(width: 50, height: 50, slideWidth: 100, slideHeight: 100)
        let hole = [SlidePoint(x: 30, y: 30), SlidePoint(x: 30, y: 50), SlidePoint(x: 50, y: 50), SlidePoint(x: 50, y: 30)]
        let square = rectangleAnnotation(x: 20, y: 20, width: 40, height: 40, holes: [hole])
        let other = rectangleAnnotation(x: 80, y: 80, width: 10, height: 10)
        let mask = AnnotationMask(annotations: [square, other], raster: raster)
        // (20 × 20 − 10 × 10) + 5 × 5 raster pixels.
        #expect(mask.annotatedPixelCount == 300 + 25)
        #expect(mask.annotatedArea == Double(325 * 4))
        #expect(mask[12, 12] && !mask[20, 20] && mask[42, 42] && !mask[5, 5])
        // Level-0 x < 40 holds raster columns 10..<20 of the square (20 rows) and 15..<20 of the hole (10 rows).
        #expect(mask.annotatedPixelCount(in: SlideRectangle(x: 0, y: 0, width: 40, height: 100)) == 10 * 20 - 5 * 10)
        // The boundary ring of the 5×5 square is its 16 outer pixels.
        let boundary = mask.boundary
        #expect((40..<45).flatMap { row in (40..<45).map { boundary[row * 50 + $0] } }.filter { $0 }.count == 16)
    }

    @Test func labelMaskAtAWholeDownsampleIsResampledOntoTheRaster() throws {
        let directory = try TemporaryDirectory()
        // Slide 101×50 at downsample 4: mask 26×13; lesion in mask columns 5..<10, rows 2..<6.
        var values = [UInt8](repeating: 0, count: 26 * 13)
        for row in 2..<6 { for column in 5..<10 { values[row * 26 + column] = 3 } }
        let url = directory.file("mask.png")
        try PNGImage.writeGray(values, width: 26, height: 13, to: url)
        let raster = SlideRaster(width: 101, height: 50, slideWidth: 101, slideHeight: 50)
        let mask = try AnnotationMask(labelImageAt: url, raster: raster)
        #expect(mask.annotatedPixelCount == 20 * 16, "level-0 columns 20..<40, rows 8..<24")
        #expect(mask[20, 8] && mask[39, 23] && !mask[19, 8] && !mask[40, 8])
        let annotations = try SlideAnnotations(contentsOf: url, raster: raster)
        #expect(annotations.annotations.isEmpty && annotations.mask.annotatedPixelCount == 320)
    }

    @Test func labelMaskOfAnotherShapeIsRejectedNamingTheFile() throws {
        let directory = try TemporaryDirectory()
        let url = directory.file("wrong.png")
        try PNGImage.writeGray([UInt8](repeating: 1, count: 20 * 20), width: 20, height: 20, to: url)
        let raster = SlideRaster(width: 100, height: 50, slideWidth: 400, slideHeight: 200)
        #expect {
            try AnnotationMask(labelImageAt: url, raster: raster)
        } throws: { error in
            (error as? ReportFileError).map { $0.path == url.path && $0.problem.contains("20×20 but the slide is 400×200") } ?? false
        }
        let garbage = try directory.write("{\"type\":", to: "broken.geojson")
        #expect(throws: ReportFileError.self) { try SlideAnnotations(contentsOf: garbage, raster: raster) }
    }
}
