import SIPProxy
import Testing

/// Every path of every figure, end to end, on both kinds of transport, with the
/// harness acting as owner: states are visited in RFC order and nothing is left
/// scheduled once the machine terminates.
@Suite("Transaction lifecycles on reliable and unreliable transports")
struct TransactionLifecycleTests {
    private func walk<M: DrivableTransaction>(
        _ h: TransactionHarness<M>, _ steps: [(M.Event?, Duration)]
    ) -> [TransactionState] {
        var states = [h.state]
        for (event, wait) in steps {
            if let event { h.send(event) }
            if states.last != h.state { states.append(h.state) }
            h.advance(by: wait)
            if states.last != h.state { states.append(h.state) }
        }
        return states
    }

    @Test(arguments: [false, true])
    func inviteClientCallingProceedingCompletedTerminated(reliable: Bool) {
        let h = TransactionHarness(InviteClientTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [(.start, .seconds(1)), (.response(status: 180), .seconds(1)), (.response(status: 486), .seconds(40))])
        let expected: [TransactionState] = reliable
            ? [.calling, .proceeding, .terminated]
            : [.calling, .proceeding, .completed, .terminated]
        #expect(states == expected)
        #expect(h.state == .terminated)
        #expect(h.times(of: .sendAck) == [secs(2)])
        #expect(h.times(of: .terminated) == [reliable ? secs(2) : secs(34)])
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }

    @Test(arguments: [false, true])
    func inviteClientCallingProceedingAcceptedTerminated(reliable: Bool) {
        let h = TransactionHarness(InviteClientTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [(.start, .seconds(1)), (.response(status: 183), .seconds(1)), (.response(status: 200), .seconds(40))])
        #expect(states == [.calling, .proceeding, .accepted, .terminated])
        #expect(h.times(of: .terminated) == [secs(34)])
        #expect(h.times(of: .sendAck).isEmpty)
        #expect(h.times(of: .sendRequest).count == (reliable ? 1 : 2))
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }

    @Test(arguments: [false, true])
    func nonInviteClientTryingProceedingCompletedTerminated(reliable: Bool) {
        let h = TransactionHarness(NonInviteClientTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [(.start, .seconds(1)), (.response(status: 100), .seconds(6)), (.response(status: 200), .seconds(10))])
        let expected: [TransactionState] = reliable
            ? [.trying, .proceeding, .terminated]
            : [.trying, .proceeding, .completed, .terminated]
        #expect(states == expected)
        // Unreliable: 0, 0.5, then E fires at 1.5 (in Proceeding) and every T2 after: 5.5.
        #expect(h.times(of: .sendRequest) == (reliable ? [.zero] : [0, 0.5, 1.5, 5.5].map(secs)))
        #expect(h.times(of: .terminated) == [reliable ? secs(7) : secs(12)])
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }

    @Test(arguments: [false, true])
    func inviteServerProceedingCompletedConfirmedTerminated(reliable: Bool) {
        let h = TransactionHarness(InviteServerTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [(.start, .seconds(1)), (.tuResponse(status: 404), .seconds(1)), (.ack, .seconds(10))])
        let expected: [TransactionState] = reliable
            ? [.proceeding, .completed, .terminated]
            : [.proceeding, .completed, .confirmed, .terminated]
        #expect(states == expected)
        #expect(h.times(of: .send100Trying) == [.milliseconds(200)])
        #expect(h.times(of: .resendLastResponse) == (reliable ? [] : [secs(1.5)]))
        #expect(h.times(of: .terminated) == [reliable ? secs(2) : secs(7)])
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }

    @Test(arguments: [false, true])
    func inviteServerProceedingAcceptedTerminated(reliable: Bool) {
        let h = TransactionHarness(InviteServerTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [
            (.start, .milliseconds(100)), (.tuResponse(status: 180), .seconds(1)),
            (.tuResponse(status: 200), .seconds(1)), (.ack, .seconds(40)),
        ])
        #expect(states == [.proceeding, .accepted, .terminated])
        #expect(h.times(of: .send100Trying).isEmpty)
        #expect(h.times(of: .passAckToTU) == [secs(2.1)])
        #expect(h.times(of: .terminated) == [secs(33.1)])
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }

    @Test(arguments: [false, true])
    func nonInviteServerTryingProceedingCompletedTerminated(reliable: Bool) {
        let h = TransactionHarness(NonInviteServerTransaction(reliable: reliable, timers: TransactionTimers()))
        let states = walk(h, [
            (.start, .seconds(1)), (.tuResponse(status: 100), .seconds(1)),
            (.tuResponse(status: 200), .seconds(40)),
        ])
        let expected: [TransactionState] = reliable
            ? [.trying, .proceeding, .terminated]
            : [.trying, .proceeding, .completed, .terminated]
        #expect(states == expected)
        #expect(h.times(of: .terminated) == [reliable ? secs(2) : secs(34)])
        #expect(h.scheduledTimers.isEmpty && h.clock.pendingCount == 0)
    }
}
