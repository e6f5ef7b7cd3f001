import ConcordCore

/// An administration request that cannot be carried out.
public enum AdminError: Error, Hashable, Sendable, CustomStringConvertible {
    case analystExists(AnalystName)
    case unknownAnalyst(AnalystName)

    public var description: String {
        switch self {
        case .analystExists(let name):
            return "an analyst named \(name) already exists; choose another name, or revoke and re-add under a new one"
        case .unknownAnalyst(let name):
            return "no analyst named \(name); `concord-server analyst list` shows who exists"
        }
    }
}
