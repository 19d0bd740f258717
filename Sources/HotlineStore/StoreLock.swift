import Foundation
import HotlineCore

/// One hotline at a time per store: an exclusive lock on `<store>.lock`, which holds the pid of the
/// process that has it. A second process is refused at once, told who holds it.
///
/// The lock lasts as long as this value; the kernel drops it when the process ends, however it ends.
public final class StoreLock {
    private let fd: Int32
    public let path: String

    public init(store: String) throws {
        path = Self.path(of: store)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw HotlineError.file(
                path: path, problem: "cannot open the lock file: \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            var bytes = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &bytes, 32, 0)
            close(fd)
            let holder = n > 0 ? Int32(String(decoding: bytes[..<n], as: UTF8.self).trimmed) : nil
            throw HotlineError.store(path: store, .locked(holder: holder))
        }
        self.fd = fd
        ftruncate(fd, 0)
        let pid = Array("\(getpid())\n".utf8)
        _ = pwrite(fd, pid, pid.count, 0)
    }

    /// The lock file of `store`.
    static func path(of store: String) -> String { store + ".lock" }

    /// The pid of the live process that holds `store`'s lock, else nil; reads the lock file and
    /// takes no lock, so a job starting meanwhile is never refused because of this look.
    public static func holder(of store: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path(of: store), encoding: .utf8),
            let pid = Int32(text.trimmed), pid > 0
        else { return nil }
        // The kernel drops the lock when its holder dies, but the pid stays in the file.
        return kill(pid, 0) == 0 || errno == EPERM ? pid : nil
    }

    deinit {
        ftruncate(fd, 0)
        flock(fd, LOCK_UN)
        close(fd)
    }
}
