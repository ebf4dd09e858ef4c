import Foundation
import NPSimCore
import Testing

/// `npsim serve --tls`, reached as nullplatform's clients reach the real platform: over HTTPS, as
/// `api.nullplatform.com`, by clients that trust only npsim's CA (curl, Python's `ssl`, and Node's `https`, the
/// runtime of the `np` CLI).
@Suite struct TLSTests {
    /// Runs a client program to its end and returns what it printed; a missing program fails naming its install step.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, output: String)
    {
        let found =
            executable.contains("/") ? (FileManager.default.isExecutableFile(atPath: executable) ? executable : nil) : executableOnPath(executable)
        guard let path = found else {
            throw TestFailure(
                "\(executable) is not installed: ./scripts/setup installs it (apt-get install \(executable == "node" ? "nodejs" : executable))"
            )
        }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("npsim-client-\(UUID().uuidString).txt")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        try await eventually(within: .seconds(30), "\(executable) finished") { !process.isRunning }
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    @Test func curlPythonAndNodeReachNpsimAsApiNullplatformComTrustingOnlyItsCA() async throws {
        let directory = try scratchDirectory("npsim-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = ["--db", database, "--seed", Fixtures.directory, "--tls", "--tls-port", "0"]
        let server = try await NPSimProcess(arguments: arguments)
        let secure = try #require(try await server.call(.GET, "/_npsim/health").json["https"]?.stringValue)
        let port = try #require(secure.split(separator: ":").last.map(String.init))
        let authority = directory.appendingPathComponent("tls/ca.pem").path
        #expect(FileManager.default.fileExists(atPath: authority))
        let host = "api.nullplatform.com"

        // curl, with the platform's name resolved to loopback and only npsim's CA trusted.
        let curl = try await Self.run(
            "curl",
            [
                "-sS", "--fail-with-body", "--resolve", "\(host):\(port):127.0.0.1", "--cacert", authority, "-X", "POST",
                "https://\(host):\(port)/token", "-H", "Content-Type: application/json", "-d", "{\"apikey\":\"\(server.apiKey)\"}",
            ]
        )
        #expect(curl.status == 0, "\(curl.output)")
        let token = try #require(try JSONParser.parse(curl.output)["access_token"]?.stringValue, "\(curl.output)")
        // Without the CA, curl refuses the certificate: it is npsim's CA that is trusted, not anything.
        let untrusted = try await Self.run(
            "curl",
            [
                "-sS", "--resolve", "\(host):\(port):127.0.0.1", "--capath", "/nonexistent", "--cacert", "/dev/null",
                "https://\(host):\(port)/_npsim/health",
            ]
        )
        #expect(untrusted.status != 0)

        // Python's ssl: hostname checked against the certificate, CA file only.
        let python = try await Self.run(
            "python3",
            [
                "-c",
                """
                import json, socket, ssl, http.client
                context = ssl.create_default_context(cafile="\(authority)")
                connection = http.client.HTTPSConnection("\(host)", \(port), context=context)
                connection.sock = context.wrap_socket(socket.create_connection(("127.0.0.1", \(port))), server_hostname="\(host)")
                connection.request("GET", "/service_specification", headers={"Authorization": "Bearer \(token)"})
                response = connection.getresponse()
                print(response.status, json.loads(response.read())["paging"]["total"])
                """,
            ]
        )
        #expect(python.status == 0, "\(python.output)")
        #expect(python.output.hasPrefix("200 "), "\(python.output)")

        // Node's https, as the np CLI runs, trusting npsim's CA through NODE_EXTRA_CA_CERTS.
        let node = try await Self.run(
            "node",
            [
                "-e",
                """
                const https = require('https');
                https.get({ host: '127.0.0.1', servername: '\(host)', port: \(port), path: '/service',
                            headers: { Host: '\(host)', Authorization: 'Bearer \(token)' } }, (response) => {
                  let body = '';
                  response.on('data', (chunk) => body += chunk);
                  response.on('end', () => { console.log(response.statusCode, JSON.parse(body).paging.total); });
                }).on('error', (error) => { console.log('error', error.message); process.exit(1); });
                """,
            ],
            environment: ["NODE_EXTRA_CA_CERTS": authority]
        )
        #expect(node.status == 0, "\(node.output)")
        #expect(node.output.hasPrefix("200 "), "\(node.output)")

        // A restart keeps the CA, so clients that trust it keep working.
        let before = try String(contentsOfFile: authority, encoding: .utf8)
        #expect(try await server.stop() == 0)
        let restarted = try await NPSimProcess(arguments: arguments)
        #expect(try String(contentsOfFile: authority, encoding: .utf8) == before)
        let again = try #require(try await restarted.call(.GET, "/_npsim/health").json["https"]?.stringValue)
        let againPort = try #require(again.split(separator: ":").last.map(String.init))
        let health = try await Self.run(
            "curl",
            ["-sS", "--fail", "--resolve", "\(host):\(againPort):127.0.0.1", "--cacert", authority, "https://\(host):\(againPort)/_npsim/health"]
        )
        #expect(health.status == 0, "\(health.output)")
        // `npsim tls ca` names the same file.
        let named = try await Self.run(NPSimProcess.binary, ["tls", "ca", "--db", database])
        #expect(named.status == 0)
        #expect(named.output.trimmingCharacters(in: .whitespacesAndNewlines) == authority)
        #expect(try await restarted.stop() == 0)
    }

    @Test func aCertificateOfTheUsersIsServedInstead() async throws {
        let directory = try scratchDirectory("npsim-tls")
        defer { try? FileManager.default.removeItem(at: directory) }
        let certificate = directory.appendingPathComponent("mine.pem").path
        let key = directory.appendingPathComponent("mine-key.pem").path
        let openssl = try await Self.run(
            "openssl",
            [
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", key, "-out", certificate,
            ]
        )
        #expect(openssl.status == 0, "\(openssl.output)")
        let server = try await NPSimProcess(arguments: ["--in-memory", "--tls-cert", certificate, "--tls-key", key, "--tls-port", "0"])
        let secure = try #require(try await server.call(.GET, "/_npsim/health").json["https"]?.stringValue)
        let port = try #require(secure.split(separator: ":").last.map(String.init))
        let health = try await Self.run("curl", ["-sS", "--fail", "--cacert", certificate, "https://localhost:\(port)/_npsim/health"])
        #expect(health.status == 0, "\(health.output)")
        #expect(try await server.stop() == 0)
    }
}
