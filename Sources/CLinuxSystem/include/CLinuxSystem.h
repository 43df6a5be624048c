// Linux system interfaces that Glibc does not export to Swift: epoll and eventfd.
// This is the project's own shim, not a dependency; the Swift side wraps every call.
#pragma once

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

// Declared here because Glibc shows `accept4` only under _GNU_SOURCE, which the Swift
// Glibc module is not built with.
extern int accept4(int fd, struct sockaddr *address, socklen_t *length, int flags);

/// `accept4` with `SOCK_NONBLOCK | SOCK_CLOEXEC`, so an accepted socket is never blocking or inherited.
static inline int clinux_accept_nonblocking(int fd, struct sockaddr *address, socklen_t *length) {
    return accept4(fd, address, length, SOCK_NONBLOCK | SOCK_CLOEXEC);
}
