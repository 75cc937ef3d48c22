import Testing
@testable import Reports
import TensorKit

/// Predictions straight from a model's [N, K] output tensor.
@Suite struct PredictionSetTensorTests {
    @Test func tensorRowsBecomeProbabilityRows() throws {
        let probabilities = Tensor(shape: [3, 2], scalars: [0.75, 0.25, 0.5, 0.5, 0.125, 0.875])
        let predictions = try PredictionSet(trueLabels: [0, 1, 1], probabilities: probabilities)
        #expect(predictions.probabilities == [[0.75, 0.25], [0.5, 0.5], [0.125, 0.875]])
        #expect(predictions.predictedLabels == [0, 0, 1])
        #expect(throws: PredictionSet.ValidationError.caseCountMismatch(trueLabels: 2, probabilityRows: 3)) {
            try PredictionSet(trueLabels: [0, 1], probabilities: probabilities)
        }
    }
}
