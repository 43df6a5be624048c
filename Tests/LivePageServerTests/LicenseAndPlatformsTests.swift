import Foundation
import Testing

/// What a newcomer looks for before anything else: the licence, and whether their machine
/// can run LivePage at all.
@Suite struct LicenseAndPlatformsTests {
    static func file(_ name: String) throws -> String {
        try String(contentsOfFile: ReadmeExampleTests.packageRoot + "/" + name, encoding: .utf8)
    }

    /// The standard Apache License 2.0 text, its appendix's copyright line filled in.
    @Test func theLicenseIsTheApacheLicense2() throws {
        let license = try Self.file("LICENSE")
        #expect(license.hasPrefix("\n                                 Apache License\n                           Version 2.0, January 2004\n"))
        #expect(license.split(separator: "\n", omittingEmptySubsequences: false).count == 203, "not the whole standard text")
        for clause in ["1. Definitions.", "4. Redistribution.", "9. Accepting Warranty or Additional Liability.", "END OF TERMS AND CONDITIONS"] {
            #expect(license.contains(clause), "\(clause)")
        }
        #expect(license.contains("\n   Copyright 2026 The LivePage authors\n"))
        #expect(!license.contains("[yyyy]"))
    }

    @Test func theReadmeStatesTheLicenseAndTheSupportedPlatforms() throws {
        let readme = try Self.file("README.md")
        let top = String(readme.prefix(2500))
        for words in ["Linux only", "epoll", "x86_64", "aarch64", "Swift 6", "Apache License 2.0", "(LICENSE)"] {
            #expect(top.contains(words), "the top of the README does not say \(words)")
        }
    }
}
