import Foundation
import TensorKit

/// A procedurally generated H&E-like breast biopsy slide of one diagnostic class, which can render
/// any region at any pyramid downsample without ever holding level 0.
///
/// Pink stroma with fibre texture, spindle-shaped stromal nuclei, white fat vacuoles and glass
/// background, with ducts (benign) and the class's lesions (``LesionMorphology``) placed at random
/// inside the tissue. The same seed always gives the same slide.
public struct SyntheticSlide: Sendable {
    public let width: Int
    public let height: Int
    public let diagnosticClass: DiagnosticClass
    /// Every duct and invasive focus, with its class: the ground truth.
    public let lesions: [SyntheticLesion]
    /// Level-0 pixel size written into the TIFF (20× objective).
    public static let micronsPerPixel = 0.5

    let outlines: [TissueOutline]
    let regions: ShapeIndex
    let nuclei: ShapeIndex
    let texture: StromaTexture

    static let glass = SIMD3<Float>(244, 242, 245)
    static let lightStroma = SIMD3<Float>(246, 212, 230)
    static let denseStroma = SIMD3<Float>(222, 128, 178)

    /// Generates the slide's layout (no pixels yet).
    public init(width: Int, height: Int, diagnosticClass: DiagnosticClass, seed: UInt64) {
        precondition(width >= 64 && height >= 64, "SyntheticSlide: size \(width)×\(height) is too small (64×64 at least)")
        self.width = width
        self.height = height
        self.diagnosticClass = diagnosticClass
        var generator = SeededGenerator(seed: seed)
        texture = StromaTexture(generator: &generator)
        func uniform(_ low: Float, _ high: Float) -> Float { low + (high - low) * generator.nextUniform() }

        // Tissue: one to three wobbly pieces covering roughly half of the glass.
        let pieceCount = Int(uniform(1, 4))
        var outlines: [TissueOutline] = []
        for piece in 0..<pieceCount {
            let slot = (Float(piece) + 0.5) / Float(pieceCount)
            let landscape = width >= height
            let centerX = landscape ? Float(width) * slot : Float(width) * uniform(0.4, 0.6)
            let centerY = landscape ? Float(height) * uniform(0.4, 0.6) : Float(height) * slot
            let along = (landscape ? Float(width) : Float(height)) / Float(pieceCount) * uniform(0.38, 0.46)
            let across = (landscape ? Float(height) : Float(width)) * uniform(0.3, 0.4)
            outlines.append(TissueOutline(
                centerX: centerX, centerY: centerY,
                radiusX: landscape ? along : across, radiusY: landscape ? across : along, angle: uniform(-0.2, 0.2),
                harmonics: (2...5).map { harmonic in (Float(harmonic), uniform(0.02, 0.07), uniform(0, 2 * .pi)) }))
        }
        self.outlines = outlines
        let tissueArea = outlines.reduce(Float(0)) { $0 + .pi * $1.radiusX * $1.radiusY }

        func randomTissuePoint(margin: Float) -> (Float, Float)? {
            for _ in 0..<50 {
                let x = uniform(margin, Float(width) - margin), y = uniform(margin, Float(height) - margin)
                if outlines.contains(where: { $0.contains(x: x, y: y) }) { return (x, y) }
            }
            return nil
        }

        var regionShapes = ShapeIndex(width: width, height: height, cellSize: 512)
        var nucleusShapes = ShapeIndex(width: width, height: height, cellSize: 256)
        var morphology = LesionMorphology(generator: SeededGenerator(seed: seed &+ 0x9E37_79B9))
        var lesions: [SyntheticLesion] = []
        // Structures do not overlap: a coarse occupancy grid of placed discs.
        var occupied: [Int: [(Float, Float, Float)]] = [:]
        let occupancyCell: Float = 1024
        func liesInTissue(x: Float, y: Float, radius: Float) -> Bool {
            (0..<8).allSatisfy { step in
                let theta = Float(step) * .pi / 4
                let pointX = x + radius * cos(theta), pointY = y + radius * sin(theta)
                return outlines.contains { $0.contains(x: pointX, y: pointY) }
            }
        }
        func isFree(x: Float, y: Float, radius: Float) -> Bool {
            let column = Int(x / occupancyCell), row = Int(y / occupancyCell)
            for neighbourRow in row - 1...row + 1 {
                for neighbourColumn in column - 1...column + 1 {
                    for (otherX, otherY, otherRadius) in occupied[neighbourRow &* 1_000_003 &+ neighbourColumn] ?? []
                    where (otherX - x) * (otherX - x) + (otherY - y) * (otherY - y) < (otherRadius + radius + 20) * (otherRadius + radius + 20) {
                        return false
                    }
                }
            }
            return true
        }
        func occupy(x: Float, y: Float, radius: Float) {
            occupied[Int(y / occupancyCell) &* 1_000_003 &+ Int(x / occupancyCell), default: []].append((x, y, radius))
        }

        // Ducts, a share of which carry the class's lesion; invasive slides add invasive foci.
        let ductCount = max(4, Int(tissueArea / (420 * 420)))
        let lesionShare: Float = diagnosticClass == .benign ? 0 : (diagnosticClass == .invasive ? 0.15 : 0.4)
        var regionList: [PaintedShape] = [], nucleusList: [PaintedShape] = []
        for index in 0..<ductCount {
            let isLesion = Float(index) < Float(ductCount) * lesionShare
            let kind: DiagnosticClass = isLesion ? diagnosticClass : .benign
            let radius: Float
            switch kind {
            case .benign: radius = uniform(45, 95)
            case .atypia: radius = uniform(80, 130)
            case .dcis: radius = uniform(100, 170)
            case .invasive: radius = uniform(220, 420)
            }
            guard radius * 2.2 < Float(min(width, height)),
                  let (x, y) = randomTissuePoint(margin: radius), isFree(x: x, y: y, radius: radius),
                  liesInTissue(x: x, y: y, radius: radius) else { continue }
            occupy(x: x, y: y, radius: radius)
            switch kind {
            case .benign: morphology.benignDuct(x: x, y: y, radius: radius, regions: &regionList, nuclei: &nucleusList)
            case .atypia: morphology.atypicalDuct(x: x, y: y, radius: radius, regions: &regionList, nuclei: &nucleusList)
            case .dcis: morphology.dcisDuct(x: x, y: y, radius: radius, regions: &regionList, nuclei: &nucleusList)
            case .invasive: morphology.invasiveFocus(x: x, y: y, radius: radius, regions: &regionList, nuclei: &nucleusList)
            }
            lesions.append(SyntheticLesion(diagnosticClass: kind, centerX: Double(x), centerY: Double(y), radius: Double(radius)))
        }
        // Fat and stromal nuclei fill the rest of the tissue.
        for _ in 0..<Int(tissueArea / 250_000) {
            guard let (x, y) = randomTissuePoint(margin: 70), isFree(x: x, y: y, radius: 62) else { continue }
            occupy(x: x, y: y, radius: 62)
            morphology.fatVacuole(x: x, y: y, regions: &regionList)
        }
        for _ in 0..<Int(tissueArea / 3_000) {
            guard let (x, y) = randomTissuePoint(margin: 10) else { continue }
            nucleusList.append(morphology.stromalNucleus(x: x, y: y))
        }
        for shape in regionList { regionShapes.insert(shape) }
        for shape in nucleusList { nucleusShapes.insert(shape) }
        self.regions = regionShapes
        self.nuclei = nucleusShapes
        self.lesions = lesions
    }

    /// Whether the level-0 point lies on tissue.
    func isTissue(x: Float, y: Float) -> Bool { outlines.contains { $0.contains(x: x, y: y) } }

    /// The outlines of the tissue pieces as closed polygons, level-0 pixels.
    public var tissuePolygons: [[(x: Double, y: Double)]] {
        outlines.map { $0.polygon().map { (Double($0.0), Double($0.1)) } }
    }
}
