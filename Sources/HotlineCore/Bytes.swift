import Foundation

/// A string compared and hashed by its UTF-8 bytes, as SQLite compares text: a dictionary key for
/// hot loops, where `String`'s own hashing, which normalizes Unicode first, is slow on Chinese text.
public struct Bytes: Hashable, Sendable {
    public let string: String

    public init(_ string: String) { self.string = string }

    public static func == (a: Bytes, b: Bytes) -> Bool {
        var (x, y) = (a.string, b.string)
        return x.withUTF8 { p in
            y.withUTF8 { q in p.count == q.count && (p.isEmpty || memcmp(p.baseAddress!, q.baseAddress!, p.count) == 0)
            }
        }
    }

    public func hash(into hasher: inout Hasher) {
        var s = string
        s.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
