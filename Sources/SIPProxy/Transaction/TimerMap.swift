/// A map from `TransactionTimer` to a value, stored inline.
///
/// A transaction has at most a few timers armed at once (two or three: A and
/// B, E and F, G and H with the 100 Trying timer), yet a `Dictionary` costs
/// a heap allocation when the first timer is armed, another when it grows,
/// and a copy whenever a machine value is mutated while its old copy is
/// still referenced. Four inline slots hold every case the machines produce;
/// a fifth timer, should one ever be armed, goes to an overflow dictionary
/// rather than being lost.
struct TimerMap<Value> {
    private var keys: (TransactionTimer?, TransactionTimer?, TransactionTimer?, TransactionTimer?) = (nil, nil, nil, nil)
    private var slots: (Value?, Value?, Value?, Value?) = (nil, nil, nil, nil)
    private var overflow: [TransactionTimer: Value]?

    init() {}

    private func slot(of timer: TransactionTimer) -> Int? {
        if keys.0 == timer { return 0 }
        if keys.1 == timer { return 1 }
        if keys.2 == timer { return 2 }
        if keys.3 == timer { return 3 }
        return nil
    }

    private var freeSlot: Int? {
        if keys.0 == nil { return 0 }
        if keys.1 == nil { return 1 }
        if keys.2 == nil { return 2 }
        if keys.3 == nil { return 3 }
        return nil
    }

    private func value(at slot: Int) -> Value? {
        switch slot {
        case 0: return slots.0
        case 1: return slots.1
        case 2: return slots.2
        default: return slots.3
        }
    }

    private mutating func set(_ slot: Int, _ key: TransactionTimer?, _ value: Value?) {
        switch slot {
        case 0: keys.0 = key; slots.0 = value
        case 1: keys.1 = key; slots.1 = value
        case 2: keys.2 = key; slots.2 = value
        default: keys.3 = key; slots.3 = value
        }
    }

    subscript(timer: TransactionTimer) -> Value? {
        get {
            if let slot = slot(of: timer) { return value(at: slot) }
            return overflow?[timer]
        }
        set {
            guard let newValue else {
                removeValue(forKey: timer)
                return
            }
            if let slot = slot(of: timer) {
                set(slot, timer, newValue)
            } else if overflow?[timer] != nil {
                overflow?[timer] = newValue
            } else if let free = freeSlot {
                set(free, timer, newValue)
            } else {
                overflow = overflow ?? [:]
                overflow?[timer] = newValue
            }
        }
    }

    @discardableResult
    mutating func removeValue(forKey timer: TransactionTimer) -> Value? {
        if let slot = slot(of: timer) {
            let old = value(at: slot)
            set(slot, nil, nil)
            return old
        }
        return overflow?.removeValue(forKey: timer)
    }

    /// Armed timers in `TransactionTimer` declaration order.
    var keysInOrder: [TransactionTimer] {
        TransactionTimer.allCases.filter { self[$0] != nil }
    }

    var values: [Value] { keysInOrder.compactMap { self[$0] } }

    /// Removes every entry, calling `body` with each value (no array built:
    /// this runs whenever a transaction ends).
    mutating func removeAll(_ body: (Value) -> Void) {
        if let v = slots.0 { body(v) }
        if let v = slots.1 { body(v) }
        if let v = slots.2 { body(v) }
        if let v = slots.3 { body(v) }
        overflow?.values.forEach(body)
        self = TimerMap()
    }

    var isEmpty: Bool { keys.0 == nil && keys.1 == nil && keys.2 == nil && keys.3 == nil && (overflow?.isEmpty ?? true) }

    mutating func removeAll() {
        self = TimerMap()
    }
}

extension TimerMap: Equatable where Value: Equatable {
    static func == (lhs: TimerMap, rhs: TimerMap) -> Bool {
        TransactionTimer.allCases.allSatisfy { lhs[$0] == rhs[$0] }
    }
}

extension TimerMap: Sendable where Value: Sendable {}
