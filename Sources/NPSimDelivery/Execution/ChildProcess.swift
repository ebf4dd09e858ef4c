import Foundation
import ServiceLifecycle

/// Runs a shell command to its end as a ``SpawnedProcess`` and keeps the last bytes of its output. The command is
/// stopped (SIGTERM to its process group, SIGKILL after `killGrace`) when it outlives its timeout, when the calling
/// task is cancelled, or when npsim shuts down gracefully, so npsim's own shutdown never waits longer than the grace.
public struct ChildProcess {
    public struct Outcome: Sendable {
        public let exitCode: Int32
        public let timedOut: Bool
        /// Stopped because npsim shut down (or the caller gave up), not because of its timeout.
        public let interrupted: Bool
        public let stdout: [UInt8]
        public let stderr: [UInt8]
        public let duration: Duration
    }

    /// `cmdline` is run by `/bin/sh -c` in `directory`, so it may carry its own arguments; `arguments` follow as
    /// `"$@"`.
    public static func run(
        cmdline: String,
        arguments: [String],
        environment: [String: String],
        directory: String? = nil,
        timeout: Duration,
        killGrace: Duration,
        tailLimit: Int
    ) async throws -> Outcome {
        let script = (directory.map { "cd \(quoted($0)) || exit 126\n" } ?? "") + "\(cmdline) \"$@\""
        let process = try SpawnedProcess(
            executable: "/bin/sh",
            arguments: ["-c", script, "npsim-agent"] + arguments,
            environment: environment,
            standardError: .separate
        )
        let started = ContinuousClock.now
        async let stdout = tail(process.output, limit: tailLimit)
        async let stderr = tail(process.errors, limit: tailLimit)
        let ended = await cancelWhenGracefulShutdown { await process.hasExited(within: timeout) }
        let timedOut = !ended && !Task.isCancelled && !Task.isShuttingDownGracefully
        if !ended { await process.stop(grace: killGrace) }
        let exitCode = await process.exitStatus
        let duration = ContinuousClock.now - started
        // The output pipes end when every process holding them is gone; one that left the group could hold them open.
        let closer = Task {
            try? await Task.sleep(for: .seconds(2))
            process.abandonOutput()
        }
        let (out, err) = await (stdout, stderr)
        closer.cancel()
        return Outcome(exitCode: exitCode, timedOut: timedOut, interrupted: !ended && !timedOut, stdout: out, stderr: err, duration: duration)
    }

    /// `text` as one single-quoted shell word.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The last `limit` bytes of a stream.
    private static func tail(_ stream: AsyncStream<Data>, limit: Int) async -> [UInt8] {
        var buffer: [UInt8] = []
        for await chunk in stream {
            buffer.append(contentsOf: chunk)
            if buffer.count > limit * 2 { buffer.removeFirst(buffer.count - limit) }
        }
        return Array(buffer.suffix(limit))
    }
}
