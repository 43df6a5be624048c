// Linux system interfaces that Glibc does not export to Swift: epoll, eventfd, naming a
// thread, socket reads and writes without glibc's cancellation points, and a pause with
// a timeout finer than a millisecond.
// This is the project's own shim, not a dependency; the Swift side wraps every call.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

// Declared here because Glibc shows `accept4` only under _GNU_SOURCE, which the Swift
// Glibc module is not built with.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`, so an accepted socket is never blocking or inherited.
static inline int clinux_accept_nonblocking(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

// Declared here for the same reason: Glibc shows it only under _GNU_SOURCE.
extern int pthread_setname_np(pthread_t thread, const char *name);

/// Names the calling thread (at most 15 bytes), as `top -H` and `/proc/PID/task/*/comm` show it.
static inline int clinux_name_current_thread(const char *name) {
    return pthread_setname_np(pthread_self(), name);
}

// In a process with more than one thread, glibc's `recv` and `send` are cancellation
// points: around the system call they switch the thread to asynchronous cancellation and
// back, two atomic operations on the thread's state, for `pthread_cancel`, which nothing
// in this project uses. These make the same system calls without that: one `recvfrom`
// and one `sendto` per delivered long-poll, each a little cheaper. They return what the
// system call does, or -1 with `errno` set.

/// `recv(fd, buffer, length, 0)`, not a cancellation point.
static inline long clinux_receive(int fd, void *buffer, size_t length) {
    return syscall(SYS_recvfrom, fd, buffer, length, 0, (void *)0, (void *)0);
}

/// `send(fd, buffer, length, flags)`, not a cancellation point.
static inline long clinux_send(int fd, const void *buffer, size_t length, int flags) {
    return syscall(SYS_sendto, fd, buffer, length, flags, (void *)0, 0);
}

// `ppoll` takes its timeout in nanoseconds; Glibc shows it only under _GNU_SOURCE.

/// Waits until `fd` is readable or `nanoseconds` have passed, whichever comes first.
/// Returns what `ppoll` does: 1 if readable, 0 at the timeout, -1 with `errno` set.
static inline int clinux_wait_readable(int fd, unsigned long long nanoseconds) {
    struct pollfd descriptor = {.fd = fd, .events = POLLIN, .revents = 0};
    struct timespec timeout = {.tv_sec = (time_t)(nanoseconds / 1000000000ull),
                               .tv_nsec = (long)(nanoseconds % 1000000000ull)};
    return (int)syscall(SYS_ppoll, &descriptor, 1, &timeout, (void *)0, 0);
}
