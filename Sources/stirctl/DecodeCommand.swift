import ArgumentParser
import STIRCore

/// `stirctl decode`: prints the Identity parameters, PASSporT header and
/// claims as pretty JSON. Does not verify anything.
struct DecodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "decode",
                                                    abstract: "Show an Identity header value (or bare PASSporT) as JSON.")

    @Argument(help: "Identity header value, or a bare full-form PASSporT.") var value: String

    func run() throws {
        var out: [String: JSONValue] = [:]
        let token: String
        if value.contains(";") {
            let header: IdentityHeader
            do { header = try IdentityHeader.parse(value) } catch { throw CLIError("invalid Identity header: \(error)") }
            var params: [String: JSONValue] = ["info": .string(header.info), "form": .string(header.isCompact ? "compact" : "full")]
            if let alg = header.alg { params["alg"] = .string(alg) }
            if let ppt = header.ppt { params["ppt"] = .string(ppt) }
            for p in header.parameters { params[p.name] = p.value.map { .string($0) } ?? .null }
            out["identity"] = .object(params)
            token = header.token
        } else {
            token = value
        }
        if token.hasPrefix("..") {
            out["signature"] = .string(String(token.dropFirst(2)))
        } else {
            let stage: PASSporT.HeaderStage
            do { stage = try PASSporT.decodeHeader(token) } catch { throw CLIError("invalid PASSporT: \(error)") }
            out["header"] = stage.headerJSON
            do { out["claims"] = try stage.rawPayloadJSON() } catch { throw CLIError("invalid PASSporT payload: \(error)") }
            do { _ = try stage.decodeClaims() } catch { out["claims_error"] = .string("\(error)") }
            out["signature"] = .string(String(token[token.index(after: token.lastIndex(of: ".")!)...]))
        }
        print(PrettyJSON.string(.object(out)))
    }
}
