import Foundation

/// `application/x-www-form-urlencoded`, as GitLab's trigger API and the dashboard's forms use it.
public enum FormEncoding {
    static let allowed: CharacterSet = {
        var set = CharacterSet.alphanumerics
        set.insert(charactersIn: "-._*")
        return set
    }()

    public static func encode(_ pairs: [(String, String)]) -> String {
        pairs.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    public static func escape(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// The pairs of a form body in order; `+` is a space, and a key without `=` has an empty value.
    public static func decode(_ text: String) -> [(String, String)] {
        text.split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).map {
                $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String($0)
            }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }

    /// The stored copy of a form body, with the trigger token masked.
    public static func masking(token: String, in body: [UInt8]) -> [UInt8] {
        Array(String(decoding: body, as: UTF8.self).replacingOccurrences(of: "token=\(escape(token))", with: "token=\(ChannelType.mask)").utf8)
    }
}
