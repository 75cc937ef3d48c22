import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A minimal blocking HTTP/1.1 client over one TCP connection to a local port, for `hatnet bench
/// serve` and the viewer's tests: it sends request targets exactly as given (no normalisation of
/// `..` or percent-escapes, unlike URL-based clients), keeps the connection alive between requests
/// and reads `Content-Length` or chunked bodies.
public final class LoopbackHTTPClient {
    public struct Response: Sendable {
        public let status: Int
        /// Header names lower-cased.
        public let headers: [String: String]
        public let body: Data
    }

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
        public init(description: String) { self.description = description }
    }

    private var socketDescriptor: Int32 = -1
    private var buffer = Data()
    public let host: String
    public let port: Int
    public var timeoutSeconds: Int = 60

    public init(host: String = "127.0.0.1", port: Int) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    public func close() {
        if socketDescriptor >= 0 { _ = Glibc.close(socketDescriptor) }
        socketDescriptor = -1
        buffer.removeAll()
    }

    private func connect() throws {
        close()
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else {
            _ = Glibc.close(descriptor)
            throw Failure(description: "not an IPv4 address: \(host)")
        }
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else {
            _ = Glibc.close(descriptor)
            throw Failure(description: "connect to \(host):\(port): \(String(cString: strerror(errno)))")
        }
        socketDescriptor = descriptor
    }

    /// GET `target` (sent verbatim); reconnects once when a kept-alive connection was closed.
    public func get(_ target: String) throws -> Response {
        try send(Data("GET \(target) HTTP/1.1\r\nHost: \(host):\(port)\r\n\r\n".utf8), retry: true)
    }

    /// Sends raw request bytes on a fresh connection and reads one response (or fails when the
    /// server closes the connection without one).
    public func sendRaw(_ request: Data) throws -> Response {
        try connect()
        return try send(request, retry: false)
    }

    private func send(_ request: Data, retry: Bool) throws -> Response {
        if socketDescriptor < 0 { try connect() }
        do {
            try write(request)
            return try readResponse()
        } catch let failure as Failure where retry {
            _ = failure
            try connect()
            try write(request)
            return try readResponse()
        }
    }

    private func write(_ data: Data) throws {
        var offset = 0
        while offset < data.count {
            let written = data.withUnsafeBytes { raw in
                Glibc.send(socketDescriptor, raw.baseAddress! + offset, data.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard written > 0 else { throw Failure(description: "send: \(String(cString: strerror(errno)))") }
            offset += written
        }
    }

    /// Reads more bytes into the buffer; false at end of stream.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(socketDescriptor, $0.baseAddress, $0.count, 0) }
        if count < 0 { throw Failure(description: "recv: \(String(cString: strerror(errno)))") }
        if count == 0 { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func readLine() throws -> String {
        while true {
            if let end = buffer.firstRange(of: Data("\r\n".utf8)) {
                let line = String(decoding: buffer[buffer.startIndex..<end.lowerBound], as: UTF8.self)
                buffer.removeSubrange(buffer.startIndex..<end.upperBound)
                return line
            }
            guard try fill() else { throw Failure(description: "connection closed before a complete response") }
        }
    }

    private func readBytes(_ count: Int) throws -> Data {
        while buffer.count < count {
            guard try fill() else { throw Failure(description: "connection closed inside a response body") }
        }
        let bytes = Data(buffer.prefix(count))
        buffer.removeFirst(count)
        return bytes
    }

    private func readResponse() throws -> Response {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw Failure(description: "not an HTTP status line: \(statusLine)")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased(), value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            headers[name] = headers[name].map { "\($0), \(value)" } ?? value
        }
        var body = Data()
        if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try readBytes(length)
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw Failure(description: "bad chunk size line: \(sizeLine)")
                }
                if size == 0 { _ = try readLine(); break }
                body.append(try readBytes(size))
                _ = try readLine()
            }
        } else if status >= 200 && status != 204 && status != 304 {
            while try fill() {}
            body = buffer
            buffer.removeAll()
        }
        if headers["connection"]?.lowercased() == "close" { close() }
        return Response(status: status, headers: headers, body: body)
    }
}
