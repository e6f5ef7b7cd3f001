/// One analyst's current vote on one coded field of one event, as the store reduced it (protocol.md §11).
///
/// Resolutions never arrive here: only the analyst's own versions count.
public struct CoderVote: Hashable, Sendable {
    public var event: String
    public var field: String
    public var coder: String
    /// The vote's clock; on a register the latest vote across a cluster's members wins.
    public var hlc: HLC
    /// A register's `.label`, or a set field's `.set`: the analyst's own adds less their own removes.
    public var value: CodedValue

    public init(event: String, field: String, coder: String, hlc: HLC, value: CodedValue) {
        self.event = event
        self.field = field
        self.coder = coder
        self.hlc = hlc
        self.value = value
    }
}
