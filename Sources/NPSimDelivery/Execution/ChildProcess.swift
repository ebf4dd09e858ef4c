import Foundation

/// Runs a command as a child process (Foundation starts it in its own process group), keeps the last bytes of its output, and kills
/// the whole group when it outlives its timeout or the calling task is cancelled. Nothing blocks a thread while it waits.
public struct ChildProcess {
    public struct Outcome: Sendable {
        public let exitCode: Int32
        public let timedOut: Bool
        public let stdout: [UInt8]
        public let stderr: [UInt8]
        public let duration: Duration
    }

    /// `cmdline` is run by `/bin/sh -c`, so it may carry its own arguments; `arguments` follow as `"$@"`.
    public static func run(
        cmdline: String,
        arguments: [String],
        environment: [String: String],
        directory: String? = nil,
        timeout: Duration,
        tailLimit: Int
    ) async throws -> Outcome {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(cmdline) \"$@\"", "npsim-agent"] + arguments
        process.environment = environment
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let (stdout, stdoutContinuation) = Self.capture(process, \.standardOutput)
        let (stderr, stderrContinuation) = Self.capture(process, \.standardError)
        let (exits, exitContinuation) = AsyncStream.makeStream(of: Int32.self, bufferingPolicy: .bufferingNewest(1))
        process.terminationHandler = { finished in
            exitContinuation.yield(finished.terminationStatus)
            exitContinuation.finish()
        }
        let started = ContinuousClock.now
        try process.run()

        return await withTaskGroup(of: (String, [UInt8]).self) { group in
            group.addTask { ("stdout", await tail(stdout, limit: tailLimit)) }
            group.addTask { ("stderr", await tail(stderr, limit: tailLimit)) }
            let timedOut = await withTaskGroup(of: Bool.self) { race in
                race.addTask {
                    for await _ in exits { return false }
                    return false
                }
                race.addTask {
                    (try? await Task.sleep(for: timeout)) != nil
                }
                let first = await race.next() ?? false
                race.cancelAll()
                return first
            }
            // A timeout, or the caller cancelled (npsim is stopping): the command and its children go.
            if timedOut || Task.isCancelled {
                kill(-process.processIdentifier, SIGKILL)
                kill(process.processIdentifier, SIGKILL)
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while process.isRunning, ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(5)) }
            let duration = ContinuousClock.now - started
            // The output pipes end when every process holding them is gone; one that escaped the group, or a
            // process spawned concurrently that inherited a pipe, could hold them open, so wait at most 2 s more.
            group.addTask {
                try? await Task.sleep(for: .seconds(2))
                stdoutContinuation.finish()
                stderrContinuation.finish()
                return ("grace", [])
            }
            var outputs: [String: [UInt8]] = [:]
            while outputs["stdout"] == nil || outputs["stderr"] == nil, let (name, bytes) = await group.next() {
                outputs[name] = bytes
            }
            group.cancelAll()
            return Outcome(
                exitCode: process.isRunning ? -1 : process.terminationStatus,
                timedOut: timedOut,
                stdout: outputs["stdout"] ?? [],
                stderr: outputs["stderr"] ?? [],
                duration: duration
            )
        }
    }

    /// `text` as one single-quoted shell word.
    public static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    private static func capture(
        _ process: Process,
        _ keyPath: ReferenceWritableKeyPath<Process, Any?>
    )
        -> (AsyncStream<Data>, AsyncStream<Data>.Continuation)
    {
        let pipe = Pipe()
        process[keyPath: keyPath] = pipe
        return pipe.fileHandleForReading.chunks()
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
