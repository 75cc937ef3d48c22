import ArgumentParser
import HATNet
import NN
import Pipeline

/// `--attn-type l1 | l2 | avg`.
enum EnergyReductionArgument: String, ExpressibleByArgument, CaseIterable {
    case l1, l2, avg
    var value: HATNetConfiguration.EnergyReduction { HATNetConfiguration.EnergyReduction(rawValue: rawValue)! }
}

/// `--attn-fn softmax | sigmoid | tanh`.
enum AttentionFunctionArgument: String, ExpressibleByArgument, CaseIterable {
    case softmax, sigmoid, tanh
    var value: HATNetConfiguration.AttentionFunction { HATNetConfiguration.AttentionFunction(rawValue: rawValue)! }
}

extension LearningRateScheduleKind: ExpressibleByArgument {}
extension TrainingOptions.OptimizerKind: ExpressibleByArgument {}
