extension AnnotationCoverage {
    /// The coverage of several slides' annotations taken together: selected and candidate counts
    /// and the annotated, covered and reachable areas summed, so ``coveredShare`` is the share of
    /// all annotated area covered (larger lesions weigh more than in a mean of per-slide shares).
    ///
    /// - Precondition: every coverage selected the same fraction of its candidates (as the top
    ///   share of equal grids does), which keeps ``expectedRandomShare`` exact for the pool.
    public init(pooling coverages: [AnnotationCoverage]) {
        precondition(Set(coverages.map(\.selectedFraction)).count <= 1,
                     "AnnotationCoverage: pooled coverages must select the same fraction, got \(coverages.map(\.selectedFraction))")
        self.init(selectedCount: coverages.reduce(0) { $0 + $1.selectedCount },
                  candidateCount: coverages.reduce(0) { $0 + $1.candidateCount },
                  annotatedArea: coverages.reduce(0) { $0 + $1.annotatedArea },
                  coveredArea: coverages.reduce(0) { $0 + $1.coveredArea },
                  reachableArea: coverages.reduce(0) { $0 + $1.reachableArea })
    }
}
