import Foundation
import FuzzSupport
import Pipeline

/// Fuzzes our training-run config (`TrainingOptions`, the JSON a run directory holds) and its
/// validation.
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        [("default.json", Data(try TrainingOptions().jsonText().utf8))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "run-config.json")
    let options: TrainingOptions
    do { options = try TrainingOptions.load(from: url) } catch {
        FuzzInput.requireNamesFile(error, url.path)
        return 0
    }
    // Validation names the option, not the file; anything it accepts must give a model config.
    if (try? options.validate()) != nil {
        _ = options.modelConfiguration(cnnFeatures: 1280)
        _ = options.configFileName
    }
    return 0
}
