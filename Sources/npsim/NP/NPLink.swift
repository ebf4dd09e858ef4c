import Foundation

/// npsim's `np` for the processes it starts: a link named `np` to the running npsim binary, whose folder goes first
/// on npsim's own `PATH` before any child starts, so agent commands, local runs and init scripts (which inherit it)
/// reach npsim's `np` and never the real platform's CLI.
enum NPLink {
    /// Links `np` in `directory` (or, when that cannot be written, such as beside a read-only database, in a
    /// folder of this process under the temporary directory) to this executable and puts the folder first on
    /// `PATH`; returns the link's path.
    static func install(in directory: String) throws -> String {
        do {
            return try link(in: directory)
        } catch {
            return try link(in: FileManager.default.temporaryDirectory.appendingPathComponent("npsim-\(getpid())/bin").path)
        }
    }

    private static func link(in directory: String) throws -> String {
        let executable = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let link = "\(directory)/np"
        // A new link under a temporary name replaces the old one in one rename: a child starting meanwhile finds one.
        let staging = "\(directory)/.np-\(getpid())"
        try? FileManager.default.removeItem(atPath: staging)
        try FileManager.default.createSymbolicLink(atPath: staging, withDestinationPath: executable)
        guard rename(staging, link) == 0 else {
            throw CommandFailure("cannot link np at \(link): \(String(cString: strerror(errno))); pass --np-cli system to skip it")
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        setenv("PATH", path.split(separator: ":").contains(Substring(directory)) ? path : "\(directory):\(path)", 1)
        return link
    }
}
