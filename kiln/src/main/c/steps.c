/*
 * Build steps (PROTOCOL.md, "Build steps"). The host boots the scratch disk with a small
 * initramfs of its own: this program as /init, started with the argument "step", and the step
 * config. kiln-init mounts the scratch disk (/dev/vda) and makes it the root, as a normal boot
 * has it, runs ONE command there with /bin/sh -c, reports on the console, stops what the command
 * left running and leaves the filesystem clean (read-only), then ends the VM.
 *
 * The image needs nothing from Kiln (no kiln-init, no init.conf): only /bin/sh.
 */
#include "kiln-init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define STEP_VERSION "version=1"
#define NEW_ROOT "/newroot"
#define SCRATCH_DISK "/dev/vda"
#define DISK_WAIT_MS 10000
#define LINE_MAX_BYTES 4096

/* The step, as the host sent it. */
struct step {
    const char *nonce;
    const char *command;
    struct list env; /* the complete environment (the image's Env with the step's applied) */
    struct list dns; /* name servers: the network is on */
    const char *user;
    const char *workdir;
    int timeout_s; /* 0: none */
    int grace_ms;
};

static struct step step;
static sigset_t blocked;

static void step_record(void *ctx, char *rec) {
    struct step *s = ctx;
    char *eq = strchr(rec, '=');
    if (!eq) return;
    *eq = 0;
    char *v = eq + 1;
    if (!strcmp(rec, "nonce")) s->nonce = v;
    else if (!strcmp(rec, "command")) s->command = v;
    else if (!strcmp(rec, "env")) list_add(&s->env, v);
    else if (!strcmp(rec, "dns")) list_add(&s->dns, v);
    else if (!strcmp(rec, "user")) s->user = v;
    else if (!strcmp(rec, "workdir")) s->workdir = v;
    else if (!strcmp(rec, "timeout")) s->timeout_s = atoi(v);
    else if (!strcmp(rec, "grace")) s->grace_ms = atoi(v) * 1000;
}

static int step_load(struct step *s, const char *path) {
    memset(s, 0, sizeof *s);
    s->grace_ms = 5000;
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) {
        say("cannot read the step config %s: %s", path, strerror(errno));
        return -1;
    }
    if (len < sizeof STEP_VERSION || memcmp(buf, STEP_VERSION, sizeof STEP_VERSION)) {
        say("%s: not a step config this kiln-init understands (it reads \"%s\")", path, STEP_VERSION);
        return -1;
    }
    for_each_record(buf, len, step_record, s);
    if (!s->nonce || !*s->nonce || !s->command) {
        say("%s: a step config needs a nonce and a command", path);
        return -1;
    }
    return 0;
}

/* `kiln-init step-config FILE`: the step as read, in a fixed order (for the protocol tests). */
int step_config_print(const char *path) {
    if (step_load(&step, path) < 0) return 1;
    write_record(STDOUT_FILENO, "nonce", step.nonce);
    write_record(STDOUT_FILENO, "command", step.command);
    for (int i = 0; i < step.env.n; i++) write_record(STDOUT_FILENO, "env", step.env.items[i]);
    write_record(STDOUT_FILENO, "user", step.user);
    write_record(STDOUT_FILENO, "workdir", step.workdir);
    for (int i = 0; i < step.dns.n; i++) write_record(STDOUT_FILENO, "dns", step.dns.items[i]);
    char n[32];
    snprintf(n, sizeof n, "%d", step.timeout_s);
    write_record(STDOUT_FILENO, "timeout", n);
    snprintf(n, sizeof n, "%d", step.grace_ms / 1000);
    write_record(STDOUT_FILENO, "grace", n);
    return 0;
}

/* "kiln-step NONCE WHAT...": one console line in one write, so other output cannot split it. */
static void report(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report(const char *fmt, ...) {
    char buf[1200];
    int n = snprintf(buf, sizeof buf, "kiln-step %s ", step.nonce);
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2) n = sizeof buf - 2;
    buf[n++] = '\n';
    if (write(STDOUT_FILENO, buf, n) < 0) {}
}

/* Ends the VM: a reboot ends QEMU with -no-reboot on every machine Kiln boots steps on. */
static void end_vm(void) __attribute__((noreturn));
static void end_vm(void) {
    sync();
    reboot(RB_AUTOBOOT);
    say("reboot: %s", strerror(errno));
    for (;;) pause();
}

/* Decodes the octal escapes (\040 for a space...) of a /proc/mounts field in place. */
static void unescape(char *s) {
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

/* Unmounts everything but the root, innermost first: what a step mounted (a loop device) could keep the root busy. */
static void unmount_all_but_root(void) {
    char *mounts = slurp("/proc/self/mounts", NULL);
    if (!mounts) return;
    static struct list points;
    points.n = 0;
    for (char *line = strtok(mounts, "\n"); line; line = strtok(NULL, "\n")) {
        char *point = strchr(line, ' ');
        if (!point) continue;
        point++;
        point[strcspn(point, " ")] = 0;
        unescape(point);
        if (strcmp(point, "/")) list_add(&points, point);
    }
    for (int i = points.n - 1; i >= 0; i--) {
        if (umount2(points.items[i], MNT_DETACH) < 0 && errno != EINVAL && errno != ENOENT) {
            say("unmount %s: %s", points.items[i], strerror(errno));
        }
    }
    free(mounts);
}

/*
 * After the step: everything it left running is stopped, the mounts are undone and the root is
 * remounted read-only, which writes the journal out and marks the filesystem clean. "clean" is
 * reported only when that worked: the host takes nothing from a disk without it.
 */
static void finish(void) __attribute__((noreturn));
static void finish(void) {
    stop_everything(step.grace_ms);
    undo_resolv_conf();
    unmount_all_but_root();
    sync();
    if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0) {
        report("unclean remount / read-only: %s", strerror(errno));
    } else {
        sync();
        report("clean");
    }
    end_vm();
}

