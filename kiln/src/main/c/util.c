/* Console messages, file reading and string lists. */
#include "kiln-init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The last message, without "kiln-init: ": a report to the host can repeat why something failed. */
char last_said[1024];

void say(const char *fmt, ...) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "kiln-init: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2) {
        n = sizeof buf - 2;
    }
    const int prefix = sizeof "kiln-init: " - 1;
    snprintf(last_said, sizeof last_said, "%.*s", n - prefix, buf + prefix);
    buf[n++] = '\n';
    /* One write per line, so the line cannot be split by other console output. */
    if (write(STDOUT_FILENO, buf, n) < 0) {
        /* nothing else to report it on */
    }
}

long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void list_add(struct list *l, char *s) {
    if (l->n < MAX_ITEMS) {
        l->items[l->n++] = s;
        l->items[l->n] = NULL;
    }
}

int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads a whole file into a NUL-terminated buffer; NULL (errno set) when it cannot be read. */
char *slurp(const char *path, size_t *len) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return NULL;
    }
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    for (;;) {
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            break;
        }
        n += r;
    }
    close(fd);
    buf[n] = 0;
    if (len) {
        *len = n;
    }
    return buf;
}

int write_file(const char *path, const char *content, mode_t mode) {
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        return -1;
    }
    size_t len = strlen(content);
    int ok = write(fd, content, len) == (ssize_t)len;
    return close(fd) == 0 && ok ? 0 : -1;
}

/* Creates the directory and its missing parents; 0 when it exists afterwards. */
int make_dirs(const char *path, mode_t mode) {
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(buf, mode);
            *p = '/';
        }
    }
    return mkdir(buf, mode) == 0 || errno == EEXIST ? 0 : -1;
}

/*
 * Copies what a child wrote to the console line by line, each line prefixed and written in one
 * write (so lines of several children do not mix), and unprefixed to the log file when there is
 * one. Reads until the pipe is empty (its read end is non-blocking) or closed.
 */
int tee_read(struct tee *r) {
    char buf[4096];
    for (;;) {
        ssize_t n = read(r->fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && errno == EAGAIN) return 1;
        if (n <= 0) {
            tee_close(r);
            return 0;
        }
        for (ssize_t i = 0; i < n; i++) {
            r->line[r->len++] = buf[i];
            if (buf[i] == '\n' || r->len == sizeof r->line - 1) tee_flush(r);
        }
    }
}

/* Writes out the line collected so far, ending it with a newline if it has none. */
void tee_flush(struct tee *r) {
    if (r->len == 0) return;
    if (r->line[r->len - 1] != '\n') r->line[r->len++] = '\n';
    char out[sizeof r->line + sizeof r->prefix];
    int n = snprintf(out, sizeof out, "%s%.*s", r->prefix, (int)r->len, r->line);
    if (n > (int)sizeof out - 1) n = sizeof out - 1;
    if (write(STDOUT_FILENO, out, n) < 0) {}
    if (r->log >= 0 && write(r->log, r->line, r->len) < 0) {}
    r->len = 0;
}

void tee_close(struct tee *r) {
    tee_flush(r);
    if (r->fd >= 0) close(r->fd);
    r->fd = -1;
}

/* How long to wait before the next restart: a run that lasted a while resets it, quick crashes double it. */
int backoff_next(struct backoff *b) {
    if (b->ms == 0 || now_ms() - b->started > BACKOFF_RESET_MS) b->ms = BACKOFF_MIN_MS;
    int wait = b->ms;
    b->ms = b->ms * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : b->ms * 2;
    return wait;
}
