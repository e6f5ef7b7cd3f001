import ConcordCore
import Foundation

/// The `--json` output of the CLI: ConcordCore's view types (shared with the server) and their canonical encoder.
public enum JSONShapes {
    /// The encoder every `--json` output uses: sorted keys, slashes unescaped.
    public static func encoder(pretty: Bool = false) -> JSONEncoder { EventView.encoder(pretty: pretty) }

    /// `show --json` bytes of a snapshot (no trailing newline).
    public static func show(_ snapshot: EntitySnapshot) -> Data { EventView.json(snapshot) }
}
