import Glibc

/// `posix_spawn` with standard output and error on pipes and standard input on
/// `/dev/null`, signals reset to their defaults and none blocked.
enum Spawn {
    /// A started child and the read ends of its output pipes.
    struct Child {
        let pid: Int32
        let standardOutput: Int32
        let standardError: Int32
    }

    static func run(executable: String, arguments: [String], environment: [String], workingDirectory: String?) throws -> Child {
        let output = try pipe()
        let error: (read: Int32, write: Int32)
        do { error = try pipe() } catch {
            Glibc.close(output.read)
            Glibc.close(output.write)
            throw error
        }
        defer {
            // The child has its own copies; the read ends go to the readers, or are closed
            // below if the spawn failed.
            Glibc.close(output.write)
            Glibc.close(error.write)
        }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output.write, 1)
        posix_spawn_file_actions_adddup2(&actions, error.write, 2)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        sigdelset(&all, SIGKILL)
        sigdelset(&all, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        // Glibc's posix_spawn_file_actions_addchdir_np is not visible to Swift: a shell
        // changes directory, then execs the program in the same process.
        var arguments = arguments
        var path = executable
        if let workingDirectory {
            arguments = ["/bin/sh", "-c", #"cd "$0" && exec "$@""#, workingDirectory, executable] + arguments.dropFirst()
            path = "/bin/sh"
        }
        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else {
            Glibc.close(output.read)
            Glibc.close(error.read)
            throw ServerProcessError("cannot start \(executable): posix_spawn failed with errno \(result)")
        }
        return Child(pid: pid, standardOutput: output.read, standardError: error.read)
    }

    /// A one-way channel whose ends are closed on `exec` from the moment they exist, so
    /// that no child spawned meanwhile by another thread inherits them. Glibc's `pipe2` is
    /// not visible to Swift; a socket pair with `SOCK_CLOEXEC` is, and a child writes to it
    /// as to a pipe.
    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        guard socketpair(AF_UNIX, type, 0, &ends) == 0 else { throw ServerProcessError("socketpair failed: errno \(errno)") }
        _ = shutdown(ends[0], Int32(SHUT_WR))
        _ = shutdown(ends[1], Int32(SHUT_RD))
        return (ends[0], ends[1])
    }
}
