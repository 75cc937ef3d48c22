/// What a running ``Trainer`` reports, for progress lines and logs.
public enum TrainingEvent: Sendable {
    /// A run continues after the last finished epoch of its checkpoint.
    case resumed(afterEpoch: Int, bestAccuracy: Double)
    /// Every `log_interval` iterations of the warm-up.
    case warmUp(iteration: Int, iterations: Int, learningRate: Double, meanLoss: Double)
    /// Every `log_interval` batches of an epoch (and after the last), with running means.
    case batch(epoch: Int, batch: Int, batches: Int, meanLoss: Double, meanAccuracy: Double,
               learningRate: Double, elapsedSeconds: Double)
    /// An epoch is done and its checkpoints are written.
    case epochFinished(EpochRecord, isBest: Bool)
}
