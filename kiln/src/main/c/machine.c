/*
 * Supervising a composed machine's containers, inside PID 1's loop (supervise.c):
 *   - onboot containers run one after another, each to completion, before anything else;
 *   - then every service starts; a service that ends is restarted with backoff;
 *   - when the machine is asked to stop, onshutdown containers run one after another (the
 *     services still up), then the services are ended and shutdown.c takes over.
 * Each container's output goes to the console, every line prefixed "[NAME] ", and to
 * /var/log/NAME.log in the VM's root.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define LOG_DIR "/var/log"

struct container {
    struct centry e;
    pid_t pid;               /* -1 when not running */
    struct tee out;        /* out.fd -1 when closed */
    struct backoff backoff;
    long long restart_at;    /* services: when to start again, or -1 */
    long long deadline;      /* onboot, onshutdown: when to kill it (its timeout), or -1 */
    int timeout_s;
    int disabled;            /* its config cannot be used: not started again */
};

static struct container cs[MAX_CONTAINERS];
static int count;
static enum { BOOTING, RUNNING, STOPPING, STOPPED } phase = RUNNING;
static int cursor;           /* the next onboot or onshutdown entry to consider */
static int current = -1;     /* the onboot or onshutdown entry running now */
static int boot_failure = -1;
static sigset_t unblock;
static struct cconf cconf;

int machine_load(const char *root) {
    static struct centry found[MAX_CONTAINERS];
    struct stat st;
    if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) return 0;
    count = machine_scan(root, found, MAX_CONTAINERS);
    int per[3] = {0, 0, 0};
    for (int i = 0; i < count; i++) {
        memset(&cs[i], 0, sizeof cs[i]);
        cs[i].e = found[i];
        cs[i].pid = -1;
        cs[i].out.fd = -1;
        cs[i].out.log = -1;
        cs[i].restart_at = -1;
        cs[i].deadline = -1;
        snprintf(cs[i].out.prefix, sizeof cs[i].out.prefix, "[%s] ", found[i].name);
        per[found[i].kind]++;
    }
    if (count > 0) say("machine: %d onboot, %d services, %d onshutdown", per[ONBOOT], per[SERVICE], per[ONSHUTDOWN]);
    return count;
}

int machine_has_services(void) {
    for (int i = 0; i < count; i++) {
        if (cs[i].e.kind == SERVICE && !cs[i].disabled) return 1;
    }
    return 0;
}

static void open_log(struct container *c) {
    if (c->out.log >= 0) return;
    char path[PATH_MAX];
    snprintf(path, sizeof path, LOG_DIR "/%s.log", c->e.name);
    if (make_dirs(LOG_DIR, 0755) < 0
        || (c->out.log = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640)) < 0) {
        say("%s: %s (the output goes to the console only)", path, strerror(errno));
    }
}

/* Starts container i; -1 when it cannot start (reported). */
static int start(int i) {
    struct container *c = &cs[i];
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/config", c->e.dir);
    if (cconf_load(&cconf, path) < 0) {
        c->disabled = 1;
        return -1;
    }
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        say("pipe: %s", strerror(errno));
        return -1;
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    open_log(c);
    pid_t pid = container_start(&c->e, &cconf, p[1], &unblock);
    close(p[1]);
    if (pid < 0) {
        say("%s %s: cannot create its namespaces: %s", kind_name(c->e.kind), c->e.name, strerror(errno));
        close(p[0]);
        return -1;
    }
    if (c->out.fd >= 0) tee_close(&c->out);
    c->out.fd = p[0];
    c->pid = pid;
    c->backoff.started = now_ms();
    c->timeout_s = cconf.timeout_s;
    c->deadline = c->e.kind != SERVICE && cconf.timeout_s > 0 ? now_ms() + cconf.timeout_s * 1000LL : -1;
    say("%s %s started (pid %d)", kind_name(c->e.kind), c->e.name, pid);
    return 0;
}

static void start_services(void) {
    int started = 0, services = 0;
    for (int i = 0; i < count; i++) {
        if (cs[i].e.kind == SERVICE) {
            services++;
            if (start(i) == 0) started++;
        }
    }
    if (started == services) say("all %d services started", started);
    else say("%d of %d services started", started, services);
}

/*
 * Starts the next onboot (while booting) or onshutdown (while stopping) entry, one at a time;
 * moves on to the services, or to the end, when there is none left.
 */
static void advance(void) {
    enum kind want = phase == BOOTING ? ONBOOT : ONSHUTDOWN;
    while (current < 0 && (phase == BOOTING || phase == STOPPING)) {
        while (cursor < count && cs[cursor].e.kind != want) cursor++;
        if (cursor == count) {
            if (phase == BOOTING) {
                phase = RUNNING;
                start_services();
            } else {
                phase = STOPPED;
            }
            return;
        }
        int i = cursor++;
        if (start(i) == 0) {
            current = i;
        } else if (want == ONBOOT && conf.onboot_poweroff) {
            say("onboot %s failed; stopping (onboot_failure=poweroff)", cs[i].e.name);
            boot_failure = 126;
            return;
        }
    }
}

