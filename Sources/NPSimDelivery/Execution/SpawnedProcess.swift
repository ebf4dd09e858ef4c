import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A child process that starts clean and can always be stopped, gracefully first.
///
/// npsim's threads block most signals (SwiftNIO's do), and `posix_spawn` hands the caller's signal mask and ignored
/// signals down to the child unless told otherwise, as Foundation's `Process` does not: its children could not be
/// stopped with SIGTERM or Ctrl-C, and their own children inherited the same deafness. So every child npsim starts
/// (agent commands, local runs, init scripts, the demo's runner) is spawned here, with an empty signal mask, every
/// signal at its default disposition, standard input from `/dev/null`, and a process group of its own, which
/// ``stop(grace:)`` signals as a whole: SIGTERM, then SIGKILL to whatever is left after the grace period. Every child
/// sees `NPSIM=true`, so a runner's script can tell it runs under npsim (and skip, say, installing nullplatform's CLI).
public final class SpawnedProcess: Sendable {
    /// The child's process id, which is also its process group's id.
    public let pid: pid_t
    /// What the child writes to standard output (and to standard error, when ``StandardError/merged``).
    public let output: AsyncStream<Data>
    /// What the child writes to standard error, when ``StandardError/separate``; otherwise an empty stream.
    public let errors: AsyncStream<Data>
    /// Finishing these ends ``output`` and ``errors`` early, for pipes a grandchild keeps open after the child exited.
    private let continuations: [AsyncStream<Data>.Continuation]
    private let status = Mutex<Int32?>(nil)
    /// Whether the child leads a process group of its own, which ``stop(grace:)`` then signals as a whole.
    private let leadsGroup: Bool

    /// An error of the spawn itself (no such file, too many processes); the command never ran.
    public struct SpawnError: Error, CustomStringConvertible {
        public let description: String
    }

    /// Where the child's standard error goes.
    public enum StandardError: Sendable {
        case merged, separate, discarded
    }

    /// Starts `executable` (a path, or a name looked up in `PATH`) with `arguments`.
    ///
    /// With `ownGroup: false` the child stays in the caller's process group: `np` runs a runner's scripts that way,
    /// so stopping the agent command that started `np` (whose group npsim signals) stops the scripts too.
    public init(
        executable: String,
        arguments: [String],
        environment: [String: String],
        standardError: StandardError,
        ownGroup: Bool = true
    ) throws {
        let (readEnd, writeEnd) = try Self.makePipe()
        let (errorReadEnd, errorWriteEnd) = standardError == .separate ? try Self.makePipe() : (-1, -1)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        switch standardError {
        case .merged: posix_spawn_file_actions_adddup2(&actions, writeEnd, 2)
        case .separate: posix_spawn_file_actions_adddup2(&actions, errorWriteEnd, 2)
        case .discarded: posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | (ownGroup ? POSIX_SPAWN_SETPGROUP : 0)))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.merging(["NPSIM": "true"]) { $1 }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let status =
            executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        close(writeEnd)
        if errorWriteEnd >= 0 { close(errorWriteEnd) }
        guard status == 0 else {
            close(readEnd)
            if errorReadEnd >= 0 { close(errorReadEnd) }
            throw SpawnError(description: "cannot start \(executable): \(String(cString: strerror(status)))")
        }
        self.pid = pid
        leadsGroup = ownGroup
        let (output, outputContinuation) = FileHandle(fileDescriptor: readEnd, closeOnDealloc: true).chunks()
        let (errors, errorsContinuation) =
            errorReadEnd >= 0 ? FileHandle(fileDescriptor: errorReadEnd, closeOnDealloc: true).chunks() : AsyncStream.makeStream(of: Data.self)
        if errorReadEnd < 0 { errorsContinuation.finish() }
        (self.output, self.errors, continuations) = (output, errors, [outputContinuation, errorsContinuation])
        startWaiting()
    }

    /// Ends ``output`` and ``errors`` now, whoever still holds the pipes open.
    public func abandonOutput() {
        for continuation in continuations { continuation.finish() }
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard Glibc.pipe(&fds) == 0 else { throw SpawnError(description: "cannot create a pipe: \(String(cString: strerror(errno)))") }
        // Neither end may leak into another child spawned meanwhile: its copy would keep the pipe open.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// The exit status, once the child has exited: the code it exited with, or 128 plus the signal that ended it,
    /// as a shell reports it.
    public var exitStatus: Int32 {
        get async {
            while true {
                if let status = status.withLock({ $0 }) { return status }
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
    }

    /// Whether the child exits within `duration`; `false` at once when the calling task is cancelled. Polls the
    /// status the waiting thread stores every few milliseconds: waiting on that thread directly could not be
    /// cancelled.
    public func hasExited(within duration: Duration) async -> Bool {
        let deadline = ContinuousClock.now + duration
        var pause = Duration.milliseconds(1)
        while status.withLock({ $0 }) == nil {
            guard !Task.isCancelled, ContinuousClock.now < deadline else { return false }
            try? await Task.sleep(for: min(pause, deadline - ContinuousClock.now))
            pause = min(pause * 2, .milliseconds(50))
        }
        return true
    }

    /// Stops the child and everything in its process group: SIGTERM, then SIGKILL if anything is left after
    /// `grace`. Returns once the child itself has exited.
    public func stop(grace: Duration) async {
        let target = leadsGroup ? -pid : pid
        kill(target, SIGTERM)
        _ = await hasExited(within: grace)
        // Whether or not the child is gone, what is left of its group gets no longer than the child did.
        kill(target, SIGKILL)
        _ = await exitStatus
    }

    /// Blocks a thread of its own (never one of the cooperative pool) in `waitpid` until the child exits.
    private func startWaiting() {
        let pid = self.pid
        let waiter = Thread { [self] in
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0, errno == EINTR {}
            // WIFEXITED / WEXITSTATUS / WTERMSIG, which Swift does not import as functions.
            let signal = raw & 0x7f
            status.withLock { $0 = signal == 0 ? (raw >> 8) & 0xff : 128 + signal }
        }
        waiter.name = "npsim-child-wait"
        waiter.start()
    }
}
