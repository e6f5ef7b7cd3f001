/// The versioned field schema of documents and events (protocol.md §2), and validation of changes against it.
public enum Schema {
    /// The newest schema version this build understands. A change is written under the oldest version that has
    /// its field (``minimumVersion(of:for:)``), so older clients keep syncing every change they can read.
    public static let version = 3

    /// How a field merges.
    public enum Kind: String, Sendable {
        /// Last-writer-visible with conflicts kept (`set`).
        case register
        /// Add-wins set (`add` / `remove`).
        case set
        /// Append-only list (`append`).
        case list

        /// The ops a field of this kind takes.
        public var ops: [ChangeOp] {
            switch self {
            case .register: return [.set]
            case .set: return [.add, .remove]
            case .list: return [.append]
            }
        }
    }

    /// One field: its kind, whether it is coded, the schema that introduced it, and the rule its values follow.
    public struct Field: Sendable {
        public let name: String
        public let kind: Kind
        /// Describes valid values, for error messages and `--help`.
        public let expected: String
        /// A coded field holds votes (protocol.md §11): an analyst's change replaces only that analyst's own versions.
        public let coded: Bool
        /// The schema version that introduced the field.
        public let since: Int
        let check: @Sendable (FieldValue) -> Bool

        init(
            name: String, kind: Kind, expected: String, coded: Bool = false, since: Int = 1,
            check: @escaping @Sendable (FieldValue) -> Bool
        ) {
            self.name = name
            self.kind = kind
            self.expected = expected
            self.coded = coded
            self.since = since
            self.check = check
        }

        /// The same field, coded.
        func codedField() -> Field {
            Field(name: name, kind: kind, expected: expected, coded: true, since: since, check: check)
        }
    }

    public static let eventFields: [Field] = [
        Field(name: "doc", kind: .register, expected: "a document id (document/<16 hex>)") {
            guard let s = $0.string, let id = try? EntityID(s) else { return false }
            return id.kind == .document
        },
        Field(name: "title", kind: .register, expected: "a non-empty string of at most 500 characters" + bytesNote(500))
        {
            guard let s = $0.string else { return false }
            return fits(s, 500) && !s.trimmingSpaces.isEmpty
        },
        text("summary", max: 10_000),
        Field(
            name: "type", kind: .register,
            expected: "a PLOVER event type: " + EventType.allCases.map(\.rawValue).joined(separator: ", "), coded: true
        ) {
            $0.string.flatMap(EventType.init(rawValue:)) != nil
        },
        Field(name: "date", kind: .register, expected: "an ISO 8601 date: YYYY-MM-DD, YYYY-MM or YYYY", coded: true) {
            $0.string.map(EventDate.isValid) ?? false
        },
        text("location", max: 500).codedField(),
        Field(
            name: "country", kind: .register, expected: "an ISO 3166-1 alpha-3 code such as KOR, JPN, USA, PRK",
            coded: true
        ) {
            $0.string.map(CountryCode.isValid) ?? false
        },
        choice("confidence", ["low", "medium", "high"]).codedField(),
        choice("status", ["draft", "reviewed", "disputed", "rejected"]),
        text("evidence", max: 10_000),
        element("actors").codedField(),
        element("tags"),
        Field(
            name: "notes", kind: .list, expected: "a non-empty string of at most 10,000 characters" + bytesNote(10_000)
        ) {
            guard let s = $0.string else { return false }
            return fits(s, 10_000) && !s.trimmingSpaces.isEmpty
        },
        Field(name: "deleted", kind: .register, expected: "true or false") { $0.bool != nil },
        // Schema 2 (protocol.md §11, §12).
        Field(
            name: "recipients", kind: .set, expected: "a non-empty string of at most 200 characters", coded: true,
            since: 2, check: isElement),
        Field(
            name: "mode", kind: .register,
            expected: "a PLOVER mode valid for the event's type: "
                + Plover.allModes.joined(separator: ", "), coded: true, since: 2
        ) {
            $0.string.map(Plover.allModes.contains) ?? false
        },
        Field(
            name: "context", kind: .set, expected: "a PLOVER context: " + Plover.contexts.joined(separator: ", "),
            coded: true, since: 2
        ) {
            $0.string.map(Plover.contexts.contains) ?? false
        },
        Field(name: "same_as", kind: .set, expected: "an event id (event/<uuid>) of another event", since: 2) {
            guard let s = $0.string, let id = try? EntityID(s) else { return false }
            return id.kind == .event
        },
        // Schema 3 (protocol.md §17): PLOVER's `enddate`, auxiliary modes, and more than one quote.
        Field(
            name: "end_date", kind: .register, expected: "an ISO 8601 date: YYYY-MM-DD, YYYY-MM or YYYY", coded: true,
            since: 3
        ) {
            $0.string.map(EventDate.isValid) ?? false
        },
        Field(
            name: "aux", kind: .set, expected: "a PLOVER auxiliary mode: " + Plover.auxModes.joined(separator: ", "),
            coded: true, since: 3
        ) {
            $0.string.map(Plover.auxModes.contains) ?? false
        },
        Field(
            name: "quotes", kind: .set, expected: "a quote of at most 2,000 characters" + bytesNote(2_000), since: 3
        ) {
            guard let s = $0.string else { return false }
            return fits(s, 2_000) && !s.trimmingSpaces.isEmpty
        },
        // Schema 3 (protocol.md §16): pairs dismissed as different happenings, never suggested by `concord match`.
        Field(
            name: "distinct_from", kind: .set, expected: "an event id (event/<uuid>) of another event", since: 3
        ) {
            guard let s = $0.string, let id = try? EntityID(s) else { return false }
            return id.kind == .event
        },
    ]

