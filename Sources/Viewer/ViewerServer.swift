import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Slides

/// Options of `hatnet serve`.
public struct ServeOptions: Sendable {
    /// Interface to listen on; loopback unless the user asks otherwise.
    public var host: String = "127.0.0.1"
    /// Port (0: any free port, printed when the server is up).
    public var port: Int = 8080
    /// Bytes of encoded tiles kept in memory.
    public var cacheBytes: Int = 256 << 20
    /// JPEG quality of slide tiles (the deepzoom server's default 75).
    public var jpegQuality: Int = 75
    /// Where Debian's `python-openslide-examples` keeps OpenSeadragon.
    public var openSeadragonDirectory: String = OpenSeadragonFiles.debianDirectory

    public init() {}

    public static let loopbackHosts: Set<String> = ["127.0.0.1", "localhost", "::1"]

    /// Whether the server would be reachable from other machines.
    public var isExposed: Bool { !Self.loopbackHosts.contains(host) }

    public func validate() throws {
        guard (0...65_535).contains(port) else { throw ViewerError.invalidOption("--port must be 0…65535, got \(port)") }
        guard !host.isEmpty, host.count <= 255, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".:-_".contains($0)) }) else {
            throw ViewerError.invalidOption("--host must be a host name or IP address, got '\(host)'")
        }
        guard (0...(64 << 30)).contains(cacheBytes) else { throw ViewerError.invalidOption("--cache-mb must be 0…65536") }
        guard (1...100).contains(jpegQuality) else { throw ViewerError.invalidOption("--jpeg-quality must be 1…100, got \(jpegQuality)") }
    }
}

/// The files of OpenSeadragon 3.0.0 as Debian's `python-openslide-examples` installs them; the
/// server serves exactly these (read once at start-up), never a path taken from a request.
public struct OpenSeadragonFiles: Sendable {
    public static let debianDirectory = "/usr/share/doc/python-openslide-examples/examples/deepzoom/static"
    public let script: Data
    /// Button images by file name.
    public let images: [String: Data]

    public init(directory: String) throws {
        let scriptURL = URL(fileURLWithPath: directory).appendingPathComponent("openseadragon.js")
        guard let script = FileManager.default.contents(atPath: scriptURL.path), !script.isEmpty else {
            throw ViewerError.unreadable(path: scriptURL.path, reason: "OpenSeadragon is missing; install Debian's python-openslide-examples "
                                         + "(scripts/ensure-deps.sh does: apt-get install python-openslide-examples)")
        }
        self.script = script
        let imageDirectory = URL(fileURLWithPath: directory).appendingPathComponent("images")
        var images: [String: Data] = [:]
        for name in (try? FileManager.default.contentsOfDirectory(atPath: imageDirectory.path)) ?? [] where name.hasSuffix(".png") {
            if let data = FileManager.default.contents(atPath: imageDirectory.appendingPathComponent(name).path) { images[name] = data }
        }
        self.images = images
    }
}

/// A request the server refuses, with its 4xx status; the body is a one-line plain-text reason.
struct ViewerRequestError: HTTPResponseError {
    let status: HTTPResponse.Status
    let message: String

    static func notFound(_ message: String = "not found") -> Self { .init(status: .notFound, message: message) }
    static func badRequest(_ message: String) -> Self { .init(status: .badRequest, message: message) }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        ViewerServer.textResponse(status: status, text: message + "\n")
    }
}

