import HotlineCore

/// The five ways a recurring problem shows itself.
public enum Signal: String, Sendable, CaseIterable, Comparable {
    case hotspot, repeatCaller = "repeat", mass, surge, stuck

    /// The signal's name on the page.
    public var label: String {
        switch self {
        case .hotspot: "地点集中"
        case .repeatCaller: "反复来电"
        case .mass: "群体诉求"
        case .surge: "社区激增"
        case .stuck: "久拖未决"
        }
    }

    public static func < (a: Signal, b: Signal) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }
}

/// One signal's finding: a group of orders that bunch up, why, and a key that names it across runs.
struct Hit {
    var signal: Signal
    /// Names the group and the start of its episode, for a candidate id that stays the same nightly.
    var key: String
    /// The finding in words, for the page.
    var detail: String
    var seqs: [Int]
}
