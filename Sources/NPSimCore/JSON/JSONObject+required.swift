/// Fields npsim branches on, read without traps: a missing or mistyped field is an error that names the record.
extension JSONObject {
    /// A field of a request body that its checks require: a 400 naming `record.key` when it is absent anyway.
    public func string(_ key: String, of record: @autoclosure () -> String) throws(APIError) -> String {
        guard let value = self[key]?.stringValue else { throw APIError.validation("\(record()).\(key) is required and must be a string") }
        return value
    }

    /// A field of a stored record: a 503 naming the record when it is absent or not a string, which only a damaged
    /// database can cause.
    public func storedString(_ key: String, of record: @autoclosure () -> String) throws(APIError) -> String {
        guard let value = self[key]?.stringValue else {
            throw APIError.unavailable("the stored \(record()) has no string \(key); the database may be corrupt")
        }
        return value
    }
}
