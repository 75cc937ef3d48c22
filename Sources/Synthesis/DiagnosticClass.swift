/// The four diagnostic categories of the breast-biopsy task, with the reference's label numbers
/// (`class_names = ['Benign', 'Atypia', 'DCIS', 'Invasive']` in data_loader/bbwsi_dataset.py).
public enum DiagnosticClass: Int, CaseIterable, Sendable, Codable {
    case benign = 0
    case atypia = 1
    case dcis = 2
    case invasive = 3

    /// The reference's class name.
    public var name: String {
        switch self {
        case .benign: return "Benign"
        case .atypia: return "Atypia"
        case .dcis: return "DCIS"
        case .invasive: return "Invasive"
        }
    }

    /// Display colour for annotations (GeoJSON `classification.color`).
    public var annotationColor: (UInt8, UInt8, UInt8) {
        switch self {
        case .benign: return (0, 160, 0)
        case .atypia: return (230, 200, 0)
        case .dcis: return (240, 120, 0)
        case .invasive: return (200, 0, 0)
        }
    }

    /// The value of this class in lesion mask PNGs (0 is no lesion).
    public var maskValue: UInt8 { UInt8(rawValue + 1) }
}