/// Sets the security headers on every response (errors included) and turns every error into a
/// plain-text response: 4xx for refused requests, a bare 500 (no details) for failures.
struct SecurityMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headers: HTTPFields {
        [
            .xContentTypeOptions: "nosniff",
            .contentSecurityPolicy: "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                + "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
            HTTPField.Name("X-Frame-Options")!: "DENY",
            HTTPField.Name("Referrer-Policy")!: "no-referrer",
            HTTPField.Name("Cross-Origin-Resource-Policy")!: "same-origin",
        ]
    }
    /// Longest request target accepted (414 above).
    static var maximumTargetLength: Int { 2048 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        if request.uri.string.utf8.count > Self.maximumTargetLength {
            response = ViewerServer.textResponse(status: .uriTooLong, text: "request target longer than \(Self.maximumTargetLength) bytes\n")
        } else if request.method != .get {
            response = ViewerServer.textResponse(status: .methodNotAllowed, text: "only GET\n")
            response.headers[.allow] = "GET"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as ViewerRequestError {
                response = ViewerServer.textResponse(status: error.status, text: error.message + "\n")
            } catch let error as any HTTPResponseError {
                // Hummingbird's own (the router's 404): the same plain-text form, no details on 5xx.
                response = ViewerServer.textResponse(status: error.status, text: error.status.code >= 500 ? "server error\n"
                                                     : "\(error.status.code) \(error.status.reasonPhrase)\n")
            } catch {
                context.logger.error("\(request.uri.path): \(error)")
                response = ViewerServer.textResponse(status: .internalServerError, text: "server error\n")
            }
        }
        for field in Self.headers where response.headers[field.name] == nil { response.headers.append(field) }
        return response
    }
}

/// `hatnet serve`: the index page, the viewer pages and Deep Zoom tiles of the catalog's slides.
///
/// Routes (nothing else is served; no directory listing):
///
///     /                                           index of the slides
///     /view/<id>                                  viewer page
///     /data/<id>.json                             prediction, layers and word/bag rectangles of a slide
///     /slides/<id>.dzi                            Deep Zoom descriptor (JPEG tiles, 254 px, overlap 1)
///     /slides/<id>_files/<level>/<col>_<row>.jpeg slide tile
///     /overlays/<id>/<layer>.dzi                  overlay descriptor (PNG tiles with alpha)
///     /overlays/<id>/<layer>_files/<level>/<col>_<row>.png
///     /static/openseadragon.js, /static/images/<name>.png    OpenSeadragon (from Debian)
///     /assets/viewer.js, /assets/viewer.css       the viewer's own script and style
///
/// Ids and names from the request are only ever looked up in the catalog, so no request can name a
/// file; numbers must be plain decimal digits inside the pyramid, else 400/404.
public struct ViewerServer: Sendable {
    public let catalog: SlideCatalog
    public let options: ServeOptions
    public let cache: TileCache
    let openSeadragon: OpenSeadragonFiles

    public init(catalog: SlideCatalog, options: ServeOptions) throws {
        try options.validate()
        self.catalog = catalog
        self.options = options
        cache = TileCache(capacityBytes: options.cacheBytes)
        openSeadragon = try OpenSeadragonFiles(directory: options.openSeadragonDirectory)
    }

    /// Runs until SIGINT or SIGTERM; `onRunning(port)` is called once the socket is bound.
    public func run(onRunning: @escaping @Sendable (Int) -> Void) async throws {
        let app = Application(router: router(), configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
                              onServerRunning: { channel in onRunning(channel.localAddress?.port ?? options.port) })
        try await app.runService()
    }

