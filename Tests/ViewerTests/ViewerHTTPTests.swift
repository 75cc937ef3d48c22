import Foundation
import Slides
import TestSupport
import Testing
import Viewer

/// `hatnet serve` over HTTP: pages, Deep Zoom descriptors and tiles checked against OpenSlide's own
/// `DeepZoomGenerator` (openslide-python) on the same slide file, overlay tiles against hand-derived
/// colours, and hostile requests.
@Suite(.serialized)
struct ViewerHTTPTests {
    /// Every Deep Zoom level, tile count and tile size of the fixture slide from DeepZoomGenerator
    /// (tile 254, overlap 1, limit_bounds False), each tile saved as PNG into `output`.
    static let referenceScript = #"""
    import json, sys, os
    import openslide
    from openslide.deepzoom import DeepZoomGenerator
    slide = openslide.OpenSlide(sys.argv[1])
    dz = DeepZoomGenerator(slide, tile_size=254, overlap=1, limit_bounds=False)
    out = sys.argv[2]
    levels = []
    for level in range(dz.level_count):
        cols, rows = dz.level_tiles[level]
        tiles = []
        for col in range(cols):
            for row in range(rows):
                tile = dz.get_tile(level, (col, row))
                tile.save(os.path.join(out, "%d_%d_%d.png" % (level, col, row)))
                tiles.append([col, row, list(dz.get_tile_dimensions(level, (col, row)))])
        levels.append({"dimensions": list(dz.level_dimensions[level]), "tiles": [cols, rows], "tile_list": tiles})
    print(json.dumps({"level_count": dz.level_count, "levels": levels, "dzi": dz.get_dzi("jpeg")}))
    """#

    static func meanAbsoluteDifference(_ a: RGBImage, _ b: RGBImage) -> Double {
        precondition(a.width == b.width && a.height == b.height)
        var total = 0
        for index in a.pixels.indices { total += abs(Int(a.pixels[index]) - Int(b.pixels[index])) }
        return Double(total) / Double(max(1, a.pixels.count))
    }

    @Test func indexListsTheSlideWithItsClassesAndProbabilities() throws {
        let fixture = try ViewerFixture()
        let server = try ServerProcess([fixture.root.path])
        let response = try server.client().get("/")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/html; charset=utf-8")
        #expect(response.headers["x-content-type-options"] == "nosniff")
        #expect(response.headers["content-security-policy"]?.contains("default-src 'none'") == true)
        let html = String(decoding: response.body, as: UTF8.self)
        #expect(html.contains("<a href=\"/view/\(ViewerFixture.slideID)\">\(ViewerFixture.slideID)</a>"))
        // True class from the prediction file (DCIS = 2), predicted = y_pred 3 (Invasive), P(Invasive) = 40 %.
        #expect(html.contains("<td>DCIS</td><td class=\"wrong\">Invasive</td>"))
        #expect(html.contains("40.0 %"))
        #expect(html.contains("1536 × 1024"))
        #expect(html.contains("Word attention, Bag attention, Top words, Top bags, Lesion annotations"))

        let viewer = try server.client().get("/view/\(ViewerFixture.slideID)")
        #expect(viewer.status == 200)
        let page = String(decoding: viewer.body, as: UTF8.self)
        #expect(page.contains("<script src=\"/static/openseadragon.js\"></script>"))
        #expect(page.contains("data-layer=\"words\""))
        let script = try server.client().get("/static/openseadragon.js")
        #expect(script.status == 200 && String(decoding: script.body, as: UTF8.self).contains("@version openseadragon 3.0.0"))
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8")
        #expect(try server.client().get("/static/images/home_rest.png").status == 200)
    }

    @Test func descriptorAndEveryTileMatchOpenSlidesDeepZoomGenerator() throws {
        let fixture = try ViewerFixture()
        let reference = try TemporaryDirectory()
        let result = try PythonInterop.run(script: Self.referenceScript, arguments: [fixture.slide.path, reference.url.path])
        try #require(result.status == 0, "DeepZoomGenerator failed: \(result.output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.output.split(separator: "\n").last!.utf8)) as? [String: Any])
        let levels = try #require(json["levels"] as? [[String: Any]])

        let server = try ServerProcess([fixture.slide.path])
        let client = server.client()
        let descriptor = try client.get("/slides/\(ViewerFixture.slideID).dzi")
        #expect(descriptor.status == 200)
        #expect(descriptor.headers["content-type"] == "application/xml")
        let xml = String(decoding: descriptor.body, as: UTF8.self)
        for field in [#"Format="jpeg""#, #"Overlap="1""#, #"TileSize="254""#, #"Width="1536""#, #"Height="1024""#,
                      #"xmlns="http://schemas.microsoft.com/deepzoom/2008""#] {
            #expect(xml.contains(field), "descriptor lacks \(field): \(xml)")
            #expect((json["dzi"] as? String)?.contains(field) == true, "OpenSlide's descriptor lacks \(field)")
        }
        #expect(json["level_count"] as? Int == 12)

        var compared = 0, tileCount = 0
        for (level, entry) in levels.enumerated() {
            let tiles = try #require(entry["tile_list"] as? [[Any]])
            // Levels 8…11 are slide levels 3…0 themselves (downsamples 8…1): only JPEG quality 75 separates
            // the tiles. Below, both scale a pyramid level down — PIL's reduce + Lanczos there, box +
            // bilinear here — which on tiles of a few pixels costs a few more grey levels.
            let tolerance = level >= 8 ? 3.0 : 8.0
            for tile in tiles {
                tileCount += 1
                let column = tile[0] as! Int, row = tile[1] as! Int, size = tile[2] as! [Int]
                let response = try client.get("/slides/\(ViewerFixture.slideID)_files/\(level)/\(column)_\(row).jpeg")
                try #require(response.status == 200, "tile \(level)/\(column)_\(row): HTTP \(response.status)")
                #expect(response.headers["content-type"] == "image/jpeg")
                let ours = try JPEGImage.decode(response.body, path: "tile \(level)/\(column)_\(row)")
                let theirs = try PNGImage.read(path: reference.file("\(level)_\(column)_\(row).png").path)
                #expect(ours.width == size[0] && ours.height == size[1], "tile \(level)/\(column)_\(row) is \(ours.width)×\(ours.height), OpenSlide says \(size)")
                guard ours.width == theirs.width, ours.height == theirs.height else {
                    // DeepZoomGenerator shrinks with PIL's thumbnail(), which keeps the aspect ratio, so a
                    // tile of a level of 2 × 1 pixels comes out smaller than get_tile_dimensions says
                    // (OpenSeadragon expects the declared size, which ours has): compare mean colours.
                    #expect(level < 8 && (theirs.width != size[0] || theirs.height != size[1]),
                            "tile \(level)/\(column)_\(row): \(ours.width)×\(ours.height), reference \(theirs.width)×\(theirs.height)")
                    for channel in 0..<3 {
                        let mean = { (image: RGBImage) in
                            stride(from: channel, to: image.pixels.count, by: 3).map { Double(image.pixels[$0]) }.reduce(0, +) / Double(image.width * image.height)
                        }
                        #expect(abs(mean(ours) - mean(theirs)) < tolerance, "tile \(level)/\(column)_\(row) channel \(channel)")
                    }
                    continue
                }
                let difference = Self.meanAbsoluteDifference(ours, theirs)
                compared += 1
                #expect(difference < tolerance, "tile \(level)/\(column)_\(row) differs from DeepZoomGenerator's by \(difference) on average")
            }
        }
        #expect(tileCount == 60 && compared >= 59, "\(tileCount) tiles, \(compared) compared pixel by pixel")
        // The comparison can tell tiles apart: a tile against its right neighbour's reference differs far more.
        let tile = try JPEGImage.decode(try client.get("/slides/\(ViewerFixture.slideID)_files/11/2_2.jpeg").body, path: "tile")
        let own = Self.meanAbsoluteDifference(tile, try PNGImage.read(path: reference.file("11_2_2.png").path))
        let neighbour = Self.meanAbsoluteDifference(tile, try PNGImage.read(path: reference.file("11_3_2.png").path))
        #expect(neighbour > 3 * own, "a shifted tile is not told apart (\(neighbour) against \(own))")
    }

    @Test func overlayTilesShowTheAttentionAndOutlines() throws {
        let fixture = try ViewerFixture()
        let server = try ServerProcess([fixture.root.path])
        let client = server.client()
        let id = ViewerFixture.slideID
        for layer in ["words", "bags", "topwords", "topbags", "annotations"] {
            let descriptor = try client.get("/overlays/\(id)/\(layer).dzi")
            #expect(descriptor.status == 200, "layer \(layer)")
            #expect(String(decoding: descriptor.body, as: UTF8.self).contains(#"Format="png""#))
        }
        // Level 11 is level 0 of the slide: tile (0, 0) shows pixels [0, 255) × [0, 255).
        let response = try client.get("/overlays/\(id)/words_files/11/0_0.png")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "image/png")
        let tile = try PythonInterop.run(script: """
            import sys, json
            from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGBA")
            print(json.dumps({"size": image.size, "pixels": [list(image.getpixel((x, y))) for x, y in [(10, 10), (200, 10), (10, 100)]]}))
            """, arguments: [try Self.save(response.body)])
        // Word 0 (bag 0) has the lowest score → inferno's first stop #000004, opaque; word 1 (bag 0, row 1)
        // covers y 64…128; word of bag 0 column 2 covers x 192…288: score index 8 → 8/255.
        let decoded = try #require(try JSONSerialization.jsonObject(with: Data(tile.output.split(separator: "\n").last!.utf8)) as? [String: Any])
        let pixels = try #require(decoded["pixels"] as? [[Int]])
        #expect(decoded["size"] as? [Int] == [255, 255])
        #expect(pixels[0] == [0, 0, 4, 255])
        #expect(pixels[1][3] == 255 && pixels[1] != pixels[0])

        // The highest word (bag 15, last word) is at the bottom-right corner: pale yellow #FCFFA4.
        let geometry = DeepZoomGeometry(slideLevels: try openSlide(fixture.slide).levels)
        let counts = geometry.tileCounts(level: 11)
        let corner = try client.get("/overlays/\(id)/words_files/11/\(counts.columns - 1)_\(counts.rows - 1).png")
        let cornerPixel = try PythonInterop.run(script: """
            import sys
            from PIL import Image
            image = Image.open(sys.argv[1]).convert("RGBA")
            print(list(image.getpixel((image.size[0] - 3, image.size[1] - 3))))
            """, arguments: [try Self.save(corner.body)])
        #expect(cornerPixel.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[252, 255, 164, 255]")

        // Top words: the top half are words 128…255 (bags 8…15, the right half of the slide). Their
        // outlines are #0050FF; the left half's tile (0, 0) has none.
        let topLeft = try client.get("/overlays/\(id)/topwords_files/11/0_0.png")
        let topRight = try client.get("/overlays/\(id)/topwords_files/11/\(counts.columns - 1)_0.png")
        let outline = try PythonInterop.run(script: """
            import sys
            from PIL import Image
            for path in sys.argv[1:]:
                image = Image.open(path).convert("RGBA")
                colours = image.getcolors(1 << 20)
                print(sorted([list(c) for n, c in colours if c[3] > 0]))
            """, arguments: [try Self.save(topLeft.body), try Self.save(topRight.body)])
        let lines = outline.output.split(separator: "\n")
        #expect(lines.count == 2, "\(outline.output)")
        #expect(lines.first == "[]")
        #expect(lines.last == "[[0, 80, 255, 255]]")

        // Lesion annotations: the generator's lesions outlined in opaque #E00000 and filled with it at
        // alpha 64, on the tiles of level 9 (384 × 256, the whole slide in 2 × 2 tiles).
        var paths: [String] = []
        for column in 0..<2 { for row in 0..<2 { paths.append(try Self.save(try client.get("/overlays/\(id)/annotations_files/9/\(column)_\(row).png").body)) } }
        let annotation = try PythonInterop.run(script: """
            import sys
            from PIL import Image
            colours = set()
            for path in sys.argv[1:]:
                colours |= {c for n, c in Image.open(path).convert("RGBA").getcolors(1 << 20) if c[3] > 0}
            print(sorted(colours))
            """, arguments: paths)
        #expect(annotation.output.trimmingCharacters(in: .whitespacesAndNewlines) == "[(224, 0, 0, 64), (224, 0, 0, 255)]", "\(annotation.output)")
    }

    static func save(_ data: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("hatnet-viewer-\(UUID().uuidString).png")
        try data.write(to: url)
        return url.path
    }

    /// Requests that must be refused with a 4xx status — traversal (plain, percent-encoded, double
    /// slashes, absolute-form), ids and names not in the catalog, malformed and out-of-range tile
    /// addresses, directory listings, long URLs, other methods — with the security headers, and
    /// the server still answering afterwards.
    @Test func hostileRequestsAreRefusedAndTheServerStaysUp() throws {
        let fixture = try ViewerFixture()
        // A slide outside the root, reachable only through a symbolic link inside it: not served.
        let outside = try TemporaryDirectory()
        try FileManager.default.copyItem(at: fixture.slide, to: outside.file("secret_slide.tiff"))
        try FileManager.default.createSymbolicLink(at: fixture.root.appendingPathComponent("cohort/linked_slide.tiff"),
                                                   withDestinationURL: outside.file("secret_slide.tiff"))
        try FileManager.default.createSymbolicLink(at: fixture.root.appendingPathComponent("outside"), withDestinationURL: outside.url)
        let server = try ServerProcess([fixture.root.path])
        let id = ViewerFixture.slideID
        let targets = [
            "/../../../../etc/passwd",
            "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
            "/slides/../../../etc/passwd",
            "/slides/%2e%2e%2f%2e%2e%2fetc%2fpasswd.dzi",
            "/slides/..%2F..%2Fetc%2Fpasswd.dzi",
            "/static/../../../../etc/passwd",
            "/static/images/..%2f..%2fopenseadragon.js",
            "/static/images/%2e%2e%2f%2e%2e%2fdeepzoom_server.py",
            "/static/images/../../deepzoom_server.py",
            "//etc/passwd",
            "/view/..",
            "/view/%00",
            "/view/linked_slide",
            "/view/secret_slide",
            "/slides/secret_slide.dzi",
            "/slides/\(fixture.slide.path).dzi",
            "/slides/", "/static/", "/static/images/", "/assets/", "/overlays/\(id)/", "/data/",
            "/slides/nosuch.dzi",
            "/slides/\(id)",
            "/data/\(id)",
            "/data/..%2f\(id).json",
            "/slides/\(id)_files/12/0_0.jpeg",
            "/slides/\(id)_files/99999999999999999999/0_0.jpeg",
            "/slides/\(id)_files/-1/0_0.jpeg",
            "/slides/\(id)_files/11/7_0.jpeg",
            "/slides/\(id)_files/11/0_5.jpeg",
            "/slides/\(id)_files/11/0_999999999999.jpeg",
            "/slides/\(id)_files/11/+1_0.jpeg",
            "/slides/\(id)_files/11/0x1_0.jpeg",
            "/slides/\(id)_files/11/1_.jpeg",
            "/slides/\(id)_files/11/0_0_0.jpeg",
            "/slides/\(id)_files/11/0_0.png",
            "/slides/\(id)_files/11/0_0.jpeg.exe",
            "/slides/\(id)_files/abc/0_0.jpeg",
            "/overlays/\(id)/nosuch.dzi",
            "/overlays/\(id)/words_files/11/0_0.jpeg",
            "/overlays/\(id)/../../etc/passwd",
            "/overlays/nosuch/words_files/11/0_0.png",
            "/" + String(repeating: "a", count: 5000),
            "/slides/" + String(repeating: "%2e%2e%2f", count: 1000) + "etc/passwd",
        ]
        for target in targets {
            let response = try server.client().get(target)
            #expect((400..<500).contains(response.status), "GET \(target.prefix(120)) → \(response.status)")
            #expect(response.headers["x-content-type-options"] == "nosniff", "GET \(target.prefix(120)) lacks nosniff")
            #expect(response.headers["content-type"] != nil, "GET \(target.prefix(120)) has no content type")
            #expect(!String(decoding: response.body, as: UTF8.self).contains("root:"), "GET \(target.prefix(120)) leaked a file")
        }
        let raw: [(String, Data)] = [
            ("POST", Data("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".utf8)),
            ("PUT", Data("PUT /slides/x.dzi HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".utf8)),
            ("DELETE", Data("DELETE /view/\(id) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("absolute-form traversal", Data("GET http://127.0.0.1/../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("very long URL", Data("GET /\(String(repeating: "b", count: 200_000)) HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
            ("garbage request line", Data("\u{01}\u{02} GARBAGE\r\n\r\n".utf8)),
            ("NUL in path", Data("GET /view/\u{0}../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n".utf8)),
        ]
        for (name, request) in raw {
            let client = server.client()
            do {
                let response = try client.sendRaw(request)
                #expect((400..<500).contains(response.status), "\(name) → \(response.status)")
            } catch {
                Issue.record("\(name): no HTTP response (\(error))")
            }
        }
        #expect(server.isRunning)
        #expect(try server.client().get("/").status == 200)
        #expect(try server.client().get("/slides/\(id)_files/11/0_0.jpeg").status == 200)
        // The index names the one real slide only.
        let index = String(decoding: try server.client().get("/").body, as: UTF8.self)
        #expect(!index.contains("secret_slide") && !index.contains("linked_slide"))
    }

    @Test func refusesBadOptionsAndEmptyPaths() throws {
        let empty = try TemporaryDirectory()
        for arguments in [["serve", empty.url.path], ["serve", empty.file("missing").path], ["serve", empty.url.path, "--port", "70000"],
                          ["serve", empty.url.path, "--host", "bad host"]] {
            let outcome = try ChildProcess.run(ServerProcess.binary, arguments: arguments, timeout: 60)
            let message = outcome.stderr
            #expect(outcome.status != 0 && !outcome.endedBySignal && !outcome.timedOut, "\(arguments) succeeded or crashed")
            #expect(!message.isEmpty && !message.contains("Fatal error"), "\(arguments): \(message)")
        }
    }
}
