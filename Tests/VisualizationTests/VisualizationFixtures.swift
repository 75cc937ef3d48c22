import Foundation
import Reports
import Slides
import TensorKit
import Testing
@testable import Visualization

/// Expects the pixel at (`x`, `y`) to be opaque and within `tolerance` of `color` in every channel.
func expectPixel(_ canvas: CairoCanvas, x: Int, y: Int, is color: PlotColor, tolerance: Int = 2, _ what: String,
                 sourceLocation: SourceLocation = #_sourceLocation) {
    let pixel = canvas.pixel(x: x, y: y)
    let expected = [color.red, color.green, color.blue].map { Int(($0 * 255).rounded()) }
    let actual = [Int(pixel.red), Int(pixel.green), Int(pixel.blue)]
    let close = pixel.alpha == 255 && zip(actual, expected).allSatisfy { abs($0 - $1) <= tolerance }
    #expect(close, "\(what): pixel (\(x), \(y)) is \(actual) alpha \(pixel.alpha), expected \(expected)", sourceLocation: sourceLocation)
}

/// An axis-aligned rectangular annotation in level-0 pixels (closed ring, as QuPath writes it).
func rectangleAnnotation(x: Double, y: Double, width: Double, height: Double, holes: [[SlidePoint]] = []) -> Annotation {
    let ring = [SlidePoint(x: x, y: y), SlidePoint(x: x + width, y: y), SlidePoint(x: x + width, y: y + height),
                SlidePoint(x: x, y: y + height), SlidePoint(x: x, y: y)]
    return Annotation(polygons: [AnnotationPolygon(exterior: ring, holes: holes)])
}

/// A small scene shared by the figure tests: a 400×200 slide (thumbnail 200×100, uniform grey),
/// cut by the reference's grid with bag 4, word 2 (2×2 bags of 2×2 words, stretched), and one
/// rectangular annotation from (260, 60) to (340, 140) in level-0 pixels, i.e. (130, 30)–(170, 70)
/// on the thumbnail.
///
/// Bags are numbered column-major: bag 0 = left top, 1 = left bottom, 2 = right top, 3 = right
/// bottom; each bag's words likewise. Level-0 bag size 200×100, word size 100×50.
struct FigureScene {
    static let grey: (UInt8, UInt8, UInt8) = (128, 128, 128)
    let overview: SlideOverview
    let attention: SlideAttention
    let annotations: SlideAnnotations

    init(bagScores: [Float], wordScores: [Float]) throws {
        let image = RGBImage(width: 400, height: 200, filledWith: Self.grey)
        let source = ImageSource(url: URL(fileURLWithPath: "/scene.png"), image: image, format: "png")
        overview = try SlideOverview(source: source, maxDimension: 200)
        let placement = try GridPlacement(source: source, layout: WordGridLayout(bagSize: 4, wordSize: 2), options: WordGridOptions())
        attention = SlideAttention(placement: placement, wordScores: Tensor(shape: [4, 4], scalars: wordScores),
                                   bagScores: Tensor(shape: [1, 4], scalars: bagScores))
        let annotation = rectangleAnnotation(x: 260, y: 60, width: 80, height: 80)
        annotations = SlideAnnotations(source: URL(fileURLWithPath: "/scene.geojson"), annotations: [annotation],
                                       mask: AnnotationMask(annotations: [annotation], raster: overview.raster))
    }
}
