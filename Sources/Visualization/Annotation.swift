/// One annotated object of a slide (a QuPath annotation): its polygons in level-0 slide pixels and
/// the label a pathologist gave it.
public struct Annotation: Equatable, Sendable {
    /// The object's area; a `MultiPolygon` gives several.
    public var polygons: [AnnotationPolygon]
    /// `properties.classification.name` (QuPath's class, e.g. "Tumor"), if any.
    public var classification: String?
    /// `properties.name`, the object's own name, if any.
    public var name: String?

    public init(polygons: [AnnotationPolygon], classification: String? = nil, name: String? = nil) {
        self.polygons = polygons
        self.classification = classification
        self.name = name
    }
}
