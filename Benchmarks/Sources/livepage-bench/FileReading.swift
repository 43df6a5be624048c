#if canImport(Glibc)
    import Glibc
#endif

/// Small files read whole with plain system calls: /proc entries, the server's log.
enum FileReading {
    /// The file's bytes, at most `limit`; nil if it cannot be opened.
    static func bytes(atPath path: String, limit: Int = 1 << 20) -> [UInt8]? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 8192)
        while result.count < limit {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, System.errno == EINTR { continue }
            guard count > 0 else { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// The file as text (invalid UTF-8 repaired); nil if it cannot be opened.
    static func text(atPath path: String, limit: Int = 1 << 20) -> String? {
        bytes(atPath: path, limit: limit).map { String(decoding: $0, as: UTF8.self) }
    }

    /// The names in a directory, without `.` and `..`.
    static func directoryEntries(atPath path: String) -> [String] {
        guard let directory = opendir(path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
