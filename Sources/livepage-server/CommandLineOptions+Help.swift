import LivePageServer

extension CommandLineOptions {
    /// The text of `--help`: what the command does, then every option by topic, each with
    /// its environment variable and its default.
    static var help: String {
        var text = """
            Usage: livepage-server [options]

            Runs a LivePage server: pages long-poll it for DOM events, send input and see who
            is online, and backends publish to it over HTTP. Serves a demo at / unless
            --no-demo.

            Every setting can also be given by the environment variable in brackets; an option
            given here wins. A repeatable option's variable takes values separated by commas.

            """
        for group in groups {
            text += "\n\(group.title):\n"
            for option in group.options {
                var flag = "  --\(option.name)" + (option.valueName.map { " \($0)" } ?? "")
                if option.readsEnvironment {
                    flag += String(repeating: " ", count: max(2, 34 - flag.count)) + "[\(option.environmentVariable)]"
                }
                text += flag + "\n"
                for line in wrapped(option.help, width: 82) + wrapped(option.defaultValue.map { "default: \($0)" } ?? "", width: 82) {
                    text += "      " + line + "\n"
                }
            }
        }
        return text
    }

    /// The text of `--version`.
    static var version: String {
        "livepage-server \(LivePageServer.version) (LivePage protocol 1)\n"
    }

    /// `text` broken at spaces into lines of at most `width` characters (a longer word
    /// gets a line of its own).
    private static func wrapped(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty, line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }
}
