import Foundation

/// A blocking first-in first-out hand-over between two Dispatch work items, holding at
/// most `capacity` elements, so a fast producer waits for a slow consumer and memory
/// stays flat however large the input.
///
/// The producer calls `send` for each batch and `finish` once; the consumer calls
/// `receive` until it returns nil. `cancel` wakes both sides and drops what is queued.
public final class BoundedQueue<Element: Sendable>: @unchecked Sendable {
    private let condition = NSCondition()
    /// Received elements are set to nil at once, so the queue holds no more than `capacity`.
    private var items: [Element?] = []
    private var head = 0
    private var finished = false
    private var cancelled = false
    public let capacity: Int

    public init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
    }

    /// Blocks while the queue is full. Returns false when the consumer cancelled.
    @discardableResult
    public func send(_ element: Element) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while items.count - head >= capacity && !cancelled { condition.wait() }
        if cancelled { return false }
        items.append(element)
        condition.broadcast()
        return true
    }

    /// No more elements will come.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// Stops both sides: pending and future `send`s return false, `receive` returns nil.
    public func cancel() {
        condition.lock()
        cancelled = true
        items.removeAll()
        head = 0
        condition.broadcast()
        condition.unlock()
    }

    /// Blocks until an element is there; nil once finished and drained, or cancelled.
    public func receive() -> Element? {
        condition.lock()
        defer { condition.unlock() }
        while items.count == head && !finished && !cancelled { condition.wait() }
        if cancelled || items.count == head { return nil }
        let element = items[head]!
        items[head] = nil
        head += 1
        if head > 64 && head * 2 > items.count {
            items.removeFirst(head)
            head = 0
        }
        condition.broadcast()
        return element
    }
}

/// Runs `body` on a global Dispatch queue and lets the caller wait for its result.
public final class Background<Result: Sendable>: @unchecked Sendable {
    private let group = DispatchGroup()
    private var result: Swift.Result<Result, any Error>?

    public init(label: String, _ body: @escaping @Sendable () throws -> Result) {
        group.enter()
        DispatchQueue(label: "hotline.\(label)").async {
            let r = Swift.Result { try body() }
            self.result = r
            self.group.leave()
        }
    }

    /// Waits for the work item and returns its value or rethrows its error.
    public func value() throws -> Result {
        group.wait()
        return try result!.get()
    }
}

/// A three-step pipeline: a producer and `workers` transformers on their own Dispatch queues, and
/// the calling thread consuming in the order the batches were produced, joined by bounded queues
/// of `depth` batches each.
public enum Pipeline {
    /// How many transformers run by default: one per core but one (the producer and the consumer
    /// share the rest), at least one.
    public static let defaultWorkers = max(ProcessInfo.processInfo.activeProcessorCount - 1, 1)

    /// Runs until the producer is done and everything is consumed.
    ///
    /// `produce` gets a `send` that blocks while the queue is full and returns false once the run
    /// is cancelled (it should then return). `makeTransform` is called once on each transformer's
    /// thread, so a transform may hold state no other thread sees (a decoder, say). Results are
    /// consumed in the order their batches were sent, whichever transformer finished first. An
    /// error from `consume` cancels every side, waits for them, and is rethrown; an error from
    /// `produce` is rethrown after what it sent has been consumed.
    public static func run<Batch: Sendable, Result: Sendable>(
        label: String,
        depth: Int,
        workers: Int = defaultWorkers,
        produce: @escaping @Sendable (_ send: (Batch) -> Bool) throws -> Void,
        transform makeTransform: @escaping @Sendable () -> (Batch) -> Result,
        consume: (Result) throws -> Void
    ) throws {
        let inbox = BoundedQueue<(Int, Batch)>(capacity: depth)
        let outbox = BoundedQueue<(Int, Result)>(capacity: depth)
        let producer = Background(label: "\(label).produce") {
            defer { inbox.finish() }
            var n = 0
            try produce { batch in
                defer { n += 1 }
                return inbox.send((n, batch))
            }
        }
        let remaining = Countdown(max(workers, 1)) { outbox.finish() }
        let transformers = (0..<max(workers, 1)).map { i in
            Background(label: "\(label).transform\(i)") {
                defer { remaining.done() }
                let transform = makeTransform()
                while let (n, batch) = inbox.receive() {
                    guard outbox.send((n, transform(batch))) else {
                        inbox.cancel()
                        return
                    }
                }
            }
        }
        do {
            // Results that arrived before their turn wait here: at most the batches in flight.
            var waiting: [Int: Result] = [:]
            var next = 0
            while let (n, result) = outbox.receive() {
                waiting[n] = result
                while let ready = waiting.removeValue(forKey: next) {
                    try consume(ready)
                    next += 1
                }
            }
        } catch {
            inbox.cancel()
            outbox.cancel()
            _ = try? producer.value()
            for t in transformers { _ = try? t.value() }
            throw error
        }
        try producer.value()
        for t in transformers { try t.value() }
    }
}

/// Calls `body` once `count` calls of `done` have been made, from any threads.
final class Countdown: @unchecked Sendable {
    private let lock = NSLock()
    private var count: Int
    private let body: @Sendable () -> Void

    init(_ count: Int, _ body: @escaping @Sendable () -> Void) {
        self.count = count
        self.body = body
    }

    func done() {
        lock.lock()
        count -= 1
        let last = count == 0
        lock.unlock()
        if last { body() }
    }
}

/// Hands a value that is not `Sendable` to the one other thread that uses it from then on.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
