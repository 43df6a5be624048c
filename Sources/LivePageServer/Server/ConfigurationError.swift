/// A server setting that cannot work, named as the `livepage-server` flag that sets it.
public struct ConfigurationError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The setting, as its command-line flag without dashes (`"publish-key"`).
    public let setting: String
    /// What the setting needs, as a phrase (`"must be at least 16 bytes long"`).
    public let requirement: String

    /// `setting` does not meet `requirement`.
    public static func invalid(_ setting: String, _ requirement: String) -> ConfigurationError {
        ConfigurationError(setting: setting, requirement: requirement)
    }

    /// `"--<setting> <requirement>."`
    public var description: String { "--\(setting) \(requirement)." }
}
