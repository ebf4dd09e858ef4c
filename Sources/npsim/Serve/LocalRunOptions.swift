import ArgumentParser
import Foundation
import NPSimCore
import NPSimDelivery
import NPSimServer
import NPSimStandIns

/// `serve`'s options for what runs on this machine: local runs of mapped checkouts, and agent commands.
struct LocalRunOptions: ParsableArguments {
    @Option(
        help:
            "A local checkout of a provider resource: github:ACCOUNT/REPOSITORY=DIR, gitlab:PROJECT_ID=DIR or azure:ORGANIZATION/PROJECT/PIPELINE_ID=DIR; repeatable."
    )
    var checkout: [String] = []

    @Option(help: "The act executable that runs GitHub workflows of mapped checkouts [default: act on PATH].")
    var act: String?

    @Option(
        help:
            "Seconds a local workflow or pipeline run may take before it is stopped [default \(Defaults.server.localRuns.timeout.seconds.formatted)]."
    )
    var runTimeout: Double?

    @Option(help: "A tag of the local agent, key=value; an agent channel's selector must be among them; repeatable.")
    var agentTag: [String] = []

    @Option(help: "Seconds an agent command may run before it is stopped [default \(Defaults.server.agent.timeout.seconds.formatted)].")
    var agentTimeout: Double?

    func localRuns(_ sources: SettingSources) throws -> LocalRunSettings {
        var settings = LocalRunSettings(act: sources.string(act, "act"))
        if let timeout = try sources.seconds(runTimeout, "run-timeout") { settings.timeout = timeout }
        for mapping in sources.list(checkout, "checkout") {
            let parts = mapping.split(separator: "=", maxSplits: 1).map(String.init)
            let kind = parts.first?.split(separator: ":").first.map(String.init) ?? ""
            guard parts.count == 2, ["github", "gitlab", "azure"].contains(kind), parts[0].contains(":") else {
                throw ValidationError(
                    "--checkout must look like github:ACCOUNT/REPOSITORY=DIR, gitlab:PROJECT_ID=DIR or azure:ORG/PROJECT/PIPELINE_ID=DIR, got '\(mapping)'"
                )
            }
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: parts[1], isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ValidationError("--checkout \(parts[0]): '\(parts[1])' is not a directory")
            }
            settings.checkouts[parts[0]] = URL(fileURLWithPath: parts[1]).standardizedFileURL.path
        }
        return settings
    }

    func agent(_ sources: SettingSources) throws -> AgentSettings {
        var settings = AgentSettings()
        for tag in sources.list(agentTag, "agent-tag") {
            let parts = tag.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw ValidationError("--agent-tag must look like key=value, got '\(tag)'") }
            settings.tags[parts[0]] = parts[1]
        }
        if let timeout = try sources.seconds(agentTimeout, "agent-timeout") { settings.timeout = timeout }
        return settings
    }
}
