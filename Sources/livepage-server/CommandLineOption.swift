import LivePageServer

/// One setting of the `livepage-server` command: a flag, its environment variable, its
/// help line, and how its value changes the configuration.
struct CommandLineOption: Sendable {
    /// The flag without dashes, such as `port`.
    let name: String
    /// The placeholder for its value in the help, or `nil` for a flag without a value.
    let valueName: String?
    /// What it does, for `--help`: a phrase starting in lower case, without its default.
    let help: String
    /// Its value when it is not given, as `--help` shows it (`8080`, `none: open mode`);
    /// `nil` for a flag without a value.
    var defaultValue: String?
    /// Whether it may be given several times (each adds a value).
    var isRepeatable = false
    /// Whether an environment variable sets it too (all but `--help`, `--version` and
    /// `--print-nginx-config`, which are not settings).
    var readsEnvironment = true
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
        _ name: String, _ help: String, default defaultValue: String, in range: ClosedRange<Int> = 1...Int.max,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, Int) -> Void
    ) -> CommandLineOption {
        CommandLineOption(name: name, valueName: "N", help: help, defaultValue: defaultValue) { configuration, text throws(OptionValueError) in
            guard let value = Int(text), range.contains(value) else {
                throw OptionValueError(
                    requirement: range.upperBound == .max
                        ? "must be a whole number of at least \(range.lowerBound)"
                        : "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            }
            set(&configuration, value)
        }
    }

    /// An option taking a duration in seconds (fractions allowed), at least `minimum`.
    static func seconds(
        _ name: String, _ help: String, default defaultValue: Duration, minimum: Double = 0,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, Duration) -> Void
    ) -> CommandLineOption {
        let shown = Double(defaultValue.components.seconds) + Double(defaultValue.components.attoseconds) / 1e18
        return CommandLineOption(
            name: name, valueName: "SECONDS", help: help, defaultValue: shown.formatted
        ) { configuration, text throws(OptionValueError) in
            guard let value = Double(text), value.isFinite, value >= minimum, value <= 86_400 else {
                throw OptionValueError(requirement: "must be a number of seconds from \(minimum.formatted) to 86400")
            }
            set(&configuration, .milliseconds(Int((value * 1000).rounded())))
        }
    }

    /// An option taking text, checked later by the configuration's own validation.
    static func text(
        _ name: String, _ valueName: String, _ help: String, default defaultValue: String, repeatable: Bool = false,
        _ set: @escaping @Sendable (inout LivePageServer.Configuration, String) -> Void
    ) -> CommandLineOption {
        CommandLineOption(
            name: name, valueName: valueName, help: help, defaultValue: defaultValue, isRepeatable: repeatable
        ) { configuration, text throws(OptionValueError) in
            guard !text.isEmpty else { throw OptionValueError(requirement: "must not be empty") }
            set(&configuration, text)
        }
    }
}

extension Int {
    /// A number of bytes as `--help` shows it: `16384 (16 KiB)`, `1048576 (1 MiB)`.
    var bytesForHelp: String {
        if self >= 1 << 20, self % (1 << 20) == 0 { return "\(self) (\(self >> 20) MiB)" }
        if self >= 1 << 10, self % (1 << 10) == 0 { return "\(self) (\(self >> 10) KiB)" }
        return String(self)
    }
}

extension Double {
    /// The number without a needless `.0`.
    fileprivate var formatted: String { self == rounded() ? String(Int(self)) : String(self) }
}
