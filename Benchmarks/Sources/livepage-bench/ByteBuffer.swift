#if canImport(Glibc)
    import Glibc
#endif

/// A growable run of bytes in memory the benchmark manages itself: the shared receive
/// buffer, decoded chunked bodies, and the bytes of a response that arrived in part.
///
/// One thread owns each buffer (the benchmark has one), so it is not `Sendable`.
/// Views handed out by `bytes` stay valid until the buffer next grows or is freed.
final class ByteBuffer {
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    /// Bytes in use, from `base`.
    var count = 0

    /// Makes an empty buffer with room for `capacity` bytes.
    init(capacity: Int = 4096) {
        self.capacity = max(capacity, 16)
        base = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { base.deallocate() }

    /// The bytes in use.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Room for at least `extra` more bytes after `count`.
    func reserve(extra: Int) {
        let needed = count + extra
        guard needed > capacity else { return }
        var newCapacity = capacity
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = UnsafeMutableRawPointer.allocate(byteCount: newCapacity, alignment: 16)
        newBase.copyMemory(from: base, byteCount: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    /// The free space after `count`, for a `recv` to fill; add what it wrote to `count`.
    var freeSpace: UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + count, count: capacity - count)
    }

    /// Appends `other`.
    func append(_ other: UnsafeRawBufferPointer) {
        guard other.count > 0 else { return }
        reserve(extra: other.count)
        (base + count).copyMemory(from: other.baseAddress!, byteCount: other.count)
        count += other.count
    }

    /// Drops the first `n` bytes, moving the rest to the front.
    func removeFirst(_ n: Int) {
        precondition(n <= count)
        if n < count { base.copyMemory(from: base + n, byteCount: count - n) }
        count -= n
    }
}
