import HotlineCore
import Testing

@Suite struct BytesTests {
    @Test func bytesCompareAsSQLiteDoes() {
        // "é" precomposed and decomposed: equal to Swift's String, two values to SQLite.
        let composed = "caf\u{E9}"
        let decomposed = "cafe\u{301}"
        #expect(composed == decomposed)
        #expect(Bytes(composed) != Bytes(decomposed))
        #expect(Bytes(composed) == Bytes("café"))
        #expect(Set([Bytes(composed), Bytes(decomposed), Bytes("caf\u{E9}")]).count == 2)
    }
}