void machine_begin(const sigset_t *signals) {
    unblock = *signals;
    if (count == 0) return;
    phase = BOOTING;
    cursor = 0;
    advance();
}

int machine_booted(void) {
    return phase != BOOTING;
}

int machine_boot_failure(void) {
    return boot_failure;
}

int machine_pollfds(struct pollfd *fds, int max) {
    int n = 0;
    for (int i = 0; i < count && n < max; i++) {
        if (cs[i].out.fd >= 0) {
            fds[n].fd = cs[i].out.fd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            n++;
        }
    }
    return n;
}

void machine_io(struct pollfd *fds, int n) {
    for (int k = 0; k < n; k++) {
        if (!(fds[k].revents & (POLLIN | POLLHUP | POLLERR))) continue;
        for (int i = 0; i < count; i++) {
            if (cs[i].out.fd == fds[k].fd) tee_read(&cs[i].out);
        }
    }
}

long long machine_next_timer(void) {
    long long next = -1;
    for (int i = 0; i < count; i++) {
        long long t = cs[i].restart_at >= 0 ? cs[i].restart_at : cs[i].deadline;
        if (t >= 0 && (next < 0 || t < next)) next = t;
    }
    return next;
}

void machine_timers(void) {
    long long now = now_ms();
    for (int i = 0; i < count; i++) {
        struct container *c = &cs[i];
        if (c->restart_at >= 0 && now >= c->restart_at) {
            c->restart_at = -1;
            if (phase == RUNNING) start(i);
        }
        if (c->deadline >= 0 && now >= c->deadline && c->pid > 0) {
            c->deadline = -1;
            say("%s %s did not finish within %d s; killing it", kind_name(c->e.kind), c->e.name, c->timeout_s);
            kill(c->pid, SIGKILL);
        }
    }
}

int machine_reaped(pid_t pid, int status) {
    int i = 0;
    while (i < count && cs[i].pid != pid) i++;
    if (i == count) return 0;
    struct container *c = &cs[i];
    /* the namespace's other processes died with its first one: what they wrote is all in the pipe */
    if (c->out.fd >= 0) tee_read(&c->out);
    tee_close(&c->out);
    c->pid = -1;
    c->deadline = -1;
    int code = status_code(status);
    if (c->e.kind == SERVICE) {
        if (phase == RUNNING) {
            int wait = backoff_next(&c->backoff);
            c->restart_at = now_ms() + wait;
            say("service %s exited with status %d, restarting in %d ms", c->e.name, code, wait);
        } else {
            say("service %s exited with status %d", c->e.name, code);
        }
        return 1;
    }
    say("%s %s exited with status %d", kind_name(c->e.kind), c->e.name, code);
    if (i == current) current = -1;
    if (c->e.kind == ONBOOT && code != 0 && phase == BOOTING && conf.onboot_poweroff) {
        say("stopping: onboot %s failed (onboot_failure=poweroff)", c->e.name);
        boot_failure = code;
        return 1;
    }
    advance();
    return 1;
}

/* Asked to stop: no more onboot entries or restarts; the onshutdown entries run. */
void machine_stop(void) {
    if (phase == STOPPING || phase == STOPPED) return;
    if (phase == BOOTING && current >= 0) {
        say("stopping during onboot: killing %s", cs[current].e.name);
        kill(cs[current].pid, SIGKILL);
    }
    for (int i = 0; i < count; i++) cs[i].restart_at = -1;
    phase = STOPPING;
    cursor = 0;
    advance();
}

int machine_stopped(void) {
    return phase == STOPPED;
}

/* Whether the process has a handler for sig (SigCgt in /proc/PID/status). */
static int catches(pid_t pid, int sig) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", pid);
    char *s = slurp(path, NULL);
    if (!s) return 0;
    char *cgt = strstr(s, "SigCgt:");
    int yes = cgt && (strtoull(cgt + 7, NULL, 16) >> (sig - 1) & 1);
    free(s);
    return yes;
}

/*
 * Ends the services before the machine stops, and closes the logs (the root cannot become
 * read-only while files are open for writing). A service is PID 1 of its namespace, where the
 * kernel drops signals it has no handler for, so SIGTERM would do nothing to a program that
 * relies on TERM's default action; such a one gets SIGKILL, which is what TERM would have done.
 */
void machine_end(void) {
    for (int i = 0; i < count; i++) {
        if (cs[i].e.kind == SERVICE && cs[i].pid > 0) kill(cs[i].pid, catches(cs[i].pid, SIGTERM) ? SIGTERM : SIGKILL);
        tee_flush(&cs[i].out);
        if (cs[i].out.log >= 0) close(cs[i].out.log);
        cs[i].out.log = -1;
    }
}
