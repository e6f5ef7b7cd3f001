import ArgumentParser
import ConcordStore

#if canImport(Glibc)
    import Glibc
#else
    import Darwin
#endif

/// Runs `concord` with the exit codes of protocol.md §7: 1 for user errors, 2 for usage errors, 3 for sync errors.
@main
enum Main {
    static func main() async {
        if let problem = invalidArgument() {
            Terminal.error(problem)
            exit(1)
        }
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

    /// Why an argument cannot be used, or nil: the command line is read as UTF-8 and an invalid byte would be stored
    /// as U+FFFD without a word, so such an argument is refused, as an article file that is not UTF-8 is.
    static func invalidArgument() -> String? {
        for index in 1..<Int(CommandLine.argc) {
            guard let pointer = CommandLine.unsafeArgv[index] else { continue }
            let bytes = UnsafeBufferPointer(start: pointer, count: strlen(pointer)).map { UInt8(bitPattern: $0) }
            if String(validating: bytes, as: UTF8.self) == nil {
                let shown = String(decoding: bytes, as: UTF8.self)
                return "argument \(index) (\"\(shown)\") is not valid UTF-8; write it in UTF-8 (check the terminal's "
                    + "or the script's encoding, e.g. `locale` and `iconv -f LATIN1 -t UTF-8`); nothing was written"
            }
        }
        return nil
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
