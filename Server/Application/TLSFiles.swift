import Foundation
import NIOSSL

/// The PEM files of an HTTPS server: its certificate (chain first to last) and its private key.
public struct TLSFiles: Sendable {
    public var certificatePath: String
    public var keyPath: String

    public init(certificatePath: String, keyPath: String) {
        self.certificatePath = certificatePath
        self.keyPath = keyPath
    }

    /// Reads both files; an error names the file and says what a PEM file of that kind starts with.
    func serverConfiguration() throws -> TLSConfiguration {
        let chain: [NIOSSLCertificate]
        do {
            chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        } catch {
            throw TLSFilesError(
                "cannot read the certificate \(certificatePath) (\(error)): pass a PEM file that starts with "
                    + "-----BEGIN CERTIFICATE-----")
        }
        guard !chain.isEmpty else {
            throw TLSFilesError(
                "\(certificatePath) holds no certificate: pass a PEM file with -----BEGIN CERTIFICATE-----")
        }
        // An expired certificate is refused at start: every client's handshake would fail until it is renewed.
        let now = time(nil)
        func date(_ t: time_t) -> String {
            ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval(t)))
        }
        if chain[0].notValidAfter < now {
            throw TLSFilesError(
                "the certificate \(certificatePath) expired on \(date(chain[0].notValidAfter)): every client would "
                    + "refuse it; renew it and start again")
        }
        if chain[0].notValidBefore > now {
            throw TLSFilesError(
                "the certificate \(certificatePath) is not valid before \(date(chain[0].notValidBefore)): clients "
                    + "would refuse it; check this machine's clock or the certificate")
        }
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        } catch {
            throw TLSFilesError(
                "cannot read the private key \(keyPath) (\(error)): pass an unencrypted PEM key (-----BEGIN PRIVATE "
                    + "KEY----- or -----BEGIN EC/RSA PRIVATE KEY-----)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        // A key that does not belong to the certificate fails here, at start, not at the first handshake.
        do {
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSFilesError(
                "\(keyPath) is not the private key of \(certificatePath) (\(error)): pass the key the certificate was "
                    + "made for")
        }
        return configuration
    }
}

/// A certificate or key that cannot serve HTTPS, said in one sentence.
public struct TLSFilesError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
