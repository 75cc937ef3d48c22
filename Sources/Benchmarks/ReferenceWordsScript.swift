import Foundation

/// The reference's slide → words path (`convert_image_to_words` in HATNet's
/// data_loader/data_utils/bag_word_extractor.py: OpenSlide reads all of level 0, `cv2.resize` to the
/// grid, NumPy reshapes, float64 normalisation), run with `$HATNET_PYTHON` (else `python3`) for timing comparisons.
enum ReferenceWordsScript {
    static let source = """
    import json, resource, sys, time
    import cv2, numpy as np, openslide
    path, bag, word = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    start = time.time()
    slide = openslide.open_slide(path)
    width, height = slide.dimensions
    wsi = np.array(slide.read_region((0, 0), 0, (width, height)).convert('RGB'))
    n = bag // word
    wsi = cv2.resize(wsi, (bag * n, bag * n))
    roi_h = wsi.shape[0]
    bags = np.reshape(wsi, (roi_h, n, bag, 3)).transpose(1, 0, 2, 3).reshape(n * n, bag, bag, 3)
    words = np.reshape(bags, (n * n, bag, -1, word, 3)).transpose(0, 2, 1, 3, 4).reshape(n * n, -1, word, word, 3)
    words = words.astype(float) / 255.0
    words -= [0.485, 0.456, 0.406]
    words /= [0.229, 0.224, 0.225]
    words = np.ascontiguousarray(words.transpose(0, 1, 4, 2, 3)).astype(np.float32)
    seconds = time.time() - start
    print(json.dumps({"seconds": seconds, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                      "shape": list(words.shape)}))
    """

    struct Measurement: Decodable {
        let seconds: Double
        let peakRSSBytes: Int

        enum CodingKeys: String, CodingKey {
            case seconds
            case peakRSSBytes = "peak_rss_bytes"
        }
    }

    /// Whether the interpreter has `openslide` and `cv2` (opencv-python).
    static func isAvailable() -> Bool {
        (try? PythonInterpreter.run(arguments: ["-c", "import openslide, cv2, numpy"]))?.status == 0
    }

    /// Runs the reference path on `slide` and returns its time and peak memory.
    static func measure(slide: URL, bagSize: Int, wordSize: Int) throws -> Measurement {
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-reference-words-\(UUID().uuidString).py")
        try source.write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let result = try PythonInterpreter.run(arguments: [script.path, slide.path, String(bagSize), String(wordSize)])
        guard result.status == 0, let line = result.output.split(separator: "\n").last else {
            throw BenchmarkError.referenceFailed("\(PythonInterpreter.displayName) exited with status \(result.status): \(result.output.suffix(500))")
        }
        return try JSONDecoder().decode(Measurement.self, from: Data(line.utf8))
    }
}

/// Failures of a benchmark run.
public enum BenchmarkError: Error, CustomStringConvertible {
    case referenceFailed(String)
    case peerFailed(String)

    public var description: String {
        switch self {
        case .referenceFailed(let reason): return "the Python reference path failed: \(reason)"
        case .peerFailed(let reason): return "the peer benchmark (\(PythonInterpreter.displayName)) failed: \(reason)"
        }
    }
}
