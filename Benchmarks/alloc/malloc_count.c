// malloc_count.c: counts the calls to the C heap allocator in the process it is preloaded
// into, and lets another process read the counts without the counted process allocating.
//
//     cc -O2 -shared -fPIC -o malloc_count.so malloc_count.c -ldl -lpthread
//     LD_PRELOAD=$PWD/malloc_count.so MALLOC_COUNT_FILE=/tmp/counts livepage-server ...
//     cat /tmp/counts
//
// It defines malloc, calloc, realloc, free, posix_memalign, aligned_alloc, memalign, valloc
// and pvalloc; each adds to relaxed atomic counters and forwards to the next definition
// (glibc's, found with dlsym(RTLD_NEXT, ...)). It never changes what the program gets back:
// counting only. Swift's runtime allocates through malloc (and posix_memalign or
// aligned_alloc above 16-byte alignment), C++'s operator new too, and glibc's own
// functions that allocate (strdup, fopen, reallocarray, ...) call these symbols, so every
// heap allocation of the process is seen. mmap is not a heap allocation and is not counted.
//
// What is counted, so that allocations minus frees is the number of live blocks:
//   mallocs   calls that hand out a block: malloc, calloc, the memalign family, and realloc
//             (a realloc that resizes a block counts as one allocation and one free)
//   frees     calls that give a block back: free of a non-NULL pointer, realloc of a
//             non-NULL pointer (to a new size or to 0)
//   bytes     bytes asked for by the calls counted in mallocs
//   callocs, reallocs, aligned: those calls alone, already counted in mallocs
//
// Reading the counts: when MALLOC_COUNT_FILE names a file, a thread started by the
// library's constructor rewrites that file's first line every MALLOC_COUNT_INTERVAL_MS
// milliseconds (default 50, 1 to 10000) with pwrite, as
//
//     mallocs frees bytes callocs reallocs aligned tick
//
// each number right-aligned in 20 characters, so the line never changes length. `tick`
// counts the writes: a reader that wants counts taken after some moment waits until tick
// has advanced twice past it, and reads the line twice to be sure it did not meet a write
// halfway. The file is written once more when the process exits normally. The thread
// allocates nothing while it runs, blocks every signal (a signal meant for the program is
// never delivered to it), and is named `malloc_count` (its /proc/PID/task/TID/comm), so
// that tools can tell it from the program's threads; its syscalls are one clock_nanosleep
// and one pwrite64 per write. Without MALLOC_COUNT_FILE nothing is started and the
// counters only count.
//
// Child processes inherit LD_PRELOAD and the environment: give each counted process a
// file of its own. A forked child has no writer thread and never writes the file; a child
// that execs starts afresh and would truncate and take over a file of the same name.
//
// The bootstrap: dlsym itself may call calloc or malloc (for its error buffer) before the
// real functions are known. Those calls, and only those, are served from a small static
// buffer that is never given back; free and realloc recognise its pointers.

#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

// ---- the counters

static uint64_t count_mallocs, count_frees, count_bytes, count_callocs, count_reallocs, count_aligned;

static inline void add(uint64_t *counter, uint64_t value) {
    __atomic_fetch_add(counter, value, __ATOMIC_RELAXED);
}

static inline void counted_allocation(size_t bytes) {
    add(&count_mallocs, 1);
    add(&count_bytes, bytes);
}

// ---- the real functions, and the bootstrap buffer used while they are being found

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static void *(*real_valloc)(size_t);
static void *(*real_pvalloc)(size_t);

static int resolved;   // 1 once every real_* is set (read with acquire)
static int resolving;  // 1 while dlsym runs, under resolve_lock
static pthread_mutex_t resolve_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

enum { BOOT_SIZE = 64 * 1024, BOOT_HEADER = 16 };
static unsigned char boot_heap[BOOT_SIZE] __attribute__((aligned(64)));
static size_t boot_used;  // only under resolve_lock

static int is_boot(const void *pointer) {
    const unsigned char *p = pointer;
    return p >= boot_heap && p < boot_heap + BOOT_SIZE;
}

// A block of the bootstrap buffer, its size stored in the 16 bytes before it; NULL when the
// buffer is used up. Called only while dlsym runs, under resolve_lock, so no race.
static void *boot_alloc(size_t size, size_t alignment) {
    if (alignment < BOOT_HEADER) alignment = BOOT_HEADER;
    size_t start = (boot_used + BOOT_HEADER + alignment - 1) / alignment * alignment;
    if (size > BOOT_SIZE || start + size > BOOT_SIZE) return NULL;
    memcpy(boot_heap + start - sizeof(size_t), &size, sizeof(size_t));
    boot_used = start + size;
    return boot_heap + start;  // static storage: already zero, as calloc needs
}

