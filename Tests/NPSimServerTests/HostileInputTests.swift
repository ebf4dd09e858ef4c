import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NPSimCore
import Testing

/// What an attacker can try against the real binary: a hostile receiver, a page in the developer's browser, a
/// pathological pattern, idle and half-sent connections, malformed framing. npsim must answer each with a clear
/// 4xx or a bounded failure, keep serving, and restart cleanly.
@Suite struct HostileInputTests {
    static let support = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Support")

    /// The misbehaving receiver of `Tests/Support/hostile_receiver.py`, on a free loopback port.
    static func hostileReceiver() async throws -> (Process, String) {
        try await launchServer(executable: "/usr/bin/env", arguments: ["python3", support.appendingPathComponent("hostile_receiver.py").path])
    }

    @Test func hostileReceiversCannotCrashOrStallNpsimAndItRestartsCleanly() async throws {
        let (receiver, base) = try await Self.hostileReceiver()
        defer { receiver.forceStop() }
        let directory = try scratchDirectory("npsim-hostile")
        defer { try? FileManager.default.removeItem(at: directory) }
        let database = directory.appendingPathComponent("npsim.sqlite").path
        let arguments = ["--db", database, "--seed", Fixtures.directory, "--delivery-timeout", "2", "--retry-schedule", "0.1,0.1"]
        let server = try await NPSimProcess(arguments: arguments)
        let token = try await server.token()
        var paths: [String] = []
        for status in [301, 404, 429, 503] {
            for retryAfter in ["inf", "nan", "1e20", "-1", "Fri, 31 Dec 9999 23:59:59 GMT", "Mon, 01 Jan 1900 00:00:00 GMT", "-"] {
                paths.append("/status/\(status)/\(retryAfter.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "-")")
            }
        }
        paths += ["/trickle", "/endless", "/huge", "/reset", "/silent"]
        for path in paths {
            let reply = try await server.call(
                .POST,
                "/notification/channel",
                ["nrn": "organization=1", "type": "http", "configuration": ["url": .string(base + path)]],
                token: token
            )
            #expect(reply.status == 200, "\(JSONWriter.string(reply.json))")
        }
        let service = try await server.createMySQLService(named: "hostile", token: token)
        let action = try await server.runAction(on: service, Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"], token: token)
        #expect(action.status == 200, "\(JSONWriter.string(action.json))")

        // Every delivery ends (or waits for a retry) within the delivery timeout and the schedule; none stays in
        // flight, whatever the receiver answered or withheld.
        let started = ContinuousClock.now
        try await eventually(within: .seconds(40), "no delivery is in flight and each was attempted") {
            let all = try await server.call(.GET, "/_npsim/deliveries?limit=100", token: token).json["results"]?.arrayValue ?? []
            return all.count == paths.count && all.allSatisfy { $0["status"]?.stringValue != "in_flight" && ($0["attempts"]?.intValue ?? 0) > 0 }
        }
        #expect(ContinuousClock.now - started < .seconds(30))
        let all = try await server.call(.GET, "/_npsim/deliveries?limit=100", token: token).json["results"]?.arrayValue ?? []
        let horizon = Date().addingTimeInterval(3700)
        for delivery in all where delivery["status"]?.stringValue == "pending" {
            // A Retry-After of any size parks a delivery for an hour at most.
            let next = try #require(delivery["next_attempt_at"]?.stringValue.flatMap { try? Date($0, strategy: .iso8601) })
            #expect(next < horizon, "\(delivery)")
        }
        for path in ["/trickle", "/endless", "/silent"] {
            let channel = all.first { delivery in
                paths.firstIndex(of: path).map { delivery["channel_id"]?.intValue == $0 + 1 } ?? false
            }
            let log = try await server.call(.GET, "/_npsim/deliveries/\(channel?["id"]?.intValue ?? 0)", token: token).json["attempt_log"]?.arrayValue
            let attempt = try #require(log?.first)
            #expect((attempt["duration_ms"]?.doubleValue ?? 0) < 5000, "\(path): the timeout covers the whole exchange: \(attempt)")
            if path != "/endless" {
                // An endless body ends the attempt once the kept excerpt (64 KiB) has arrived; the others never get there.
                #expect(attempt["error"]?.stringValue?.contains("timed out") == true, "\(path): \(attempt)")
            }
        }
        let health = try await server.call(.GET, "/_npsim/health")
        #expect(health.status == 200)

        #expect(try await server.stop() == 0)
        let restarted = try await NPSimProcess(arguments: arguments)
        let again = try await restarted.call(.GET, "/_npsim/deliveries?limit=100", token: try await restarted.token())
        #expect(again.status == 200)
        #expect(again.json["paging"]?["total"]?.intValue == paths.count)
        #expect(try await restarted.stop() == 0)
    }

    @Test func crossSiteRequestsAreRefusedOnEveryKindOfRouteAndStoreNothing() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        let service = try await server.createMySQLService(named: "target", token: token)
        let servicesBefore = try #require(try await server.call(.GET, "/service", token: token).json["paging"]?["total"]?.intValue)
        let seed =
            #"{"channels":[{"nrn":"organization=1","type":"agent","configuration":{"command":{"type":"exec","data":{"cmdline":"touch /tmp/pwned"}}}}]}"#
        let routes: [(String, String)] = [
            ("/service", #"{"name":"x","specification_id":"\#(Fixtures.mysqlSpec)","entity_nrn":"\#(Fixtures.appNRN)"}"#),
            ("/_npsim/seed", seed),
            ("/ui/services/\(service)/actions", "specification_id=\(Fixtures.getCredentials)&ttl_minutes=30"),
            ("/_gitlab/api/v4/projects/1/trigger/pipeline", "token=t&ref=main"),
        ]
        let contentTypes = ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json"]
        let sites: [[(String, String)]] = [
            [("Origin", "https://evil.example")], [("Origin", "null")], [("Sec-Fetch-Site", "cross-site")],
            [("Referer", "https://evil.example/page")],
        ]
        for (path, body) in routes {
            for contentType in contentTypes {
                for site in sites {
                    let reply = try await server.send(
                        .POST,
                        path,
                        headers: [("Content-Type", contentType)] + site,
                        body: Array(body.utf8),
                        token: path.hasPrefix("/ui") ? nil : token
                    )
                    #expect(reply.status == 403, "\(path) \(contentType) \(site): \(reply.status) \(JSONWriter.string(reply.json))")
                    #expect(reply.json["code"]?.stringValue == "forbidden")
                }
            }
        }
        // A page on a name that resolves to 127.0.0.1 (DNS rebinding) is refused whatever it asks.
        let rebound = try await server.send(.GET, "/service", headers: [("Host", "evil.example:4466")], token: token)
        #expect(rebound.status == 421, "\(JSONWriter.string(rebound.json))")
        #expect(rebound.json["code"]?.stringValue == "misdirected_request")
        // Without a browser's headers a program still needs the token, and a JSON endpoint JSON.
        #expect(try await server.send(.POST, "/_npsim/seed", headers: [("Content-Type", "application/json")], body: Array(seed.utf8)).status == 401)
        let plain = try await server.send(.POST, "/_npsim/seed", headers: [("Content-Type", "text/plain")], body: Array(seed.utf8), token: token)
        #expect(plain.status == 415, "\(JSONWriter.string(plain.json))")
        #expect(plain.json["code"]?.stringValue == "unsupported_media_type")
        #expect(try await server.send(.POST, "/_npsim/deliveries/1/retry").status == 401)
        // The dashboard's own pages may still post (same origin).
        let own = try await server.send(
            .POST,
            "/ui/services/\(service)/actions",
            headers: [("Content-Type", "application/x-www-form-urlencoded"), ("Origin", server.url), ("Sec-Fetch-Site", "same-origin")],
            body: Array("specification_id=\(Fixtures.createMySQL)&version=8.4&size=small".utf8)
        )
        #expect(own.status == 303 || own.status == 200, "the form's redirect (followed by the client) and not a refusal")
        // Nothing the refused requests carried was stored.
        #expect(try await server.call(.GET, "/notification/channel", token: token).json["paging"]?["total"] == 0)
        #expect(try await server.call(.GET, "/service", token: token).json["paging"]?["total"]?.intValue == servicesBefore)
        #expect(try await server.call(.GET, "/service/\(service)/action", token: token).json["paging"]?["total"] == 1)
        #expect(try await server.call(.GET, "/_npsim/providers/runs", token: token).json["paging"]?["total"] == 0)
        #expect(try await server.stop() == 0)
    }

    @Test func anotherOrganizationsTokenFindsNothingAndChangesNothing() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let operatorToken = try await server.token()
        let service = try await server.createMySQLService(named: "theirs", token: operatorToken)
        let key = try await server.call(
            .POST,
            "/api_key",
            ["name": "org 99", "grants": [["nrn": "organization=99", "role_slug": "developer"]]],
            token: operatorToken
        )
        let secret = try #require(key.json["api_key"]?.stringValue)
        let keyId = try #require(key.json["id"]?.intValue)
        let other = try #require(try await server.call(.POST, "/token", ["apikey": .string(secret)]).json["access_token"]?.stringValue)

        #expect(try await server.call(.GET, "/service/\(service)", token: other).status == 404)
        #expect(try await server.call(.PATCH, "/service/\(service)", ["name": "renamed"], token: other).status == 404)
        #expect(try await server.call(.DELETE, "/service/\(service)?force=true", token: other).status == 404)
        let run = try await server.runAction(on: service, Fixtures.createMySQL, parameters: ["version": "8.4", "size": "small"], token: other)
        #expect(run.status == 404)
        #expect(try await server.call(.GET, "/service", token: other).json["paging"]?["total"] == 0)
        #expect(try await server.call(.GET, "/service_specification/\(Fixtures.mysqlSpec)", token: other).status == 404)
        let channel = try await server.call(
            .POST,
            "/notification/channel",
            ["nrn": "organization=1", "type": "http", "configuration": ["url": "http://127.0.0.1:9/"]],
            token: other
        )
        #expect(channel.status == 403, "\(JSONWriter.string(channel.json))")
        let keys = try await server.call(.GET, "/api_key", token: other).json["results"]?.arrayValue ?? []
        #expect(keys.map { $0["id"]?.intValue } == [keyId])
        let mint = try await server.call(.POST, "/api_key", ["name": "escalate", "grants": [["nrn": "organization=1"]]], token: other)
        #expect(mint.status == 403)
        #expect(try await server.call(.GET, "/notification", token: other).json["paging"]?["total"] == 0)
        #expect(try await server.call(.GET, "/_npsim/deliveries", token: other).json["paging"]?["total"] == 0)
        #expect(try await server.call(.GET, "/organization/1", token: other).status == 404)
        // The service is untouched.
        let stored = try await server.call(.GET, "/service/\(service)", token: operatorToken).json
        #expect(stored["name"]?.stringValue == "theirs")
        #expect(stored["status"]?.stringValue == "pending")
        // Deleting a key stops its tokens at once.
        #expect(try await server.call(.GET, "/api_key", token: other).status == 200)
        #expect(try await server.call(.DELETE, "/api_key/\(keyId)", token: operatorToken).status == 204)
        #expect(try await server.call(.GET, "/api_key", token: other).status == 401)
        #expect(try await server.stop() == 0)
    }

