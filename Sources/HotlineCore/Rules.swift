/// The handling loop's shared rules (docs/domain.md, "The closed loop"), each defined here once and
/// used by every stage and page that needs it.
public enum Rules {
    /// An order is closed when its status is 已办结.
    public static func isClosed(_ status: String?) -> Bool { status == OrderStatus.closed.rawValue }

    /// A callback that does not close the loop: 基本满意 or 不满意. Such a closed order goes to
    /// supervision (督办), and handled again while still not satisfied, to the escalation list.
    public static func isNotSatisfied(_ satisfaction: String?) -> Bool {
        notSatisfied.contains { $0.rawValue == satisfaction }
    }

    /// The callbacks `isNotSatisfied` accepts.
    public static let notSatisfied: [Satisfaction] = [.basic, .unsatisfied]

    /// A callback that rejects the outcome: 不满意 only. A 基本满意 citizen accepts it with
    /// reservations, so it is not evidence that a problem stays unsolved; the detect stage's stuck
    /// signal and a candidate's "不满意或重新办理" count use this, not `isNotSatisfied`.
    public static func isDissatisfied(_ satisfaction: String?) -> Bool {
        satisfaction == Satisfaction.unsatisfied.rawValue
    }

    /// A closed order whose callback was not satisfied (see `isNotSatisfied`).
    public static func isNotSatisfiedClose(status: String?, satisfaction: String?) -> Bool {
        isClosed(status) && isNotSatisfied(satisfaction)
    }

    /// Whether a later version of an order reopens an earlier one: the earlier was closed, and the
    /// later is open again, or closed again at another time (handled a second time).
    public static func isReopening(from earlier: OrderState, to later: OrderState) -> Bool {
        guard isClosed(earlier.status) else { return false }
        return !isClosed(later.status) || later.closedAt != earlier.closedAt
    }
}

extension Rules {
    /// How far an order has got: closed beyond open, a later close beyond an earlier one, a callback
    /// beyond none. Two versions from one export are ordered by this, never by their rows' order.
    public static func progress(_ state: OrderState) -> (Int, String, Int) {
        (isClosed(state.status) ? 1 : 0, state.closedAt ?? "", state.satisfaction == nil ? 0 : 1)
    }

    /// Whether a version of an order should replace the stored one from the same export: the
    /// further one does, never the later row, and of two equally far ones the content decides
    /// (`fingerprint`), so the same file read twice, in any row order, ends the same. (A version
    /// from a later export always replaces one from an earlier export: see the ingest stage.)
    public static func supersedes(
        _ incoming: OrderState, fingerprint: String, stored: OrderState, storedFingerprint: String
    ) -> Bool {
        let a = progress(incoming)
        let b = progress(stored)
        if a != b { return a > b }
        return fingerprint > storedFingerprint
    }
}

/// The part of an order's state the handling rules look at.
public struct OrderState: Sendable, Equatable {
    public var status: String?
    public var satisfaction: String?
    public var closedAt: String?

    public init(status: String?, satisfaction: String?, closedAt: String?) {
        self.status = status
        self.satisfaction = satisfaction
        self.closedAt = closedAt
    }
}
