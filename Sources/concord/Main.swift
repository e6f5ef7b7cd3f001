import ArgumentParser
import ConcordClient

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Runs `concord` with the exit codes of DESIGN §7: 1 for user errors, 2 for usage errors, 3 for sync errors.
@main
enum Main {
    static func main() async {
        do {
            var command = try Concord.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let error as any ConcordError {
            Terminal.error(error.description)
            exit(error.category == .network ? 3 : 1)
        } catch let code as ExitCode {
            exit(code.rawValue)
        } catch {
            exitForOtherError(error)
        }
        exit(0)
    }

    /// Help and version requests exit 0; argument errors are usage errors (2); anything else is reported (1).
    static func exitForOtherError(_ error: any Error) -> Never {
        let code = Concord.exitCode(for: error)
        let message = Concord.fullMessage(for: error)
        if code == .success {
            if !message.isEmpty { print(message) }
            exit(0)
        }
        if code == .validationFailure {
            FileHandle.standardError.write(Data((message + "\n").utf8))
            exit(2)
        }
        Terminal.error("\(error)")
        exit(1)
    }
}

import Foundation
