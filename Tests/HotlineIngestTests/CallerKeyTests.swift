import Foundation
import HotlineCore
import HotlineStore
import TestSupport
import Testing

@testable import HotlineIngest

/// The caller key lives outside the store.
@Suite struct CallerKeyTests {
    let dir = TemporaryDirectory()

    func store(_ name: String = "s.sqlite") throws -> Store {
        try Store(path: dir.file(name), stages: [IngestStage.self])
    }

    @Test func madeOnFirstUseReadableByItsOwnerOnlyAndKept() throws {
        let s = try store()
        let path = dir.file("keys/hotline.key")
        let a = try CallerKey.load(path: path, for: s)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let b = try CallerKey.load(path: path, for: s)
        #expect(a.callerKey(phone: "13955030003") == b.callerKey(phone: "13955030003"))
        #expect(a.callerKey(phone: "13955030003").count == 32)
        // Nothing in the store gives the key back.
        let secret = try String(contentsOfFile: path, encoding: .utf8).trimmed
        #expect(try s.db.scalar("SELECT count(*) FROM meta WHERE value LIKE ?", ["%\(secret.prefix(16))%"]) == 0)
    }

    @Test func anotherKeyIsRefused() throws {
        let s = try store()
        _ = try CallerKey.load(path: dir.file("a.key"), for: s)
        #expect {
            try CallerKey.load(path: dir.file("b.key"), for: s)
        } throws: { error in
            guard case HotlineError.store(_, .wrongKey(let file, _)) = error else { return false }
            return file == dir.file("b.key")
        }
    }

    @Test func anOldStoresSaltMovesIntoTheKeyFileSoCallersKeepTheirKeys() throws {
        let s = try store()
        let salt = String(repeating: "ab", count: 32)
        try s.setMeta("salt", salt)
        let key = try CallerKey.load(path: dir.file("moved.key"), for: s)
        #expect(try s.meta("salt") == nil)
        #expect(try String(contentsOfFile: dir.file("moved.key"), encoding: .utf8).trimmed == salt)
        // The formula the old builds used: SHA-256 of salt and number.
        #expect(key.callerKey(phone: "13955030003") == String(SHA256.hex(salt + "13955030003").prefix(32)))
    }

    @Test func aFileThatIsNoKeyIsAnError() throws {
        let bad = dir.write("bad.key", "not a key\n")
        #expect {
            try CallerKey.load(path: bad, for: store())
        } throws: { error in
            guard case HotlineError.file(let path, _) = error else { return false }
            return path == bad
        }
    }
}
