import SIPProxy
import Testing

@Suite("Transaction timer values (RFC 3261 Table 4, RFC 6026 §8)")
struct TransactionTimersTests {
    @Test func defaultsMatchTable4() {
        let t = TransactionTimers()
        #expect(t.t1 == .milliseconds(500))
        #expect(t.t2 == .seconds(4))
        #expect(t.t4 == .seconds(5))
        #expect(t.timerC == .seconds(180))
        #expect(t.timerA == .milliseconds(500))
        #expect(t.timerB == .seconds(32))
        #expect(t.timerE == .milliseconds(500))
        #expect(t.timerF == .seconds(32))
        #expect(t.timerG == .milliseconds(500))
        #expect(t.timerH == .seconds(32))
        #expect(t.timerL == .seconds(32))
        #expect(t.timerM == .seconds(32))
    }

    @Test func transportDependentTimersAreZeroOnReliableTransports() {
        let t = TransactionTimers()
        #expect(t.timerD(reliable: false) == .seconds(32))
        #expect(t.timerI(reliable: false) == .seconds(5))
        #expect(t.timerJ(reliable: false) == .seconds(32))
        #expect(t.timerK(reliable: false) == .seconds(5))
        #expect(t.timerD(reliable: true) == .zero)
        #expect(t.timerI(reliable: true) == .zero)
        #expect(t.timerJ(reliable: true) == .zero)
        #expect(t.timerK(reliable: true) == .zero)
    }

    @Test func derivedTimersFollowConfiguredBaseValues() {
        let t = TransactionTimers(t1: .seconds(1), t2: .seconds(8), t4: .seconds(10), timerC: .seconds(200))
        #expect(t.timerB == .seconds(64))
        #expect(t.timerF == .seconds(64))
        #expect(t.timerH == .seconds(64))
        #expect(t.timerL == .seconds(64))
        #expect(t.timerM == .seconds(64))
        #expect(t.timerJ(reliable: false) == .seconds(64))
        #expect(t.timerI(reliable: false) == .seconds(10))
        #expect(t.timerK(reliable: false) == .seconds(10))
        // D stays "at least 32 s" and grows with 64*T1.
        #expect(t.timerD(reliable: false) == .seconds(64))
        #expect(TransactionTimers(t1: .milliseconds(100)).timerD(reliable: false) == .seconds(32))
    }

    @Test func machinesUseConfiguredTimers() {
        let timers = TransactionTimers(t1: .milliseconds(100), t2: .milliseconds(300))
        var client = NonInviteClientTransaction(reliable: false, timers: timers)
        #expect(client.handle(.start) == [.sendRequest, .startTimer(.e, .milliseconds(100)), .startTimer(.f, .milliseconds(6400))])
        #expect(client.handle(.timerFired(.e)) == [.sendRequest, .startTimer(.e, .milliseconds(200))])
        #expect(client.handle(.timerFired(.e)) == [.sendRequest, .startTimer(.e, .milliseconds(300))])
        #expect(client.handle(.timerFired(.e)) == [.sendRequest, .startTimer(.e, .milliseconds(300))])
    }
}