static size_t boot_size(const void *pointer) {
    size_t size;
    memcpy(&size, (const unsigned char *)pointer - sizeof(size_t), sizeof(size_t));
    return size;
}

// Finds the real functions once. A call that arrives while dlsym runs (on this thread: the
// lock is recursive; other threads wait) returns with them still unknown, and its caller
// serves it from the bootstrap buffer.
static void resolve(void) {
    pthread_mutex_lock(&resolve_lock);
    if (!__atomic_load_n(&resolved, __ATOMIC_ACQUIRE) && !resolving) {
        resolving = 1;
        void *m = dlsym(RTLD_NEXT, "malloc");
        void *c = dlsym(RTLD_NEXT, "calloc");
        void *r = dlsym(RTLD_NEXT, "realloc");
        void *f = dlsym(RTLD_NEXT, "free");
        void *pm = dlsym(RTLD_NEXT, "posix_memalign");
        void *aa = dlsym(RTLD_NEXT, "aligned_alloc");
        void *ma = dlsym(RTLD_NEXT, "memalign");
        void *va = dlsym(RTLD_NEXT, "valloc");
        void *pv = dlsym(RTLD_NEXT, "pvalloc");
        real_malloc = (void *(*)(size_t))m;
        real_calloc = (void *(*)(size_t, size_t))c;
        real_realloc = (void *(*)(void *, size_t))r;
        real_free = (void (*)(void *))f;
        real_posix_memalign = (int (*)(void **, size_t, size_t))pm;
        real_aligned_alloc = (void *(*)(size_t, size_t))aa;
        real_memalign = (void *(*)(size_t, size_t))ma;
        real_valloc = (void *(*)(size_t))va;
        real_pvalloc = (void *(*)(size_t))pv;
        resolving = 0;
        if (!real_malloc || !real_calloc || !real_realloc || !real_free) {
            static const char message[] = "malloc_count: dlsym found no malloc, calloc, realloc or free after this library\n";
            (void)!write(2, message, sizeof message - 1);
            abort();
        }
        __atomic_store_n(&resolved, 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&resolve_lock);
}

static inline int ready(void) {
    if (__builtin_expect(__atomic_load_n(&resolved, __ATOMIC_ACQUIRE), 1)) return 1;
    resolve();
    return __atomic_load_n(&resolved, __ATOMIC_ACQUIRE);
}

// ---- the allocator's entry points

void *malloc(size_t size) {
    if (!ready()) return boot_alloc(size, 0);
    counted_allocation(size);
    return real_malloc(size);
}

void *calloc(size_t count, size_t size) {
    size_t total;
    if (!ready()) return __builtin_mul_overflow(count, size, &total) ? NULL : boot_alloc(total, 0);
    if (__builtin_mul_overflow(count, size, &total)) total = 0;
    counted_allocation(total);
    add(&count_callocs, 1);
    return real_calloc(count, size);
}

void *realloc(void *pointer, size_t size) {
    if (pointer && is_boot(pointer)) {
        // A bootstrap block moves to the real heap, or grows in the buffer if still booting.
        void *moved = ready() ? malloc(size) : boot_alloc(size, 0);
        if (moved) {
            size_t old = boot_size(pointer);
            memcpy(moved, pointer, old < size ? old : size);
        }
        return moved;
    }
    if (!ready()) return pointer ? NULL : boot_alloc(size, 0);
    add(&count_reallocs, 1);
    if (pointer) add(&count_frees, 1);
    if (!pointer || size) counted_allocation(size);
    return real_realloc(pointer, size);
}

void free(void *pointer) {
    if (!pointer || is_boot(pointer)) return;
    if (!ready()) return;  // cannot happen: nothing was handed out by a real malloc yet
    add(&count_frees, 1);
    real_free(pointer);
}

int posix_memalign(void **result, size_t alignment, size_t size) {
    if (!ready()) {
        *result = boot_alloc(size, alignment);
        return *result ? 0 : ENOMEM;
    }
    counted_allocation(size);
    add(&count_aligned, 1);
    return real_posix_memalign(result, alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
    if (!ready()) return boot_alloc(size, alignment);
    counted_allocation(size);
    add(&count_aligned, 1);
    return real_aligned_alloc(alignment, size);
}

void *memalign(size_t alignment, size_t size) {
    if (!ready()) return boot_alloc(size, alignment);
    counted_allocation(size);
    add(&count_aligned, 1);
    return real_memalign(alignment, size);
}

void *valloc(size_t size) {
    if (!ready()) return boot_alloc(size, 4096);
    counted_allocation(size);
    add(&count_aligned, 1);
    return real_valloc(size);
}

void *pvalloc(size_t size) {
    if (!ready()) return boot_alloc(size, 4096);
    counted_allocation(size);
    add(&count_aligned, 1);
    return real_pvalloc(size);
}

// ---- the report file and its writer thread

enum { FIELD = 20, FIELDS = 7, LINE = FIELDS * (FIELD + 1) };
static int report_fd = -1;
static pid_t report_pid;  // the process that opened the file: a forked child writes nothing
static long report_interval_ms = 50;
static uint64_t report_tick;

// `value` right-aligned in FIELD characters at `out`, then `separator`.
static void put_number(char *out, uint64_t value, char separator) {
    int at = FIELD;
    do {
        out[--at] = (char)('0' + value % 10);
        value /= 10;
    } while (value && at > 0);
    while (at > 0) out[--at] = ' ';
    out[FIELD] = separator;
}

// Writes the current counts over the file's first line. Allocates nothing.
static void write_report(void) {
    if (report_fd < 0) return;
    uint64_t values[FIELDS] = {
        __atomic_load_n(&count_mallocs, __ATOMIC_RELAXED),  __atomic_load_n(&count_frees, __ATOMIC_RELAXED),
        __atomic_load_n(&count_bytes, __ATOMIC_RELAXED),    __atomic_load_n(&count_callocs, __ATOMIC_RELAXED),
        __atomic_load_n(&count_reallocs, __ATOMIC_RELAXED), __atomic_load_n(&count_aligned, __ATOMIC_RELAXED),
        __atomic_add_fetch(&report_tick, 1, __ATOMIC_RELAXED),
    };
    char line[LINE];
    for (int i = 0; i < FIELDS; i++) put_number(line + i * (FIELD + 1), values[i], i + 1 < FIELDS ? ' ' : '\n');
    ssize_t written;
    do written = pwrite(report_fd, line, sizeof line, 0);
    while (written < 0 && errno == EINTR);
}

static void *report_loop(void *unused) {
    (void)unused;
    prctl(PR_SET_NAME, "malloc_count", 0, 0, 0);
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    for (;;) {
        next.tv_nsec += report_interval_ms * 1000000L;
        while (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec += 1;
        }
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR) {}
        write_report();
    }
    return NULL;
}

__attribute__((constructor)) static void start_reporting(void) {
    ready();
    const char *path = getenv("MALLOC_COUNT_FILE");
    if (!path || !*path) return;
    const char *interval = getenv("MALLOC_COUNT_INTERVAL_MS");
    if (interval && *interval) {
        char *end;
        long value = strtol(interval, &end, 10);
        if (*end == '\0' && value >= 1 && value <= 10000) report_interval_ms = value;
    }
    report_pid = getpid();
    report_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (report_fd < 0) {
        static const char message[] = "malloc_count: cannot open MALLOC_COUNT_FILE; counting without a report\n";
        (void)!write(2, message, sizeof message - 1);
        return;
    }
    write_report();
    // The thread starts with every signal blocked, so that it never takes one meant for
    // the program (which may block them in its own threads and wait for them).
    sigset_t all, previous;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &previous);
    pthread_t thread;
    pthread_attr_t attributes;
    pthread_attr_init(&attributes);
    pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
    pthread_attr_setstacksize(&attributes, 64 * 1024);
    if (pthread_create(&thread, &attributes, report_loop, NULL) != 0) {
        static const char message[] = "malloc_count: cannot start the report thread; the file is written at exit only\n";
        (void)!write(2, message, sizeof message - 1);
    }
    pthread_attr_destroy(&attributes);
    pthread_sigmask(SIG_SETMASK, &previous, NULL);
}

// The last counts, at exit; not from a forked child, which has the file but no writer
// thread (the thread itself asks nothing of getpid, so that its syscalls stay two a write).
__attribute__((destructor)) static void finish_reporting(void) {
    if (getpid() == report_pid) write_report();
}