    /// What a person typed for event `field`, in the case the schema stores: codes are case-insensitive on input
    /// (`--type cooperate` is `COOPERATE`, `--country kor` is `KOR`, `--mode Visit` is `visit`); other text is
    /// kept as typed. Changes on the wire are never rewritten: this is for input only.
    public static func canonicalInput(_ text: String, field: String) -> String {
        switch field {
        case "type", "country": text.uppercased()
        case "aux": text.lowercased()
        // PLOVER spells a few codes in mixed case (`sideAB`): any case of a code is that code.
        case "mode": Plover.allModes.first { $0.lowercased() == text.lowercased() } ?? text.lowercased()
        case "context": Plover.contexts.first { $0.lowercased() == text.lowercased() } ?? text.lowercased()
        case "confidence", "status": text.lowercased()
        default: text
        }
    }

    public static let documentFields: [Field] = [
        Field(name: "title", kind: .register, expected: "a non-empty string of at most 500 characters" + bytesNote(500))
        {
            guard let s = $0.string else { return false }
            return fits(s, 500) && !s.trimmingSpaces.isEmpty
        },
        text("source", max: 500),
        text("published", max: 100),
        Field(name: "text", kind: .register, expected: "a non-empty string of at most 4 MiB") {
            guard let s = $0.string else { return false }
            return !s.isEmpty && s.utf8.count <= Limits.documentTextBytes
        },
        // Schema 3 (protocol.md §17): who wrote the article, where it was published online, and the file it was
        // imported from.
        Field(
            name: "byline", kind: .register, expected: "a string of at most 500 characters" + bytesNote(500), since: 3
        ) {
            guard let s = $0.string else { return false }
            return fits(s, 500)
        },
        Field(
            name: "url", kind: .register, expected: "an http:// or https:// URL of at most 2,000 characters", since: 3
        ) {
            guard let s = $0.string, fits(s, 2_000) else { return false }
            return s.hasPrefix("http://") || s.hasPrefix("https://")
        },
        Field(
            name: "file", kind: .register, expected: "a file name of at most 500 characters" + bytesNote(500), since: 3
        ) {
            guard let s = $0.string else { return false }
            return fits(s, 500)
        },
        // Schema 3 (protocol.md §15): blind double coding. Who may write them is ``Blinding/authorize(_:role:)``'s.
        Field(
            name: Blinding.assignedField, kind: .set, expected: "an analyst name (a-z, 0-9, '.', '_', '-')", since: 3,
            check: isAnalystName),
        Field(
            name: Blinding.submittedField, kind: .set, expected: "an analyst name (a-z, 0-9, '.', '_', '-')",
            since: 3, check: isAnalystName),
        Field(name: Blinding.releasedField, kind: .register, expected: "true or false", since: 3) { $0.bool != nil },
    ]

    @Sendable private static func isAnalystName(_ value: FieldValue) -> Bool {
        guard let s = value.string else { return false }
        return (try? AnalystName(s)) != nil
    }

