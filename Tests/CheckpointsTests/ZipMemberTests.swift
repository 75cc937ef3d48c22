import Checkpoints
import Foundation
import Testing
import TestSupport

/// Deflated zip members (as in wheels) read through zlib, against archives Python's zipfile writes,
/// and members whose data does not match what the archive declares.
@Suite struct ZipMemberTests {
    private func scratch(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-zip-\(UUID().uuidString)-\(name)")
    }

    @Test func deflatedAndStoredMembersWrittenByPythonReadBack() throws {
        let archive = scratch("wheel.zip")
        defer { try? FileManager.default.removeItem(at: archive) }
        let script = """
            import sys, zipfile
            payload = bytes((i * 7 + i // 13) % 256 for i in range(300000))
            with zipfile.ZipFile(sys.argv[1], 'w') as z:
                z.writestr(zipfile.ZipInfo('pkg/weights.pth'), payload, compress_type=zipfile.ZIP_DEFLATED)
                z.writestr('pkg/METADATA', 'Name: x\\n', compress_type=zipfile.ZIP_STORED)
            print('ok')
            """
        let result = try PythonInterop.run(script: script, arguments: [archive.path])
        #expect(result.status == 0 && result.output.contains("ok"), "\(result.output)")
        let weights = try ZipMember.contents(of: "pkg/weights.pth", inArchive: archive)
        #expect(weights.count == 300_000)
        #expect(weights.enumerated().allSatisfy { index, byte in byte == UInt8((index * 7 + index / 13) % 256) })
        #expect(try ZipMember.contents(of: "pkg/METADATA", inArchive: archive) == Data("Name: x\n".utf8))
        #expect(throws: CheckpointError.self) { try ZipMember.contents(of: "pkg/missing", inArchive: archive) }
    }

    @Test func aMemberThatInflatesBeyondItsDeclaredSizeIsRefused() throws {
        let archive = scratch("bomb.zip")
        defer { try? FileManager.default.removeItem(at: archive) }
        // Deflate 1 MB of zeros, then claim an uncompressed size of 1000 bytes (CRC of the claim).
        let script = """
            import sys, zipfile, zlib, struct
            data = bytes(1 << 20)
            with zipfile.ZipFile(sys.argv[1], 'w', compression=zipfile.ZIP_DEFLATED) as z:
                z.writestr('bomb.bin', data)
            raw = bytearray(open(sys.argv[1], 'rb').read())
            # Patch the uncompressed size in the central directory (offset 24 in the record) and local header (22).
            central = raw.rfind(b'PK\\x01\\x02')
            struct.pack_into('<I', raw, central + 24, 1000)
            struct.pack_into('<I', raw, 22, 1000)
            open(sys.argv[1], 'wb').write(bytes(raw))
            print('ok')
            """
        let result = try PythonInterop.run(script: script, arguments: [archive.path])
        #expect(result.status == 0, "\(result.output)")
        do {
            _ = try ZipMember.contents(of: "bomb.bin", inArchive: archive)
            Issue.record("a member inflating past its declared size was accepted")
        } catch let error as CheckpointError {
            #expect(error.description.contains("bomb.bin") && error.description.contains("1000"), "\(error)")
        }
    }
}
