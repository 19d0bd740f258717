import HotlineCore
import Testing

/// The shared handling rules, each defined once in `Rules`.
@Suite struct RulesTests {
    @Test func closedAndUnsatisfied() {
        #expect(Rules.isClosed("已办结"))
        #expect(!Rules.isClosed("办理中"))
        #expect(!Rules.isClosed(nil))
        #expect(Rules.isNotSatisfied("不满意"))
        #expect(Rules.isNotSatisfied("基本满意"))
        #expect(!Rules.isNotSatisfied("满意"))
        #expect(!Rules.isNotSatisfied("未回访"))
        #expect(!Rules.isNotSatisfied(nil))
        #expect(Rules.isDissatisfied("不满意"))
        #expect(!Rules.isDissatisfied("基本满意"))
        #expect(Rules.isNotSatisfiedClose(status: "已办结", satisfaction: "基本满意"))
        #expect(!Rules.isNotSatisfiedClose(status: "办理中", satisfaction: "不满意"))
    }

    @Test(
        arguments: [
            // earlier status, earlier close, later status, later close, reopened?
            ("已办结", "2021-03-01 10:00:00", "办理中", nil, true),
            ("已办结", "2021-03-01 10:00:00", "已办结", "2021-03-09 10:00:00", true),
            ("已办结", "2021-03-01 10:00:00", "已办结", "2021-03-01 10:00:00", false),
            ("办理中", nil, "已办结", "2021-03-01 10:00:00", false),
            ("办理中", nil, "办理中", nil, false),
        ] as [(String, String?, String, String?, Bool)])
    func reopening(earlier: String, earlierClose: String?, later: String, laterClose: String?, reopened: Bool) {
        let a = OrderState(status: earlier, satisfaction: "不满意", closedAt: earlierClose)
        let b = OrderState(status: later, satisfaction: nil, closedAt: laterClose)
        #expect(Rules.isReopening(from: a, to: b) == reopened)
    }

    @Test func valuesNormalizeToTheCodes() {
        #expect(Values.status("已完成") == OrderStatus.closed.rawValue)
        #expect(Values.status("Closed") == "Closed")
        #expect(Values.satisfaction("比较满意") == Satisfaction.basic.rawValue)
        #expect(Values.kind("投诉类") == OrderKind.complaint.rawValue)
    }

    @Test func everyCodeHasOneLabel() {
        func distinct<C: StoredCode>(_ type: C.Type) -> Bool {
            Set(C.allCases.map(\.label)).count == C.allCases.count
                && Set(C.allCases.map(\.rawValue)).count == C.allCases.count
        }
        #expect(distinct(OrderStatus.self) && distinct(Satisfaction.self) && distinct(OrderKind.self))
        #expect(OrderStatus(stored: "已办结") == .closed)
        #expect(OrderStatus(stored: "x") == nil)
        #expect(Satisfaction.label(of: "something else") == "something else")
    }
}
