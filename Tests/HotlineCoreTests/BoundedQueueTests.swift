import Foundation
import HotlineCore
import Testing

@Suite struct BoundedQueueTests {
    @Test func deliversEverythingInOrderAndNeverHoldsMoreThanItsCapacity() throws {
        let queue = BoundedQueue<Int>(capacity: 3)
        let producer = Background(label: "test.produce") {
            for i in 0..<2_000 { queue.send(i) }
            queue.finish()
        }
        var received: [Int] = []
        while let x = queue.receive() {
            received.append(x)
        }
        try producer.value()
        #expect(received == Array(0..<2_000))
    }

    /// A batch received is the consumer's alone: the queue keeps no reference to it, so a slow
    /// consumer of large batches holds at most `capacity` of them.
    @Test func keepsNothingItHandedOver() {
        final class Batch: Sendable {}
        let queue = BoundedQueue<Batch>(capacity: 2)
        weak var first: Batch?
        do {
            let batch = Batch()
            first = batch
            queue.send(batch)
            queue.send(Batch())
        }
        _ = queue.receive()
        #expect(first == nil)
    }

    @Test func producerWaitsWhenFull() throws {
        let queue = BoundedQueue<Int>(capacity: 2)
        let sent = NSLock()
        nonisolated(unsafe) var count = 0
        let producer = Background(label: "test.full") {
            for i in 0..<5 {
                queue.send(i)
                sent.lock()
                count += 1
                sent.unlock()
            }
            queue.finish()
        }
        func current() -> Int {
            sent.lock()
            defer { sent.unlock() }
            return count
        }
        // Wait for the producer to fill the queue, give it time to overrun, and check it did not.
        for _ in 0..<1_000 where current() < 2 { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.1)
        #expect(current() == 2)
        var all: [Int] = []
        while let x = queue.receive() { all.append(x) }
        try producer.value()
        #expect(all == [0, 1, 2, 3, 4])
    }

    @Test func cancelReleasesABlockedProducer() throws {
        let queue = BoundedQueue<Int>(capacity: 1)
        let producer = Background(label: "test.cancel") { () -> Bool in
            queue.send(1)
            return queue.send(2)
        }
        Thread.sleep(forTimeInterval: 0.05)
        queue.cancel()
        #expect(try producer.value() == false)
        #expect(queue.receive() == nil)
    }

    struct Boom: Error {}

    @Test func pipelineConsumesWhatWasSentThenRethrowsTheProducersError() {
        var consumed: [String] = []
        #expect(throws: Boom.self) {
            try Pipeline.run(
                label: "test.produce-error", depth: 1,
                produce: { send in
                    _ = send(1)
                    _ = send(2)
                    throw Boom()
                },
                transform: { { "#\($0)" } },
                consume: { consumed.append($0) })
        }
        #expect(consumed == ["#1", "#2"])
    }

    @Test func pipelineStopsTheProducerWhenTheConsumerFails() {
        let sent = NSLock()
        nonisolated(unsafe) var count = 0
        #expect(throws: Boom.self) {
            try Pipeline.run(
                label: "test.consume-error", depth: 2,
                produce: { send in
                    for i in 0..<1_000_000 {
                        guard send(i) else { return }
                        sent.lock()
                        count += 1
                        sent.unlock()
                    }
                },
                transform: { { $0 } },
                consume: { if $0 == 3 { throw Boom() } })
        }
        sent.lock()
        defer { sent.unlock() }
        #expect(count < 100)
    }
}
