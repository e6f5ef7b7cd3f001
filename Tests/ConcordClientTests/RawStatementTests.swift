import ConcordSQLite
import GRDB
import Testing

@Suite("Raw statements")
struct RawStatementTests {
    @Test("a bind SQLite refuses fails the next run, and nothing is written with the wrong binding")
    func refusedBindThrows() throws {
        let queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (x TEXT)")
            let insert = try RawStatement(db, sql: "INSERT INTO t (x) VALUES (?)")
            insert.bind("kept", at: 1)
            try insert.execute()
            // Parameter 2 does not exist: SQLite answers SQLITE_RANGE, and the statement must not run with
            // parameter 1 still bound to the last row's value (or NULL).
            insert.bind("lost", at: 2)
            let error = #expect(throws: DatabaseError.self) { try insert.execute() }
            #expect(error?.resultCode == .SQLITE_RANGE)
            #expect(error?.message?.contains("parameter 2") == true, "\(String(describing: error?.message))")
            #expect(try String.fetchAll(db, sql: "SELECT x FROM t") == ["kept"])
            // The failure is reported once: a rebind and a run go through.
            insert.bind("again", at: 1)
            try insert.execute()
            #expect(try String.fetchAll(db, sql: "SELECT x FROM t ORDER BY rowid") == ["kept", "again"])
        }
    }
}
