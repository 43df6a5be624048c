import Foundation
import LivePageEvents
import Testing

/// The rules for attributes from page input are kept at both ends, in `Attribute` and in
/// `livepage.js`, which applies them to every event from input whatever server sent it.
/// The two lists of names must not drift apart.
@Suite(.timeLimit(.minutes(1)))
struct InputRulesInLivePageJSTests {
    /// The strings of the JavaScript `const <name> = new Set([...]);` in livepage.js.
    static func set(named name: String) throws -> Set<String> {
        let source = try String(contentsOfFile: ReadmeExampleTests.packageRoot + "/Resources/livepage.js", encoding: .utf8)
        let start = try #require(source.firstRange(of: "const \(name) = new Set(["), "no \(name) in livepage.js")
        let end = try #require(source[start.upperBound...].firstRange(of: "]);"))
        let list = source[start.upperBound..<end.lowerBound]
        return Set(
            list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }.map {
                String($0.dropFirst().dropLast())
            })
    }

    /// Class names and `limit` are checked at both ends too, by the same pattern and bounds.
    @Test func livePageJSChecksClassNamesAndLimitsAsTheServerDoes() throws {
        let source = try String(contentsOfFile: ReadmeExampleTests.packageRoot + "/Resources/livepage.js", encoding: .utf8)
        #expect(source.contains("const CLASS_NAME = /^[A-Za-z_-][A-Za-z0-9_-]{0,\(ClassNames.maximumLength - 1)}$/;"))
        #expect(source.contains("const CLASS_NAMES_MAX = \(ClassNames.maximumCount);"))
        #expect(source.contains("const CHILD_LIMIT_MAX = \(Append.limits.upperBound);"))
        #expect(Append.limits == Prepend.limits && Append.limits.lowerBound == 1)
    }

    @Test func livePageJSGuardsTheSameAttributesAsTheServer() throws {
        #expect(try Self.set(named: "GUARDED_ATTRIBUTES") == Attribute.guardedFromInput)
        #expect(try Self.set(named: "FORBIDDEN_ATTRIBUTES") == Attribute.forbiddenFromInput)
        #expect(try Self.set(named: "URL_ATTRIBUTES") == Attribute.urlAttributes)
    }
}
