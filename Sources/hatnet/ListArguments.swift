import ArgumentParser
import Foundation
import Pipeline

/// `--scale-multipliers -2,-1,0,1,2`: comma-separated integers m; the scales are words of
/// `word-size + scale-factor · m`. Only parsed here: their range and whether they give a positive
/// word size is ``TrainingOptions/validateFeatureSettings()``'s to say.
struct ScaleMultipliers: ExpressibleByArgument {
    let values: [Int]

    init(_ values: [Int]) { self.values = values }

    init?(argument: String) {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false)
            .map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !values.contains(nil) else { return nil }
        self.init(values.compactMap { $0 })
    }

    var defaultValueDescription: String { values.map(String.init).joined(separator: ",") }
}

/// `--class-names Benign,Atypia,DCIS,Invasive`: one name per label index, spaces around commas
/// ignored. Only parsed here: ``SlideClasses/validate(_:)`` says which lists are usable.
struct ClassNames: ExpressibleByArgument {
    let names: [String]

    init(_ names: [String]) { self.names = names }

    init?(argument: String) {
        self.init(argument.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
    }

    var defaultValueDescription: String { names.joined(separator: ",") }

    /// The names, or a ``ValidationError`` with the library's reason.
    func validated() throws -> [String] {
        try libraryRule { try SlideClasses.validate(names) }
        return names
    }
}
