import Foundation
import Reports
import Visualization

/// The HTML of the index and viewer pages, and the per-slide data the viewer's script reads. Pages
/// carry no inline script or style (the Content-Security-Policy forbids them): behaviour is in
/// `/assets/viewer.js`, looks in `/assets/viewer.css`.
enum ViewerPages {
    private static func escaped(_ text: String) -> String { HTMLText.escaped(text) }

    private static func page(title: String, bodyAttributes: String = "", body: String) -> String {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(escaped(title))</title>
        <link rel="stylesheet" href="/assets/viewer.css">
        </head>
        <body\(bodyAttributes)>
        \(body)
        </body>
        </html>

        """
    }

    static func percent(_ value: Double) -> String { String(format: "%.1f %%", value * 100) }

    static func index(_ catalog: SlideCatalog) -> String {
        let classNames = catalog.slides.flatMap { $0.prediction.probabilities.map(\.name) }
        var columns: [String] = []
        for name in classNames where !columns.contains(name) { columns.append(name) }
        let header = (["Slide", "True class", "Predicted class"] + columns.map { "P(\($0))" } + ["Size (px)", "Overlays"])
            .map { "<th scope=\"col\">\(escaped($0))</th>" }.joined()
        let rows = catalog.slides.map { slide -> String in
            let prediction = slide.prediction
            let probabilities = columns.map { name -> String in
                guard let value = prediction.probabilities.first(where: { $0.name == name })?.value else { return "<td>–</td>" }
                return "<td class=\"number\">\(percent(value))</td>"
            }.joined()
            let correct = prediction.trueClass != nil && prediction.predictedClass != nil
                ? (prediction.trueClass == prediction.predictedClass ? " class=\"correct\"" : " class=\"wrong\"") : ""
            let (width, height) = slide.source.dimensions
            let layers = slide.layers.isEmpty ? "–" : slide.layers.map(\.title).joined(separator: ", ")
            return "<tr><th scope=\"row\"><a href=\"/view/\(escaped(slide.id))\">\(escaped(slide.id))</a></th>"
                + "<td>\(escaped(prediction.trueClass ?? "–"))</td><td\(correct)>\(escaped(prediction.predictedClass ?? "–"))</td>"
                + probabilities + "<td class=\"number\">\(width) × \(height)</td><td>\(escaped(layers))</td></tr>"
        }.joined(separator: "\n")
        return page(title: "hatnet — slides", body: """
        <main class="index">
        <h1>Slides</h1>
        <p>\(catalog.slides.count) slide\(catalog.slides.count == 1 ? "" : "s"). Open one to zoom into it with its attention overlays.</p>
        <table>
        <thead><tr>\(header)</tr></thead>
        <tbody>
        \(rows)
        </tbody>
        </table>
        </main>
        """)
    }

    static func viewer(_ slide: CatalogSlide) -> String {
        let prediction = slide.prediction
        let probabilities = prediction.probabilities.map { entry in
            "<tr><th scope=\"row\">\(escaped(entry.name))</th><td class=\"number\">\(percent(entry.value))</td>"
                + "<td><meter min=\"0\" max=\"1\" value=\"\(entry.value)\">\(percent(entry.value))</meter></td></tr>"
        }.joined()
        let layers = slide.layers.enumerated().map { index, layer in
            "<li><label><input type=\"checkbox\" data-layer=\"\(layer.rawValue)\"\(index == 0 ? " checked" : "")> \(escaped(layer.title))</label></li>"
        }.joined(separator: "\n")
        let (width, height) = slide.source.dimensions
        return page(title: "hatnet — \(slide.id)", bodyAttributes: " class=\"viewer\" data-slide=\"\(escaped(slide.id))\"", body: """
        <aside id="panel" aria-label="Slide information">
        <p><a href="/">← All slides</a></p>
        <h1>\(escaped(slide.id))</h1>
        <p class="dimensions">\(width) × \(height) px</p>
        <section aria-labelledby="prediction-heading">
        <h2 id="prediction-heading">Prediction</h2>
        <dl>
        <dt>True class</dt><dd>\(escaped(prediction.trueClass ?? "unknown"))</dd>
        <dt>Predicted class</dt><dd>\(escaped(prediction.predictedClass ?? "unknown"))</dd>
        </dl>
        \(probabilities.isEmpty ? "" : "<table class=\"probabilities\"><tbody>\(probabilities)</tbody></table>")
        </section>
        <section aria-labelledby="layers-heading">
        <h2 id="layers-heading">Overlays</h2>
        \(layers.isEmpty ? "<p>No attention or annotations are known for this slide.</p>" : "<ul class=\"layers\">\n\(layers)\n</ul>")
        <label class="opacity">Opacity <input type="range" id="opacity" min="0" max="1" step="0.05" value="0.5"></label>
        <div id="legend" aria-label="Colour bar"><span id="legend-low"></span><span class="bar"></span><span id="legend-high"></span></div>
        </section>
        <section aria-labelledby="word-heading">
        <h2 id="word-heading">Word</h2>
        <p id="word-info" aria-live="polite">Point at or click a word to see its score, rank and bag.</p>
        </section>
        </aside>
        <div id="view" role="application" aria-label="Zoomable slide"></div>
        <script src="/static/openseadragon.js"></script>
        <script src="/assets/viewer.js"></script>
        """)
    }

    /// `/data/<id>.json`: what the script needs — the layers, score ranges and colour map, and every
    /// word and bag as `[x, y, width, height, score, rank, bag, top]` (level-0 pixels).
    static func slideData(_ slide: CatalogSlide) -> Data {
        let (width, height) = slide.source.dimensions
        func regions(_ list: [ViewerAttention.Region]) -> JSONValue {
            .array(list.map { region in
                .array([.number(region.rectangle.x), .number(region.rectangle.y), .number(region.rectangle.width),
                        .number(region.rectangle.height), .number(region.score), .integer(region.rank), .integer(region.bag),
                        .bool(region.isTop)])
            })
        }
        func range(_ range: ClosedRange<Double>) -> JSONValue { .array([.number(range.lowerBound), .number(range.upperBound)]) }
        let attention = slide.attention
        let colors = AttentionPalette.heatMap.stops.map { color in
            JSONValue.string(String(format: "#%02x%02x%02x", Int((color.red * 255).rounded()), Int((color.green * 255).rounded()),
                                    Int((color.blue * 255).rounded())))
        }
        let document = JSONValue.object([
            "id": .string(slide.id), "width": .integer(width), "height": .integer(height),
            "dzi": .string("/slides/\(slide.id).dzi"),
            "layers": .array(slide.layers.map { layer in
                .object(["name": .string(layer.rawValue), "title": .string(layer.title),
                         "dzi": .string("/overlays/\(slide.id)/\(layer.rawValue).dzi")])
            }),
            "words": regions(attention?.words ?? []), "bags": regions(attention?.bags ?? []),
            "word_score_range": range(attention?.wordScoreRange ?? 0...0),
            "bag_score_range": range(attention?.bagScoreRange ?? 0...0),
            "word_count": .integer(attention?.words.count ?? 0), "bag_count": .integer(attention?.bags.count ?? 0),
            "colormap": .array(colors),
        ])
        return Data(document.serialized().utf8)
    }
}
