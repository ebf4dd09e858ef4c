/// A client command could not do what was asked: printed as `Error: <message>` with exit code 1 (argument
/// mistakes stay `ValidationError`s, which also print the usage).
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}
