// Constructors for identifiers a store reads back from its own database.
//
// Every identifier a store writes was parsed (and canonicalized) by the validating initializers when the change
// that carries it was decoded, so text read back from the store's own tables is already canonical. Parsing it
// again on every read was a large share of a push's cost on the server. These constructors only wrap the text:
// they must never see text from the network, a file or a person.

extension ChangeID {
    /// Wraps canonical change-id text that a store validated when it wrote it, without parsing it again.
    public init(storedCanonical text: String) { self.init(trusted: text) }
}

extension ReplicaID {
    /// Wraps canonical replica-id text that a store validated when it wrote it, without parsing it again.
    public init(storedCanonical text: String) { rawValue = text }
}

extension AnalystName {
    /// Wraps an analyst name that a store validated when it wrote it, without parsing it again.
    public init(storedCanonical text: String) { rawValue = text }
}
