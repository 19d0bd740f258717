import Foundation
import HotlineCore
import HotlineStore

/// The secret that turns a phone number (or a web account) into a caller key, kept in a file of its
/// own outside the store, so the store alone cannot give a number back.
///
/// The file is made on first use with mode 0600: 64 hex digits. Its path is `$HOTLINE_KEY_FILE`,
/// else `[pipeline] key_file`, else `hotline.key` beside the pipeline file. The store keeps only a
/// check of the key (a hash of it, which tells nothing of a number): a night run with another key
/// would split every caller in two, so it is refused.
///
/// A store made before keys had a file of their own kept its secret (`meta.salt`) inside; the first
/// ingest moves it into the key file (when there is none yet) and deletes it from the store, so
/// callers keep their keys.
public struct CallerKey: Sendable {
    public static let setting = Setting(
        "pipeline", "key_file", .path, default: "hotline.key",
        "The secret that keys callers' phone numbers, kept outside the store; made with mode 0600 on first run. $HOTLINE_KEY_FILE overrides it."
    )
    public static let environment = "HOTLINE_KEY_FILE"
    static let checkKey = "caller_key.check"
    static let legacySalt = "salt"

    public let path: String
    let secret: String

    /// Where the key is for this pipeline.
    public static func path(config: PipelineConfig) -> String {
        if let path = ProcessInfo.processInfo.environment[environment], !path.isEmpty { return path }
        return config.path(setting) ?? config.resolve("hotline.key")
    }

    /// The key for `store`, made (or moved from the store) on first use; refused when it is not the
    /// key the store's callers were keyed with.
    public static func load(path: String, for store: Store) throws -> CallerKey {
        let fm = FileManager.default
        let legacy = try store.meta(legacySalt)
        if !fm.fileExists(atPath: path) {
            try create(path: path, secret: legacy ?? randomSecret())
            if legacy != nil { Log.info("ingest: the caller key that was inside the store is now in \(path)") }
        }
        guard let data = fm.contents(atPath: path),
            let secret = String(data: data, encoding: .utf8)?.trimmed, secret.count == 64,
            secret.allSatisfy({ $0.isHexDigit })
        else {
            throw HotlineError.file(path: path, problem: "not a hotline key file (64 hex digits expected)")
        }
        if let mode = (try? fm.attributesOfItem(atPath: path)[.posixPermissions]) as? Int, mode & 0o077 != 0 {
            Log.warning("\(path) can be read by others (mode \(String(mode, radix: 8))); make it chmod 600")
        }
        let key = CallerKey(path: path, secret: secret)
        let check = key.check
        if let stored = try store.meta(checkKey), stored != check {
            throw HotlineError.store(
                path: store.path,
                .wrongKey(
                    file: path,
                    problem: "its callers were keyed with another key; restore the key file this store was made with"))
        }
        if let legacy, legacy != secret {
            Log.warning("the store's old caller key differs from \(path): callers from before keep their old keys")
        }
        try store.setMeta(checkKey, check)
        try store.setMeta(legacySalt, nil)
        return key
    }

    /// A hash of the key that the store keeps to tell the right key from another.
    var check: String { String(SHA256.hex("hotline caller key check:" + secret).prefix(16)) }

    /// The caller key of a phone number (already normalized) or, with `account`, a web account.
    public func callerKey(phone: String) -> String { String(SHA256.hex(secret + phone).prefix(32)) }
    public func callerKey(account: String) -> String { String(SHA256.hex(secret + "account:" + account).prefix(32)) }

    /// A key that exists only in memory, for tests and tools.
    public static func ephemeral(_ secret: String = String(repeating: "0", count: 64)) -> CallerKey {
        CallerKey(path: "(memory)", secret: secret)
    }

    private static func randomSecret() -> String {
        var bytes = [UInt8](repeating: 0, count: 32)
        var generator = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = UInt8.random(in: 0...255, using: &generator) }
        return bytes.hexString
    }

    /// Writes a new key file readable by its owner only, never replacing one: written whole beside
    /// it, then linked into place, so a second hotline making it at the same moment reads a whole key.
    private static func create(path: String, secret: String) throws {
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let temp = path + ".new-\(getpid())"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw HotlineError.file(
                path: path, problem: "cannot create the key file: \(String(cString: strerror(errno)))")
        }
        let bytes = Array((secret + "\n").utf8)
        let written = write(fd, bytes, bytes.count)
        close(fd)
        defer { unlink(temp) }
        guard written == bytes.count else {
            throw HotlineError.file(
                path: path, problem: "cannot write the key file: \(String(cString: strerror(errno)))")
        }
        guard link(temp, path) == 0 || errno == EEXIST else {
            throw HotlineError.file(
                path: path, problem: "cannot create the key file: \(String(cString: strerror(errno)))")
        }
    }
}
