// The shared test PKI (TestSupport) seen through the Certificates module.
import Foundation
@testable import Certificates
import TestSupport

extension TestPKI {
    func anchors() throws -> TrustAnchors { try TrustAnchors(file: path("root.pem")) }

    func validator() throws -> ChainValidator { ChainValidator(anchors: try anchors()) }
}
