import Foundation

extension AnnotationCoverage {
    /// One sentence for people, e.g. `top 50% of bags (25 of 49) cover 78.3% of the annotated area;
    /// random selection covers 51.0% on average (1.54×)`; `items` names what was selected.
    public func summary(items: String) -> String {
        let percent = String(format: "%.0f%%", selectedFraction * 100)
        let head = "top \(percent) of \(items) (\(selectedCount) of \(candidateCount))"
        guard annotatedArea > 0 else { return head + ": the annotations cover no area of the slide" }
        return head + String(format: " cover %.1f%% of the annotated area; random selection covers %.1f%% on average",
                             coveredShare * 100, expectedRandomShare * 100)
            + (gainOverRandom.isFinite ? String(format: " (%.2f×)", gainOverRandom) : "")
    }
}