    /// The event field that links events reporting the same happening (protocol.md §11): an add-wins set of event ids.
    public static let sameAsField = "same_as"

    /// The event field that records two events as different happenings (protocol.md §16): an add-wins set of
    /// event ids, symmetric in meaning (either side's element keeps the pair apart).
    public static let distinctFromField = "distinct_from"

    /// The coded event fields (protocol.md §11), in schema order.
    public static let codedEventFields: [String] = eventFields.filter(\.coded).map(\.name)

    /// Whether `name` is a coded field of entities of `kind`.
    public static func isCoded(_ name: String, of kind: EntityID.Kind) -> Bool {
        field(name, of: kind)?.coded ?? false
    }

    /// The oldest schema version a change to `name` can be written under: the one that introduced the field.
    public static func minimumVersion(of name: String, for kind: EntityID.Kind) -> Int {
        field(name, of: kind)?.since ?? version
    }

    /// The fields an `event add` requires.
    public static let requiredEventFields = ["doc", "title"]

    /// The event registers that can be cleared (protocol.md §16): every register but the required ones and
    /// `deleted`.
    public static let clearableEventFields: Set<String> = Set(
        eventFields.filter { $0.kind == .register && !requiredEventFields.contains($0.name) && $0.name != "deleted" }
            .map(\.name))

    /// The schema that introduced clears.
    public static let clearSchema = 3

    /// Whether `change` clears a register: a `set` of the empty string on a clearable event field, meaning "no
    /// value" (a vote for none on a coded field).
    public static func isClear(_ change: Change) -> Bool {
        isClear(op: change.op, value: change.value, field: change.field, of: change.entity.kind)
    }

    /// ``isClear(_:)`` of a change not yet made.
    static func isClear(op: ChangeOp, value: FieldValue, field: String, of kind: EntityID.Kind) -> Bool {
        op == .set && value == .string("") && kind == .event && clearableEventFields.contains(field)
    }

    private static let eventIndex = Dictionary(uniqueKeysWithValues: eventFields.map { ($0.name, $0) })
    private static let documentIndex = Dictionary(uniqueKeysWithValues: documentFields.map { ($0.name, $0) })

    /// The field named `name` on entities of `kind`, or nil if there is none.
    public static func field(_ name: String, of kind: EntityID.Kind) -> Field? {
        switch kind {
        case .event: return eventIndex[name]
        case .document: return documentIndex[name]
        }
    }

    /// The fields of entities of `kind`, in schema order.
    public static func fields(of kind: EntityID.Kind) -> [Field] {
        kind == .event ? eventFields : documentFields
    }

    /// Checks a value for a field, as the CLI does before writing and the server before accepting.
    public static func validate(value: FieldValue, field name: String, of kind: EntityID.Kind) throws(ValidationError) {
        guard let field = field(name, of: kind) else {
            throw ValidationError(
                field: name,
                expected: "\(kind == .event ? "an" : "a") \(kind.rawValue) field: "
                    + fields(of: kind).map(\.name).joined(separator: ", "))
        }
        guard field.check(value) else {
            throw ValidationError(field: name, value: value.description, expected: field.expected)
        }
        if let problem = controlProblem(value, field: name, of: kind) {
            throw ValidationError(field: name, value: value.description, expected: problem)
        }
    }

    /// Fields whose text may span lines (newlines and tabs allowed): the rest are single-line.
    public static let multilineFields: Set<String> = ["summary", "evidence", "notes"]

