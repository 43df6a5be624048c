// Linux interfaces the benchmark needs that Glibc does not export to Swift (epoll), or
// that are safer written in C (a child process that dies with its parent, a signal flag).
// The benchmark's own shim, not a dependency.
#pragma once

#include <sys/types.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

/// `IP_BIND_ADDRESS_NO_PORT`: bind a source address without reserving a port, so the
/// port is picked at connect time per destination and ~28k connections fit per address.
static inline int cbench_ip_bind_address_no_port(void) { return IP_BIND_ADDRESS_NO_PORT; }

/// Starts `path` with `argv` (NULL-terminated), its standard output and error going to
/// `output_fd`, standard input from /dev/null. The child gets SIGTERM when this process
/// dies, so a benchmark killed from outside leaves no server behind.
/// Returns the child's pid, or -1 with errno set.
pid_t cbench_spawn(const char *path, char *const argv[], int output_fd);

/// Makes SIGINT and SIGTERM set a flag (read by `cbench_stop_requested`) instead of
/// killing the process, so a run that is interrupted still stops the server it started.
void cbench_install_stop_handlers(void);

/// The signal that asked this process to stop, or 0.
int cbench_stop_requested(void);

/// Makes standard output line-buffered even into a file or pipe, so that a log shows
/// each phase as it ends. (Swift 6 refuses to touch C's global `stdout` itself.)
void cbench_line_buffer_stdout(void);
