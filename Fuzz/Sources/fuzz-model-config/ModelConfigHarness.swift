import Foundation
import FuzzSupport
import HATNet

/// Fuzzes the HATNet configuration loader: our `mimodel_*.json` and the authors' model-zoo
/// config (`bag_size`, `word_size`, `base_extractor`, …).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Tests/Fixtures/reference")
        let zoo = """
        {"bag_size": 1792, "word_size": 256, "base_extractor": "espnetv2", "s": 2.0, "out_features": 128,
         "attn_heads": 2, "attn_fn": "softmax", "attn_type": "l2", "dropout": 0.4, "attn_p": 0.2, "n_classes": 4}
        """
        return [("mimodel_softmax_l2.json", try Data(contentsOf: fixtures.appendingPathComponent("mimodel_softmax_l2.json"))),
                ("mimodel_tanh_l1.json", try Data(contentsOf: fixtures.appendingPathComponent("mimodel_tanh_l1.json"))),
                ("zoo_config.json", Data(zoo.utf8))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "model-config.json")
    do { _ = try HATNetConfiguration.load(from: url) } catch {
        FuzzInput.requireNamesFile(error, url.lastPathComponent)
    }
    return 0
}
