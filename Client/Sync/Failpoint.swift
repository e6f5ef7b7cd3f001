import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#else
    import Darwin
#endif

/// Named instants at which a crash test may stop `concord` to kill it there, instead of guessing the instant with
/// timers that a loaded machine breaks.
///
/// `CONCORD_FAILPOINT=NAME` makes the process stop itself (`SIGSTOP`) when it reaches the point `NAME`;
/// the test sees it stopped (`/proc/PID/stat`) and kills it with `SIGKILL`, or lets it go on with `SIGCONT`. Unset,
/// a failpoint costs one comparison with a value read once. The points:
///
/// - `bootstrap-download`: a snapshot download has written its first bytes to `STORE.bootstrap`;
/// - `bootstrap-install`: the checked snapshot, with the store's own changes carried in, is about to replace the store;
/// - `push-batch`: a pushed batch was acknowledged and marked pushed;
/// - `pull-page`: a pulled page and its cursor were committed.
enum Failpoint {
    static let armed: String? = ProcessInfo.processInfo.environment["CONCORD_FAILPOINT"]

    static func reach(_ name: StaticString) {
        guard let armed, armed == name.description else { return }
        raise(SIGSTOP)
    }
}