    @Test func pathologicalPatternsAnswerAtOnceWhileOtherWritesFlow() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--seed", Fixtures.directory])
        let token = try await server.token()
        let evil = "^(a+)+$"
        let input = String(repeating: "a", count: 5000) + "b"
        // Refused when saved: what needs backtracking, named by its field.
        let lookahead = try await server.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1", "type": "http", "configuration": ["url": "http://127.0.0.1:9/"],
                "filters": ["parameters.p": ["$regex": "(?=a)a"]],
            ],
            token: token
        )
        #expect(lookahead.status == 400)
        #expect(lookahead.json["message"]?.stringValue?.contains("filters.parameters.p.$regex") == true, "\(lookahead.json)")
        // Accepted, and bounded: the exponential pattern runs in linear time.
        let channel = try await server.call(
            .POST,
            "/notification/channel",
            [
                "nrn": "organization=1", "type": "http", "configuration": ["url": "http://127.0.0.1:9/"],
                "filters": ["parameters.p": ["$regex": .string(evil)]],
            ],
            token: token
        )
        #expect(channel.status == 200, "\(JSONWriter.string(channel.json))")
        let specification = try await server.call(
            .POST,
            "/service_specification/\(Fixtures.mysqlSpec)/action_specification",
            [
                "name": "Pattern", "type": "custom",
                "parameters": ["schema": ["type": "object", "properties": ["p": ["type": "string", "pattern": .string(evil)]]], "values": [:]],
                "results": ["schema": ["type": "object", "properties": [:]], "values": [:]],
            ],
            token: token
        )
        let specificationId = try #require(specification.json["id"]?.stringValue, "\(JSONWriter.string(specification.json))")
        let service = try await server.createMySQLService(named: "patterns", active: true, token: token)
        let badLookbehind = try await server.call(
            .PATCH,
            "/service_specification/\(Fixtures.mysqlSpec)/action_specification/\(specificationId)",
            ["parameters": ["schema": ["type": "object", "properties": ["p": ["type": "string", "pattern": "(?<=a)b"]]], "values": [:]]],
            token: token
        )
        #expect(badLookbehind.status == 400)
        #expect(badLookbehind.json["message"]?.stringValue?.contains("parameters.schema.properties.p.pattern") == true, "\(badLookbehind.json)")

        // While the pattern is evaluated, another client's writes keep flowing.
        try await withThrowingTaskGroup(of: Duration.self) { group in
            group.addTask {
                let clock = ContinuousClock.now
                let reply = try await server.runAction(on: service, specificationId, parameters: ["p": .string(input)], token: token)
                #expect(reply.status == 400, "the input does not match, and says so: \(JSONWriter.string(reply.json))")
                return ContinuousClock.now - clock
            }
            group.addTask {
                let clock = ContinuousClock.now
                for index in 0..<20 { _ = try await server.createMySQLService(named: "writer-\(index)", token: token) }
                return ContinuousClock.now - clock
            }
            // About 10 ms each on an idle machine; a backtracking engine takes minutes on this input. The bound leaves
            // room for 2 cores busy with the rest of the suite, where 20 writes have taken up to 13 s.
            for try await elapsed in group { #expect(elapsed < .seconds(30)) }
        }
        // A matching value routes through the filter (to a dead port; the routing is what counts).
        let matching = try await server.runAction(
            on: service,
            specificationId,
            parameters: ["p": .string(String(repeating: "a", count: 5000))],
            token: token
        )
        #expect(matching.status == 200, "\(JSONWriter.string(matching.json))")
        try await eventually("the notification was routed to the filtered channel") {
            let list = try await server.call(.GET, "/_npsim/deliveries", token: token).json
            return list["results"]?.arrayValue?.contains { $0["channel_id"] == channel.json["id"] } == true
        }
        #expect(try await server.stop() == 0)
    }

    @Test func idleAndHalfSentConnectionsAreClosedAndTheCapKeepsNpsimServing() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory", "--idle-timeout", "1", "--max-connections", "4"])
        let port = try #require(URL(string: server.url)?.port)
        // Four connections take every slot: two send nothing, one half a request line, one a head and half a body.
        var sockets: [Int32] = []
        for partial in [
            "", "", "GET /_npsim/hea", "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        ] {
            let socket = try RawSocket.connect(port: port)
            if !partial.isEmpty { try RawSocket.send(socket, partial) }
            sockets.append(socket)
        }
        defer { for socket in sockets { close(socket) } }
        // npsim closes each of them, and answers a new connection.
        let clock = ContinuousClock.now
        for socket in sockets {
            #expect(try await RawSocket.waitForClose(socket, within: .seconds(5)), "a connection was left open")
        }
        #expect(ContinuousClock.now - clock < .seconds(5))
        let health = try await server.call(.GET, "/_npsim/health")
        #expect(health.status == 200)
        #expect(try await server.stop() == 0)
    }

    @Test func malformedFramingIsABadRequest() async throws {
        let server = try await NPSimProcess(arguments: ["--in-memory"])
        let port = try #require(URL(string: server.url)?.port)
        let socket = try RawSocket.connect(port: port)
        defer { close(socket) }
        try RawSocket.send(
            socket,
            "POST /token HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n"
        )
        let answer = try await RawSocket.readAll(socket, within: .seconds(5))
        #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer)")
        #expect(!answer.contains("please report"), "\(answer)")
        #expect(try await server.call(.GET, "/_npsim/health").status == 200)
        #expect(try await server.stop() == 0)
    }
}

