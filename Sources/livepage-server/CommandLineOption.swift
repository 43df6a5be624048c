import LivePageServer

/// One setting of the `livepage-server` command: a flag, its environment variable, its
/// help line, and how its value changes the configuration.
struct CommandLineOption: Sendable {
    /// The flag without dashes, such as `port`.
    let name: String
    /// The placeholder for its value in the help, or `nil` for a flag without a value.
    let valueName: String?
    /// What it does, with its default, for `--help`.
    let help: String
    /// Whether it may be given several times (each adds a value).
    var isRepeatable = false
    /// Applies one value; throws a phrase saying what the value must be.
    let apply: @Sendable (inout LivePageServer.Configuration, String) throws(OptionValueError) -> Void

    /// The environment variable, such as `LIVEPAGE_PORT`.
    var environmentVariable: String { Self.environmentVariable(of: name) }

    /// The environment variable of the option `name`: `port` is `LIVEPAGE_PORT`.
    static func environmentVariable(of name: String) -> String {
        "LIVEPAGE_" + name.uppercased().replacing("-", with: "_")
    }
}

/// What a value must be, as a phrase following the option's name.
struct OptionValueError: Error {
    let requirement: String
}

extension CommandLineOption {
    /// An option taking a whole number in `range`.
    static func integer(
        _ name: String, _ help: String, in range: ClosedRange<Int> = 1...Int.max,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, Int) -> Void
    ) -> CommandLineOption {
        CommandLineOption(name: name, valueName: "N", help: help) { configuration, text throws(OptionValueError) in
            guard let value = Int(text), range.contains(value) else {
                throw OptionValueError(requirement: range.upperBound == .max
                    ? "must be a whole number of at least \(range.lowerBound)"
                    : "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            set(&configuration, value)
        }
    }

    /// An option taking a duration in seconds (fractions allowed), at least `minimum`.
    static func seconds(
        _ name: String, _ help: String, minimum: Double = 0,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, Duration) -> Void
    ) -> CommandLineOption {
        CommandLineOption(name: name, valueName: "SECONDS", help: help) { configuration, text throws(OptionValueError) in
            guard let value = Double(text), value.isFinite, value >= minimum, value <= 86_400 else {
                throw OptionValueError(requirement: "must be a number of seconds from \(minimum.formatted) to 86400")
            }
            set(&configuration, .milliseconds(Int((value * 1000).rounded())))
        }
    }

    /// An option taking text, checked later by the configuration's own validation.
    static func text(
        _ name: String, _ valueName: String, _ help: String, repeatable: Bool = false,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, String) -> Void
    ) -> CommandLineOption {
        CommandLineOption(name: name, valueName: valueName, help: help, isRepeatable: repeatable) { configuration, text throws(OptionValueError) in
            guard !text.isEmpty else { throw OptionValueError(requirement: "must not be empty") }
            set(&configuration, text)
        }
    }
}

extension Double {
    /// The number without a needless `.0`.
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
