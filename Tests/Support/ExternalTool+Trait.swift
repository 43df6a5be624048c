public import Testing

extension Trait where Self == ConditionTrait {
    /// Runs the test or suite only where every one of `tools` is installed.
    ///
    /// Where one is missing, the test (or every test of the suite) is skipped with one
    /// line naming it and how to install it (``ExternalTool/missingLine``); with
    /// `LIVEPAGE_REQUIRE_TOOLS=1` it fails with that line instead.
    ///
    /// The line is chosen when the trait is made, from which programs are found; Python
    /// modules, which take a run of `python3` to check, are checked only when the test is
    /// about to run, so list them after the programs.
    /// - Parameter tools: What the test runs.
    public static func requires(_ tools: ExternalTool...) -> Self {
        let missing = tools.first { !$0.programIsFound } ?? tools.last
        return .enabled(missing.map { Comment(rawValue: $0.missingLine) }) {
            for tool in tools where !(await tool.isInstalled) {
                if ExternalTool.areRequired { throw MissingToolError(tool: tool) }
                return false
            }
            return true
        }
    }
}
