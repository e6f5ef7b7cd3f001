import ConcordCore
import GRDB

/// Builds the changes of one command inside its write transaction: stamps ids, clock readings, author and replica,
/// then appends them to the log and folds them into the view when the command ends.
struct ChangeWriter {
    let db: Database
    let analyst: AnalystName
    let replica: ReplicaID
    let role: Role
    var clock: HybridClock
    let wall: Int64
    let store: LocalStore
    private(set) var changes: [Change] = []
    /// The first log seq of the command this one undoes (`concord undo`), recorded with the command.
    var undoes: Int64?
    /// The reason every change of this command gives when the call names none (`concord undo --reason` of a
    /// resolution: undoing a decision is a decision).
    var reason: String?

    init(db: Database, store: LocalStore) throws {
        guard
            let row = try Row.fetchOne(db, sql: "SELECT analyst, replica, role, clock FROM store")
        else { throw StoreError.invalid("the store has no metadata row; it was not created by `concord init`") }
        // An edit is checked against the view of the whole log: a backlog a pull left is folded first.
        try LocalStore.foldBacklog(understanding: store.understoodSchema, db)
        self.db = db
        self.store = store
        analyst = try AnalystName(row[0] as String)
        replica = try ReplicaID(row[1] as String)
        role = Role(rawValue: row[2]) ?? .analyst
        clock = HybridClock(last: try HLC(row[3] as String))
        wall = store.now()
    }

    func newID() -> ChangeID { store.ids.withLock { $0.next() } }

    @discardableResult
    mutating func write(
        _ entity: EntityID, _ field: String, _ op: ChangeOp, _ value: FieldValue, supersedes: [ChangeID] = [],
        reason: String? = nil
    ) -> Change {
        let change = Change(
            id: newID(), entity: entity, field: field, op: op, value: value, supersedes: supersedes,
            hlc: clock.tick(wall: wall), author: analyst, replica: replica, reason: reason ?? self.reason)
        changes.append(change)
        return change
    }

    /// Appends the changes to the log as pending, folds them into the view and saves the clock.
    func commit() throws {
        guard !changes.isEmpty else { return }
        for change in changes {
            do throws(ValidationError) { try Schema.validate(change, understanding: store.understoodSchema) } catch {
                throw StoreError.invalidValue(error)
            }
        }
        try LocalStore.apply(changes.map { ($0, nil) }, origin: .local, understanding: store.understoodSchema, db)
        // The log numbers a command's changes consecutively (one transaction, in order).
        let ends = try [changes.first!, changes.last!].map { change in
            try Int64.fetchOne(db, sql: "SELECT seq FROM change WHERE id = ?", arguments: [change.id.rawValue])!
        }
        try db.execute(
            sql: "INSERT INTO command (first, last, undoes) VALUES (?, ?, ?)",
            arguments: [ends.min()!, ends.max()!, undoes])
        try db.execute(sql: "UPDATE store SET clock = ?", arguments: [clock.last.description])
    }
}

extension LocalStore {
    /// Runs one edit command in one write transaction.
    func edit<T>(_ body: (inout ChangeWriter) throws -> T) throws -> T {
        try write { db in
            var writer = try ChangeWriter(db: db, store: self)
            let result = try body(&writer)
            try writer.commit()
            return result
        }
    }
}
