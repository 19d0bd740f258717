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

/// A three-step pipeline: a producer and a transformer on their own Dispatch queues, and the
/// calling thread consuming, joined by bounded queues of `depth` batches each.
public enum Pipeline {
    /// Runs until the producer is done and everything is consumed.
    ///
    /// `produce` gets a `send` that blocks while the queue is full and returns false once the run
    /// is cancelled (it should then return). `makeTransform` is called once, on the transformer's
    /// thread, so the transform may hold state no other thread sees (a decoder, say). An error from
    /// `consume` cancels both sides, waits for them, and is rethrown; an error from `produce` is
    /// rethrown after what it sent has been consumed.
    public static func run<Batch: Sendable, Result: Sendable>(
        label: String,
        depth: Int,
        produce: @escaping @Sendable (_ send: (Batch) -> Bool) throws -> Void,
        transform makeTransform: @escaping @Sendable () -> (Batch) -> Result,
        consume: (Result) throws -> Void
    ) throws {
        let inbox = BoundedQueue<Batch>(capacity: depth)
        let outbox = BoundedQueue<Result>(capacity: depth)
        let producer = Background(label: "\(label).produce") {
            defer { inbox.finish() }
            try produce { inbox.send($0) }
        }
        let transformer = Background(label: "\(label).transform") {
            defer { outbox.finish() }
            let transform = makeTransform()
            while let batch = inbox.receive() {
                guard outbox.send(transform(batch)) else {
                    inbox.cancel()
                    return
                }
            }
        }
        do {
            while let result = outbox.receive() { try consume(result) }
        } catch {
            inbox.cancel()
            outbox.cancel()
            _ = try? producer.value()
            _ = try? transformer.value()
            throw error
        }
        try producer.value()
        try transformer.value()
    }
}

/// Hands a value that is not `Sendable` to the one other thread that uses it from then on.
public struct UncheckedSendable<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
