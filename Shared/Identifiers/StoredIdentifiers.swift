// Constructors for text a store wrote itself after validating it.
//
// Reading the merged view back (live versions, change rows) is the hot path of applying pulled pages and pushed
// batches; re-validating every id and clock there cost a large share of it. Text that reaches a database was
// parsed by the throwing initializers first, so reading it back only needs to rebuild the value. Debug builds
// (and so every test) still run the full parse as an assertion.

extension ChangeID {
    /// A change id from text this program validated before storing it; see the note at the top of this file.
    public init(stored text: String) {
        assert((try? ChangeID(text))?.rawValue == text, "stored change id \(text) is not canonical")
        self.init(trusted: text)
    }
}

extension AnalystName {
    /// An analyst name from text this program validated before storing it.
    public init(stored text: String) {
        assert((try? AnalystName(text)) != nil, "stored analyst name \(text) is not valid")
        self.init(trusted: text)
    }
}

extension ReplicaID {
    /// A replica id from text this program validated before storing it.
    public init(stored text: String) {
        assert((try? ReplicaID(text))?.rawValue == text, "stored replica id \(text) is not canonical")
        self.init(trusted: text)
    }
}

extension HLC {
    /// A clock reading from text this program wrote with ``description`` (`<ms>:<4 digits>`): digits only, no
    /// range checks beyond ``init(millis:counter:)``'s precondition.
    public init(stored text: String) {
        var millis: Int64 = 0
        var counter = 0
        var afterColon = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: ":") {
                afterColon = true
            } else if afterColon {
                counter = counter &* 10 &+ Int(byte &- UInt8(ascii: "0"))
            } else {
                millis = millis &* 10 &+ Int64(byte &- UInt8(ascii: "0"))
            }
        }
        assert((try? HLC(text)) == HLC(millis: millis, counter: counter), "stored hlc \(text) is not valid")
        self.init(millis: millis, counter: counter)
    }
}
