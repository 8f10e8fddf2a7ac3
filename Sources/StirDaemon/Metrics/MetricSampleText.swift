/// Renders snapshot samples in the Prometheus text format 0.0.4
/// (https://prometheus.io/docs/instrumenting/exposition_formats/).
///
/// Samples of one name are grouped under a single `# HELP`/`# TYPE` pair, in
/// the order the names first appear, because the format requires all lines
/// of a metric family to be contiguous.
enum MetricSampleText {
    static func render(_ samples: [MetricSample], into buffer: inout [UInt8]) {
        var order: [String] = []
        var groups: [String: [MetricSample]] = [:]
        for sample in samples {
            let name = metricName(sample.name)
            if groups[name] == nil { order.append(name) }
            groups[name, default: []].append(sample)
        }
        for name in order {
            let group = groups[name]!
            if let help = group.first(where: { !$0.help.isEmpty })?.help {
                buffer.append(contentsOf: "# HELP \(name) \(escapeHelp(help))\n".utf8)
            }
            buffer.append(contentsOf: "# TYPE \(name) \(name.hasSuffix("_total") ? "counter" : "gauge")\n".utf8)
            for sample in group {
                buffer.append(contentsOf: name.utf8)
                if !sample.labels.isEmpty {
                    let pairs = sample.labels.map { "\(labelName($0.0))=\"\(escapeLabelValue($0.1))\"" }
                    buffer.append(contentsOf: "{\(pairs.joined(separator: ","))}".utf8)
                }
                buffer.append(contentsOf: " \(number(sample.value))\n".utf8)
            }
        }
    }

    /// Integral values without a fraction (`12`, not `12.0`); the special
    /// values spelled as the format requires.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "+Inf" : "-Inf" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`: anything else becomes `_`, so a bad name
    /// from a hook cannot break the whole scrape.
    static func metricName(_ name: String) -> String {
        sanitize(name, allowColon: true)
    }

    /// `[a-zA-Z_][a-zA-Z0-9_]*`.
    static func labelName(_ name: String) -> String {
        sanitize(name, allowColon: false)
    }

    private static func sanitize(_ name: String, allowColon: Bool) -> String {
        var out = ""
        for scalar in name.unicodeScalars {
            let ok = ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
                || (allowColon && scalar == ":") || (!out.isEmpty && ("0"..."9").contains(scalar))
            if ok {
                out.unicodeScalars.append(scalar)
            } else if out.isEmpty && ("0"..."9").contains(scalar) {
                out += "_" + String(scalar)
            } else {
                out += "_"
            }
        }
        return out.isEmpty ? "_" : out
    }

    /// HELP text escapes backslash and line feed.
    static func escapeHelp(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\n", with: "\\n")
    }

    /// Label values also escape the double quote.
    static func escapeLabelValue(_ text: String) -> String {
        escapeHelp(text).replacingAll("\"", with: "\\\"")
    }
}

extension String {
    /// Foundation-free replacement of one scalar; scalars, not Characters, so
    /// the `\n` of a `\r\n` pair is found too.
    fileprivate func replacingAll(_ target: Unicode.Scalar, with replacement: String) -> String {
        guard unicodeScalars.contains(target) else { return self }
        var out = String.UnicodeScalarView()
        for scalar in unicodeScalars {
            if scalar == target { out.append(contentsOf: replacement.unicodeScalars) } else { out.append(scalar) }
        }
        return String(out)
    }
}
