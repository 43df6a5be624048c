extension ClientManager {
    /// Whether `name` can be shown as a principal's display name: 1 to 128 bytes, no
    /// control characters.
    public static func isDisplayName(_ name: String) -> Bool {
        let count = name.utf8.count
        return count >= 1 && count <= 128 && !name.utf8.contains { $0 < 0x20 || $0 == 0x7F }
    }
}
