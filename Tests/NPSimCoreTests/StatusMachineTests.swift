import Testing

@testable import NPSimCore

@Suite struct StatusMachineTests {
    @Test(arguments: [
        (ActionType.create, EntityStatus.pending, EntityStatus.creating),
        (.create, .failed, .creating),
        (.update, .active, .updating),
        (.delete, .active, .deleting),
        (.delete, .failed, .deleting),
        (.custom, .active, .active),
        (.custom, .pending, .pending),
    ])
    func startingAnActionMovesTheParent(type: ActionType, parent: EntityStatus, expected: EntityStatus) throws {
        #expect(try StatusMachine.parentStatus(startingAction: type, parent: parent, entity: "service") == expected)
    }

    @Test(arguments: [(ActionType.create, EntityStatus.active), (.update, .pending), (.custom, .deleted), (.create, .deleting)])
    func actionsThatCannotRunAreRefused(type: ActionType, parent: EntityStatus) {
        #expect(throws: APIError.self) { try StatusMachine.parentStatus(startingAction: type, parent: parent, entity: "service") }
    }

    @Test(arguments: [
        (ActionType.create, ActionStatus.success, EntityStatus.active as EntityStatus?),
        (.create, .failed, .failed),
        (.update, .success, .active),
        (.delete, .success, .deleted),
        (.delete, .failed, .failed),
        (.create, .inProgress, .creating),
        (.custom, .success, nil),
        (.custom, .failed, nil),
    ])
    func finishingAnActionSettlesTheParent(type: ActionType, status: ActionStatus, expected: EntityStatus?) {
        #expect(StatusMachine.parentStatus(after: type, reached: status) == expected)
    }

    @Test func finishedActionsStayFinishedUnlessRetryable() throws {
        #expect(throws: APIError.self) { try StatusMachine.checkActionTransition(from: .success, to: .inProgress, retryable: true) }
        #expect(throws: APIError.self) { try StatusMachine.checkActionTransition(from: .failed, to: .pending, retryable: false) }
        try StatusMachine.checkActionTransition(from: .failed, to: .inProgress, retryable: true)
        try StatusMachine.checkActionTransition(from: .pending, to: .success, retryable: false)
        try StatusMachine.checkActionTransition(from: .success, to: .success, retryable: false)
    }

    @Test(arguments: [
        ("Create MySQL", "create-mysql"), ("  users__queue!! ", "users-queue"), ("Café Ñandú", "café-ñandú"), ("数据 库", "数据-库"), ("!!!", ""),
    ])
    func slugsAreDerivedFromNames(name: String, slug: String) {
        #expect(Slug.from(name) == slug)
    }

    /// ASCII names take a shortcut over bytes; it must agree with the Unicode rules on every ASCII character.
    @Test func theASCIIShortcutAgreesWithTheUnicodeRules() {
        var generator = SystemRandomNumberGenerator()
        for length in 0..<200 {
            let name = String(decoding: (0..<length % 24).map { _ in UInt8.random(in: 0..<0x80, using: &generator) }, as: UTF8.self)
            let general = name.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: "-")
            #expect(Slug.fromASCII(name) == general, "\(Array(name.utf8))")
            #expect(Slug.from(name) == general)
        }
        let every = String(decoding: Array(0..<0x80), as: UTF8.self)
        #expect(Slug.fromASCII(every) == every.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).joined(separator: "-"))
    }
}