/* Mounts the scratch disk and makes it the root (as switch_root does): the step sees a normal system. */
static int enter_scratch_disk(void) {
    for (long long waited = 0; access(SCRATCH_DISK, F_OK) < 0; waited += 50) {
        if (waited >= DISK_WAIT_MS) {
            say("%s: no scratch disk attached", SCRATCH_DISK);
            return -1;
        }
        usleep(50000);
    }
    mkdir(NEW_ROOT, 0755);
    if (mount(SCRATCH_DISK, NEW_ROOT, "ext4", 0, NULL) < 0) {
        say("mount %s (ext4): %s", SCRATCH_DISK, strerror(errno));
        return -1;
    }
    umount2("/dev", MNT_DETACH); /* the initramfs's; the image gets its own */
    if (chdir(NEW_ROOT) < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
        say("make %s the root: %s", SCRATCH_DISK, strerror(errno));
        umount2(NEW_ROOT, MNT_DETACH);
        return -1;
    }
    return 0;
}

/* Copies the step's output to the console a line at a time, each line marked with "|". */
struct relay {
    char line[LINE_MAX_BYTES];
    size_t len;
};

static void relay_line(struct relay *r) {
    char out[LINE_MAX_BYTES + 2];
    out[0] = '|';
    memcpy(out + 1, r->line, r->len);
    out[r->len + 1] = '\n';
    if (write(STDOUT_FILENO, out, r->len + 2) < 0) {}
    r->len = 0;
}

/* Reads what is there: 1 after reading, -1 when nothing is there now, 0 at the end of the output. */
static int relay_read(struct relay *r, int fd) {
    char buf[4096];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) return 1;
    if (n < 0 && errno == EAGAIN) return -1;
    for (ssize_t i = 0; i < n; i++) {
        if (buf[i] == '\n') {
            relay_line(r);
        } else {
            r->line[r->len++] = buf[i];
            if (r->len == sizeof r->line) relay_line(r);
        }
    }
    if (n <= 0 && r->len > 0) relay_line(r); /* a last line without its newline */
    return n > 0;
}

static void step_child(const struct ids *ids, int out) __attribute__((noreturn));
static void step_child(const struct ids *ids, int out) {
    sigprocmask(SIG_UNBLOCK, &blocked, NULL);
    setsid(); /* no controlling terminal, as in `docker build` */
    int null = open("/dev/null", O_RDONLY);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 || dup2(out, STDERR_FILENO) < 0) {
        say("step output: %s", strerror(errno));
        _exit(126);
    }
    enter_as(step.workdir && *step.workdir ? step.workdir : "/", ids, step.user);
    char *argv[] = {"/bin/sh", "-c", (char *)step.command, NULL};
    exec_program(argv, build_env(&step.env, NULL, ids->home));
}

/* Runs the step to its end or its timeout; its exit status, or -1 when it timed out. */
static int run_step(const struct ids *ids) {
    sigemptyset(&blocked);
    sigaddset(&blocked, SIGCHLD);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int sfd = signalfd(-1, &blocked, SFD_CLOEXEC);
    int p[2];
    if (sfd < 0 || pipe2(p, O_CLOEXEC) < 0) {
        report("error cannot start the step: %s", strerror(errno));
        finish();
    }
    report("start");
    long long deadline = step.timeout_s > 0 ? now_ms() + step.timeout_s * 1000LL : -1;
    pid_t pid = fork();
    if (pid == 0) step_child(ids, p[1]);
    close(p[1]);
    if (pid < 0) {
        report("error cannot start the step: %s", strerror(errno));
        finish();
    }
    static struct relay relay;
    int out = p[0];
    for (;;) {
        int wait = -1;
        if (deadline >= 0) {
            long long left = deadline - now_ms();
            if (left <= 0) return -1;
            wait = left > (1 << 30) ? (1 << 30) : (int)left;
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {out, POLLIN, 0}};
        if (poll(fds, out >= 0 ? 2 : 1, wait) < 0 && errno != EINTR) say("poll: %s", strerror(errno));
        if (out >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) && relay_read(&relay, out) == 0) {
            close(out);
            out = -1;
        }
        if (!(fds[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si) continue;
        int status;
        for (pid_t done; (done = waitpid(-1, &status, WNOHANG)) > 0;) {
            if (done != pid) continue; /* an orphan the step left: reaped */
            /* what the step wrote before it ended; processes it left may hold the pipe open */
            if (out >= 0) {
                fcntl(out, F_SETFL, O_NONBLOCK);
                while (relay_read(&relay, out) > 0) {}
                if (relay.len > 0) relay_line(&relay);
                close(out);
            }
            return status_code(status);
        }
    }
}

void step_mode(void) {
    mkdir("/dev", 0755);
    if (mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755") < 0) {}
    setup_console();
    if (step_load(&step, STEP_CONF_PATH) < 0) {
        say("cannot run the build step");
        end_vm();
    }
    if (enter_scratch_disk() < 0) {
        report("error %s", last_said);
        end_vm();
    }
    setup_system_mounts();
    setup_hostname();
    setup_loopback();
    conf.dns = step.dns;
    setup_resolv_conf();
    struct ids ids;
    if (resolve_user(step.user, &ids) < 0) {
        report("error %s", last_said);
        finish();
    }
    int code = run_step(&ids);
    if (code < 0) {
        report("timeout %d", step.timeout_s);
    } else {
        report("exit %d", code);
    }
    finish();
}