    /// Why `value` cannot be stored in `field` for its control characters, or nil when it can: C0 controls, DEL and
    /// C1 controls are refused in every text (they would drive the terminal of whoever prints it), except newline
    /// and tab in ``multilineFields``. A document's `text` is checked by its hash instead, and printed escaped.
    public static func controlProblem(_ value: FieldValue, field: String, of kind: EntityID.Kind) -> String? {
        guard let text = value.string, !(kind == .document && field == "text") else { return nil }
        let multiline = multilineFields.contains(field)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            guard v < 0x20 || (0x7F...0x9F).contains(v) else { continue }
            if multiline && (v == 0x0A || v == 0x09) { continue }
            let hex = String(v, radix: 16, uppercase: true)
            return
                (multiline
                ? "text without control characters other than newline and tab"
                : "one line of text without control characters")
                + " (found U+" + String(repeating: "0", count: 4 - hex.count) + hex + ")"
        }
        return nil
    }

    /// Why a document `text` change cannot be stored, or nil: a document's id is the hash of its text
    /// (``Article/documentID(forText:)``), so a text must hash to its document's id, and no change may supersede a
    /// document's text (that would replace the article an evidence quote is checked against).
    public static func documentTextProblem(_ change: Change) -> String? {
        guard change.entity.kind == .document, change.field == "text", let text = change.value.string else {
            return nil
        }
        if !change.supersedes.isEmpty {
            return "no change to a document's text: a document is its text; import the other article as a new document"
        }
        // A NUL ends the text for every C string API on its way (SQLite's text functions, terminals): a document
        // holding one could be stored but never shown whole.
        if text.utf8.contains(0) {
            return "a text without NUL characters (U+0000): remove them from the article and import it again"
        }
        let id = Article.documentID(forText: text)
        if id != change.entity {
            return
                "the text whose hash names the document (this text is \(id)): a document's id is the hash of its text"
        }
        return nil
    }

    /// Whether a build that understands schemas up to `understood` can read `change`: its `schema` is no newer.
    ///
    /// A change it cannot read is kept in its log untouched and left out of its view until an upgrade (protocol.md §12).
    public static func understands(_ change: Change, understanding understood: Int = version) -> Bool {
        change.schema <= understood
    }

    /// Checks everything about a change that does not need other changes: schema version, field, op, value, sizes.
    ///
    /// `understood` is the newest schema the checking build understands. A change written under a newer one is
    /// refused before anything else is looked at: its field may be one this build has never heard of.
    public static func validate(_ change: Change, understanding understood: Int = version) throws(ValidationError) {
        if !understands(change, understanding: understood) {
            throw ValidationError(
                entity: change.entity, field: "schema", value: String(change.schema),
                expected:
                    "schema \(understood) or older; this change was written by a newer Concord, upgrade to read it")
        }
        if change.schema < 1 {
            throw ValidationError(
                entity: change.entity, field: "schema", value: String(change.schema), expected: "1 or greater")
        }
        guard let field = field(change.field, of: change.entity.kind) else {
            throw ValidationError(
                entity: change.entity, field: change.field,
                expected: "\(change.entity.kind == .event ? "an" : "a") \(change.entity.kind.rawValue) field: "
                    + fields(of: change.entity.kind).map(\.name).joined(separator: ", "))
        }
        if field.since > change.schema {
            throw ValidationError(
                entity: change.entity, field: "schema", value: String(change.schema),
                expected:
                    "schema \(field.since) or newer for the field \(change.field), which schema \(field.since) added")
        }
        guard field.kind.ops.contains(change.op) else {
            throw ValidationError(
                entity: change.entity, field: change.field, value: change.op.rawValue,
                expected: "op " + field.kind.ops.map(\.rawValue).joined(separator: " or ")
                    + " for a \(field.kind.rawValue) field")
        }
        if isClear(change) {
            // A clear (protocol.md §16) came with schema 3: an older build keeps it in its log, unread.
            guard change.schema >= clearSchema else {
                throw ValidationError(
                    entity: change.entity, field: "schema", value: String(change.schema),
                    expected: "schema \(clearSchema) or newer for a clear (an empty value), which schema 3 added")
            }
        } else if !field.check(change.value) {
            throw ValidationError(
                entity: change.entity, field: change.field, value: change.value.description, expected: field.expected)
        }
        if let problem = controlProblem(change.value, field: change.field, of: change.entity.kind)
            ?? documentTextProblem(change)
        {
            throw ValidationError(
                entity: change.entity, field: change.field, value: String(change.value.description.prefix(200)),
                expected: problem)
        }
        if let reason = change.reason,
            let problem = controlProblem(.string(reason), field: "notes", of: .event)
        {
            throw ValidationError(entity: change.entity, field: "reason", value: reason, expected: problem)
        }
        if change.op == .remove && change.supersedes.isEmpty {
            throw ValidationError(
                entity: change.entity, field: "supersedes",
                expected: "the ids of the adds a remove removes (none given)")
        }
        if change.supersedes.count > Limits.supersedesCount {
            throw ValidationError(
                entity: change.entity, field: "supersedes", value: String(change.supersedes.count),
                expected: "at most \(Limits.supersedesCount) ids")
        }
        if change.supersedes.contains(change.id) {
            throw ValidationError(
                entity: change.entity, field: "supersedes", value: change.id.rawValue,
                expected: "ids other than the change's own")
        }
        if let reason = change.reason, !fits(reason, Limits.reasonLength) {
            throw ValidationError(
                entity: change.entity, field: "reason", value: String(reason.prefix(200)),
                expected: "at most \(Limits.reasonLength.formatted) characters" + bytesNote(Limits.reasonLength))
        }
    }

    /// Whether `s` holds at most `max` characters and at most 4 × `max` bytes of UTF-8: limits hold in bytes too, so
    /// one character of two million combining marks is not "one character" to the transport (checked first, and
    /// cheaply, so counting characters never walks a huge string).
    static func fits(_ s: String, _ max: Int) -> Bool {
        s.utf8.count <= 4 * max && s.count <= max
    }

    /// The byte bound of ``fits(_:_:)``, said in an error message.
    static func bytesNote(_ max: Int) -> String { " (and \((4 * max).formatted) bytes of UTF-8)" }

    private static func text(_ name: String, max: Int) -> Field {
        Field(name: name, kind: .register, expected: "a string of at most \(max.formatted) characters" + bytesNote(max))
        {
            guard let s = $0.string else { return false }
            return fits(s, max)
        }
    }

    private static func choice(_ name: String, _ values: [String]) -> Field {
        Field(name: name, kind: .register, expected: values.joined(separator: ", ")) {
            guard let s = $0.string else { return false }
            return values.contains(s)
        }
    }

    private static func element(_ name: String) -> Field {
        Field(
            name: name, kind: .set, expected: "a non-empty string of at most 200 characters" + bytesNote(200),
            check: isElement)
    }

    @Sendable private static func isElement(_ value: FieldValue) -> Bool {
        guard let s = value.string else { return false }
        return fits(s, 200) && !s.trimmingSpaces.isEmpty
    }
}