    func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.middlewares.add(SecurityMiddleware())
        router.get("/") { _, _ in Self.htmlResponse(ViewerPages.index(catalog)) }
        router.get("/view/:id") { _, context in
            Self.htmlResponse(ViewerPages.viewer(try lookup(context.parameters.get("id"))))
        }
        router.get("/data/:name") { _, context in
            let slide = try lookup(try Self.strip(context.parameters.get("name"), suffix: ".json"))
            return Self.dataResponse(ViewerPages.slideData(slide), contentType: "application/json")
        }
        router.get("/slides/:name") { _, context in
            let slide = try lookup(try Self.strip(context.parameters.get("name"), suffix: ".dzi"))
            return Self.dataResponse(Data(slide.geometry.descriptor(format: "jpeg").utf8), contentType: "application/xml")
        }
        router.get("/slides/:name/:level/:tile") { _, context in
            let slide = try lookup(try Self.strip(context.parameters.get("name"), suffix: "_files"))
            let (level, column, row) = try Self.tileAddress(slide, context: context, format: "jpeg")
            let key = TileCache.Key(slide: slide.id, layer: "slide", level: level, column: column, row: row)
            let quality = Int32(options.jpegQuality)
            let data = try cache.value(for: key) {
                try JPEGImage.encode(try TileRenderer.slideTile(slide, level: level, column: column, row: row), quality: quality)
            }
            return Self.dataResponse(data, contentType: "image/jpeg", cacheable: true)
        }
        router.get("/overlays/:id/:name") { _, context in
            let slide = try lookup(context.parameters.get("id"))
            _ = try Self.layer(slide, name: try Self.strip(context.parameters.get("name"), suffix: ".dzi"))
            return Self.dataResponse(Data(slide.geometry.descriptor(format: "png").utf8), contentType: "application/xml")
        }
        router.get("/overlays/:id/:name/:level/:tile") { _, context in
            let slide = try lookup(context.parameters.get("id"))
            let layer = try Self.layer(slide, name: try Self.strip(context.parameters.get("name"), suffix: "_files"))
            let (level, column, row) = try Self.tileAddress(slide, context: context, format: "png")
            let key = TileCache.Key(slide: slide.id, layer: layer.rawValue, level: level, column: column, row: row)
            let data = try cache.value(for: key) {
                let tile = TileRenderer.overlayTile(slide, layer: layer, level: level, column: column, row: row)
                return try PNGImage.encodeRGBA(tile.rgba, width: tile.width, height: tile.height)
            }
            return Self.dataResponse(data, contentType: "image/png", cacheable: true)
        }
        router.get("/static/openseadragon.js") { _, _ in
            Self.dataResponse(openSeadragon.script, contentType: "text/javascript; charset=utf-8", cacheable: true)
        }
        router.get("/static/images/:name") { _, context in
            guard let name = context.parameters.get("name"), let image = openSeadragon.images[name] else { throw ViewerRequestError.notFound() }
            return Self.dataResponse(image, contentType: "image/png", cacheable: true)
        }
        router.get("/assets/viewer.js") { _, _ in
            Self.dataResponse(Data(ViewerAssets.script.utf8), contentType: "text/javascript; charset=utf-8")
        }
        router.get("/assets/viewer.css") { _, _ in
            Self.dataResponse(Data(ViewerAssets.style.utf8), contentType: "text/css; charset=utf-8")
        }
        return router
    }

    private func lookup(_ id: String?) throws -> CatalogSlide {
        guard let id, let slide = catalog.slide(id: id) else { throw ViewerRequestError.notFound("no such slide") }
        return slide
    }

    static func layer(_ slide: CatalogSlide, name: String) throws -> OverlayLayer {
        guard let layer = OverlayLayer(rawValue: name), slide.layers.contains(layer) else {
            throw ViewerRequestError.notFound("no such overlay layer")
        }
        return layer
    }

    static func strip(_ value: String?, suffix: String) throws -> String {
        guard let value, value.hasSuffix(suffix), value.count > suffix.count else { throw ViewerRequestError.notFound() }
        return String(value.dropLast(suffix.count))
    }

    /// A non-negative decimal of at most 9 digits (no sign, no spaces, no leading `+`).
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(text)
    }

    /// Level, column and row of a tile request, checked against the slide's pyramid.
    static func tileAddress(_ slide: CatalogSlide, context: BasicRequestContext, format: String) throws -> (Int, Int, Int) {
        guard let levelText = context.parameters.get("level"), let tile = context.parameters.get("tile") else {
            throw ViewerRequestError.notFound()
        }
        guard let level = number(Substring(levelText)) else { throw ViewerRequestError.badRequest("level must be a decimal number") }
        let name = try strip(tile, suffix: "." + format)
        let parts = name.split(separator: "_", omittingEmptySubsequences: false)
        guard parts.count == 2, let column = number(parts[0]), let row = number(parts[1]) else {
            throw ViewerRequestError.badRequest("tile must be <column>_<row>.\(format)")
        }
        guard slide.geometry.contains(level: level, column: column, row: row) else {
            throw ViewerRequestError.notFound("no tile \(level)/\(column)_\(row) in this pyramid")
        }
        return (level, column, row)
    }

    static func textResponse(status: HTTPResponse.Status, text: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func htmlResponse(_ html: String) -> Response {
        dataResponse(Data(html.utf8), contentType: "text/html; charset=utf-8")
    }

    static func dataResponse(_ data: Data, contentType: String, cacheable: Bool = false) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        headers[.cacheControl] = cacheable ? "private, max-age=3600" : "no-cache"
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
