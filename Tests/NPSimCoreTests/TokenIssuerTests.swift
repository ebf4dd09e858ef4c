import Foundation
import Testing

@testable import NPSimCore

@Suite struct TokenIssuerTests {
    let issuer = TokenIssuer(secret: Array("0123456789abcdef0123456789abcdef".utf8))

    @Test func issuedTokensVerifyAndCarryTheOrganizationInCognitoGroups() throws {
        let (token, _) = issuer.issue(apiKeyId: 7, organizationId: "42", use: .access)
        let claims = try issuer.verify(token, as: .access)
        #expect(claims.apiKeyId == 7 && claims.organizationId == "42")
        let payload = try JSONParser.parse(Base64URL.decode(token.split(separator: ".")[1])!)
        #expect(payload["cognito:groups"] == ["@nullplatform/organization=42"])
    }

    @Test func expiredTamperedForeignAndMisusedTokensAreRefused() {
        let past = Date().addingTimeInterval(-7200)
        let expired = issuer.issue(apiKeyId: 1, organizationId: "1", use: .access, now: past).token
        #expect(throws: APIError.self) { try issuer.verify(expired, as: .access) }
        let token = issuer.issue(apiKeyId: 1, organizationId: "1", use: .access).token
        #expect(throws: APIError.self) { try issuer.verify(token + "x", as: .access) }
        #expect(throws: APIError.self) { try TokenIssuer(secret: Array("another key".utf8)).verify(token, as: .access) }
        #expect(throws: APIError.self) { try issuer.verify(token, as: .refresh) }
        #expect(throws: APIError.self) { try issuer.verify("not-a-jwt", as: .access) }
    }
}

@Suite struct TokenIssuerCacheTests {
    let issuer = TokenIssuer(secret: Array("0123456789abcdef0123456789abcdef".utf8))

    /// A token verified once is still refused for the wrong use and once it expires.
    @Test func aVerifiedTokenIsStillCheckedForUseAndExpiry() throws {
        let issued = Date()
        let (token, expiresAt) = issuer.issue(apiKeyId: 3, organizationId: "9", use: .access, now: issued)
        #expect(try issuer.verify(token, as: .access, now: issued).apiKeyId == 3)
        #expect(try issuer.verify(token, as: .access, now: issued).organizationId == "9")
        #expect(throws: APIError.self) { try issuer.verify(token, as: .refresh, now: issued) }
        #expect(throws: APIError.self) { try issuer.verify(token, as: .access, now: expiresAt.addingTimeInterval(1)) }
    }
}
