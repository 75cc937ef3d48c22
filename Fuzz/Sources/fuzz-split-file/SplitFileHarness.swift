import Foundation
import FuzzSupport
import Pipeline

/// Fuzzes the split-file reader (`image_id,label` lines).
@_cdecl("LLVMFuzzerInitialize")
public func initialize(_ argc: UnsafeMutablePointer<Int32>?,
                       _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> Int32 {
    FuzzInput.configure()
    FuzzInput.writeSeedsIfRequested {
        [("train.txt", Data("slide_001,0\nslide_002,3\n\nslide_003, DCIS\nslide_004,atypia\r\n".utf8)),
         ("bad.txt", Data("a,9\n,1\nb\nc,1,2\na,0\n".utf8))]
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let url = FuzzInput.file(FuzzInput.data(bytes, count), named: "split.txt")
    do { _ = try SplitFile(contentsOf: url, classNames: SlideClasses.defaultNames) } catch {
        FuzzInput.requireNamesFile(error, url.path)
    }
    return 0
}