extension NPSimProcess {
    /// One request with exactly these headers and body bytes (nothing added but `Authorization` for a token).
    func send(
        _ method: HTTPMethod,
        _ path: String,
        headers: [(String, String)] = [],
        body: [UInt8]? = nil,
        token: String? = nil
    ) async throws -> (status: Int, json: JSONValue) {
        var request = HTTPClientRequest(url: url + path)
        request.method = method
        for (name, value) in headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await Self.client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 16 << 20)
        return (Int(response.status.code), (try? JSONParser.parse(bytes.readableBytesView)) ?? .null)
    }
}

/// A TCP connection driven byte by byte, for what no HTTP client sends: half requests, broken framing.
enum RawSocket {
    static func connect(port: Int) throws -> Int32 {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw TestFailure("cannot connect to 127.0.0.1:\(port): errno \(errno)") }
        return socket
    }

    static func send(_ socket: Int32, _ text: String) throws {
        let bytes = Array(text.utf8)
        guard Glibc.send(socket, bytes, bytes.count, Int32(MSG_NOSIGNAL)) == bytes.count else { throw TestFailure("send failed: errno \(errno)") }
    }

    /// Whether the peer closed the connection (a read returns end of file or a reset) within the deadline.
    static func waitForClose(_ socket: Int32, within deadline: Duration) async throws -> Bool {
        let end = ContinuousClock.now + deadline
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EWOULDBLOCK) { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }

    /// Everything the peer sends until it closes, or until the deadline.
    static func readAll(_ socket: Int32, within deadline: Duration) async throws -> String {
        let end = ContinuousClock.now + deadline
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while ContinuousClock.now < end {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count > 0 {
                received += buffer[0..<count]
            } else if count == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) {
                break
            } else {
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        return String(decoding: received, as: UTF8.self)
    }
}