/// Size limits shared by the client and the server.
public enum Limits {
    public static let documentTextBytes = 4 * 1024 * 1024
    public static let supersedesCount = 10_000
    public static let reasonLength = 2_000
    /// Largest response body a client decompresses (a bomb guard; a pull page is at most ~13 MiB).
    public static let responseBytes = 64 * 1024 * 1024
    /// Largest request body the server accepts, decompressed.
    public static let bodyBytes = 32 * 1024 * 1024
    /// Most changes in one push.
    public static let batchChanges = 10_000
    /// Most superseded ids listed by all the changes of one push together (a normal batch of 5,000 changes lists
    /// about as many): bounds what one push can add to every later pull.
    public static let pushSupersedes = 100_000
    /// Largest pull page the server sends, in bytes of change bodies: a page holds up to `limit` changes and is cut
    /// before it passes this size (`more` is then true), always holding at least one change. One change is at most
    /// ~4.5 MiB (a 4 MiB document text and 10,000 superseded ids), so any page fits the client's 256 MiB.
    public static let pageBytes = 8 * 1024 * 1024
}

/// ISO 8601 calendar dates at day, month or year precision.
public enum EventDate {
    /// Whether `text` is `YYYY-MM-DD`, `YYYY-MM` or `YYYY` naming a real date.
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        let widths = [4, 2, 2]
        guard (1...3).contains(parts.count) else { return false }
        for (i, part) in parts.enumerated() {
            guard part.utf8.count == widths[i], part.utf8.allSatisfy({ (48...57).contains($0) }) else { return false }
        }
        let year = Int(parts[0])!
        guard year >= 1 else { return false }
        if parts.count >= 2 {
            let month = Int(parts[1])!
            guard (1...12).contains(month) else { return false }
            if parts.count == 3 {
                let day = Int(parts[2])!
                let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
                let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
                guard (1...days).contains(day) else { return false }
            }
        }
        return true
    }
}

extension String {
    var trimmingSpaces: Substring {
        var s = self[...]
        while let first = s.first, first.isWhitespace { s.removeFirst() }
        while let last = s.last, last.isWhitespace { s.removeLast() }
        return s
    }
}

extension Int {
    var formatted: String {
        let digits = Array(String(self))
        var out = ""
        for (i, d) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(d)
        }
        return out
    }
}
