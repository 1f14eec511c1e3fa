/*
 * kiln-init: PID 1 for root filesystems built by Kiln.
 *
 * It prepares the usual mounts, the hostname and the loopback interface, then runs what
 * Kiln recorded in /etc/kiln/init.conf: a supervised agent, a boot script and the image's
 * main program. When the main program exits it prints "kiln-init: exit status N" (what
 * `kiln run` parses), stops everything else, syncs and powers the machine off.
 *
 * init.conf is a list of NUL-terminated "key=value" records (see the README). NUL is the only
 * byte that cannot occur in argv or environment strings, so no quoting is needed.
 *
 * Invoked as "kiln-init agent" or "kiln-init script" (not as PID 1) it only execs the agent or
 * the script with the configured arguments and environment: that is how services of an image's
 * own init system (systemd, OpenRC, busybox init) start them.
 *
 * Built static (musl or glibc), with no dependency on anything in the image.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define CONF_PATH "/etc/kiln/init.conf"
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_ITEMS 4096
#define MAX_GROUPS 256
#define BACKOFF_MAX_MS 30000

extern char **environ;

struct list {
    char *items[MAX_ITEMS + 1];
    int n;
};

struct conf {
    struct list argv;       /* main program: entrypoint + cmd */
    struct list env;        /* main program and script environment */
    struct list agent_argv; /* agent path + agent arguments */
    struct list agent_env;  /* added to env for the agent */
    const char *workdir;
    const char *user;
    const char *hostname;
    const char *script;
    int grace_ms;
};

static struct conf conf;

static void say(const char *fmt, ...) {
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "kiln-init: ");
    va_list ap;
    va_start(ap, fmt);
    n += vsnprintf(buf + n, sizeof buf - n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof buf - 2) {
        n = sizeof buf - 2;
    }
    buf[n++] = '\n';
    /* One write per line, so the line cannot be split by other console output. */
    if (write(STDOUT_FILENO, buf, n) < 0) {
        /* nothing else to report it on */
    }
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void add(struct list *l, char *s) {
    if (l->n < MAX_ITEMS) {
        l->items[l->n++] = s;
        l->items[l->n] = NULL;
    }
}

static int starts_with(const char *s, const char *prefix) {
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Reads a whole file into a NUL-terminated buffer; NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len) {
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

static int load_conf(void) {
    size_t len;
    char *buf = slurp(CONF_PATH, &len);
    conf.grace_ms = 5000;
    if (!buf) {
        say("cannot read %s: %s", CONF_PATH, strerror(errno));
        return -1;
    }
    for (size_t off = 0; off < len;) {
        char *rec = buf + off;
        size_t rl = strlen(rec);
        off += rl + 1;
        char *eq = strchr(rec, '=');
        if (!eq) {
            continue;
        }
        *eq = 0;
        char *v = eq + 1;
        if (!strcmp(rec, "arg")) add(&conf.argv, v);
        else if (!strcmp(rec, "env")) add(&conf.env, v);
        else if (!strcmp(rec, "agent")) { if (conf.agent_argv.n == 0) add(&conf.agent_argv, v); else conf.agent_argv.items[0] = v; }
        else if (!strcmp(rec, "agent_arg")) { if (conf.agent_argv.n == 0) add(&conf.agent_argv, ""); add(&conf.agent_argv, v); }
        else if (!strcmp(rec, "agent_env")) add(&conf.agent_env, v);
        else if (!strcmp(rec, "workdir")) conf.workdir = v;
        else if (!strcmp(rec, "user")) conf.user = v;
        else if (!strcmp(rec, "hostname")) conf.hostname = v;
        else if (!strcmp(rec, "script")) conf.script = v;
        else if (!strcmp(rec, "grace")) conf.grace_ms = atoi(v) * 1000;
        /* unknown keys are ignored so that newer Kiln versions can add some */
    }
    if (conf.agent_argv.n > 0 && conf.agent_argv.items[0][0] == 0) {
        say("%s: agent_arg without agent", CONF_PATH);
        conf.agent_argv.n = 0;
    }
    return 0;
}

/* Environment with a default PATH when the image does not set one, plus extra entries. */
static char **build_env(const struct list *base, const struct list *extra, const char *home) {
    static struct list out;
    out.n = 0;
    int has_path = 0, has_home = 0;
    for (int i = 0; i < base->n; i++) {
        add(&out, base->items[i]);
    }
    if (extra) {
        for (int i = 0; i < extra->n; i++) {
            add(&out, extra->items[i]);
        }
    }
    for (int i = 0; i < out.n; i++) {
        has_path |= starts_with(out.items[i], "PATH=");
        has_home |= starts_with(out.items[i], "HOME=");
    }
    if (!has_path) {
        add(&out, DEFAULT_PATH);
    }
    if (!has_home && home) {
        static char buf[4200];
        snprintf(buf, sizeof buf, "HOME=%s", home);
        add(&out, buf);
    }
    return out.items;
}

/* ---- users ---- */

struct ids {
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_GROUPS];
    int ngroups;
    char home[4096];
};

static int all_digits(const char *s) {
    if (!*s) return 0;
    for (; *s; s++) if (*s < '0' || *s > '9') return 0;
    return 1;
}

/* Splits a colon-separated line in place into at most max fields; returns the count. */
static int split(char *line, char **fields, int max) {
    int n = 0;
    fields[n++] = line;
    for (char *p = line; *p && n < max; p++) {
        if (*p == ':') {
            *p = 0;
            fields[n++] = p + 1;
        }
    }
    return n;
}

/* Looks the user spec (name, uid, name:group, uid:gid) up in the image's /etc/passwd and /etc/group. */
static int resolve_user(const char *spec, struct ids *ids) {
    char userpart[256], grouppart[256] = "";
    snprintf(userpart, sizeof userpart, "%s", spec && *spec ? spec : "0");
    char *colon = strchr(userpart, ':');
    if (colon) {
        *colon = 0;
        snprintf(grouppart, sizeof grouppart, "%s", colon + 1);
    }
    char name[256] = "";
    int found = 0;
    ids->uid = 0;
    ids->gid = 0;
    ids->ngroups = 0;
    strcpy(ids->home, "/");

    char *passwd = slurp("/etc/passwd", NULL);
    if (passwd) {
        for (char *line = strtok(passwd, "\n"); line; line = strtok(NULL, "\n")) {
            char *f[7];
            if (split(line, f, 7) < 7) continue;
            int match = all_digits(userpart) ? (strtoul(f[2], NULL, 10) == strtoul(userpart, NULL, 10))
                                             : !strcmp(f[0], userpart);
            if (match) {
                snprintf(name, sizeof name, "%s", f[0]);
                ids->uid = strtoul(f[2], NULL, 10);
                ids->gid = strtoul(f[3], NULL, 10);
                snprintf(ids->home, sizeof ids->home, "%s", f[5]);
                found = 1;
                break;
            }
        }
        free(passwd);
    }
    if (!found) {
        if (!all_digits(userpart)) {
            say("user %s: not found in /etc/passwd", userpart);
            return -1;
        }
        ids->uid = strtoul(userpart, NULL, 10);
    }

    char *group = slurp("/etc/group", NULL);
    int group_found = grouppart[0] == 0 || all_digits(grouppart);
    if (all_digits(grouppart)) {
        ids->gid = strtoul(grouppart, NULL, 10);
    }
    ids->groups[ids->ngroups++] = ids->gid;
    if (group) {
        for (char *line = strtok(group, "\n"); line; line = strtok(NULL, "\n")) {
            char *f[4];
            if (split(line, f, 4) < 4) continue;
            gid_t gid = strtoul(f[2], NULL, 10);
            if (grouppart[0] && !all_digits(grouppart) && !strcmp(f[0], grouppart)) {
                ids->gid = gid;
                ids->groups[0] = gid;
                group_found = 1;
            }
            if (!name[0]) continue;
            /* supplementary groups: every group that lists the user as a member */
            char *save = NULL;
            for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
                if (!strcmp(m, name) && ids->ngroups < MAX_GROUPS) {
                    ids->groups[ids->ngroups++] = gid;
                }
            }
        }
        free(group);
    }
    if (!group_found) {
        say("group %s: not found in /etc/group", grouppart);
        return -1;
    }
    return 0;
}

/* ---- processes ---- */

static sigset_t blocked;

/* In a child: undo PID 1's signal setup, become session leader with the console as ctty. */
static void child_setup(void) {
    sigprocmask(SIG_UNBLOCK, &blocked, NULL);
    setsid();
    ioctl(STDIN_FILENO, TIOCSCTTY, 0);
}

static void exec_program(char **argv, char **envp) {
    environ = envp;
    execvp(argv[0], argv);
    int err = errno;
    if (err == ENOEXEC) {
        /* a script without "#!": run it with the shell, as a shell would */
        char *sh[MAX_ITEMS + 2] = {"/bin/sh"};
        int i = 0;
        for (; argv[i] && i < MAX_ITEMS; i++) sh[i + 1] = argv[i];
        sh[i + 1] = NULL;
        execv("/bin/sh", sh);
    }
    say("exec %s: %s", argv[0], strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

static int status_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}

static pid_t start_agent(void) {
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        if (chdir("/") < 0) {}
        exec_program(conf.agent_argv.items, build_env(&conf.env, &conf.agent_env, "/root"));
    }
    if (pid < 0) say("fork agent: %s", strerror(errno));
    else say("agent %s started (pid %d)", conf.agent_argv.items[0], pid);
    return pid;
}

/* The script's output goes through a pipe so every line can be prefixed. */
static pid_t start_script(int *out_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        say("pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        dup2(p[1], STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        if (chdir("/") < 0) {}
        char *argv[] = {(char *)conf.script, NULL};
        exec_program(argv, build_env(&conf.env, NULL, "/root"));
    }
    close(p[1]);
    if (pid < 0) {
        say("fork script: %s", strerror(errno));
        close(p[0]);
        return -1;
    }
    *out_fd = p[0];
    return pid;
}

static pid_t start_main(const struct ids *ids) {
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        const char *dir = conf.workdir && *conf.workdir ? conf.workdir : "/";
        if (chdir(dir) < 0) {
            /* like container runtimes, create a missing working directory */
            char path[4096];
            snprintf(path, sizeof path, "%s", dir);
            for (char *p = path + 1; *p; p++) {
                if (*p == '/') { *p = 0; mkdir(path, 0755); *p = '/'; }
            }
            mkdir(path, 0755);
            if (chown(path, ids->uid, ids->gid) < 0) {}
            if (chdir(dir) < 0) {
                say("working directory %s: %s", dir, strerror(errno));
                _exit(126);
            }
        }
        if (setgroups(ids->ngroups, ids->groups) < 0 || setgid(ids->gid) < 0 || setuid(ids->uid) < 0) {
            say("user %s: %s", conf.user ? conf.user : "0", strerror(errno));
            _exit(126);
        }
        exec_program(conf.argv.items, build_env(&conf.env, NULL, ids->home));
    }
    if (pid < 0) say("fork: %s", strerror(errno));
    return pid;
}

/* Copies the script's output to the console line by line with a prefix. */
static void relay(int fd, int *open_fd, int flush) {
    static char line[4096];
    static size_t len;
    char buf[4096];
    ssize_t r = flush ? 0 : read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) return;
    for (ssize_t i = 0; i < r; i++) {
        line[len++] = buf[i];
        if (buf[i] == '\n' || len == sizeof line - 1) {
            char out[4200];
            int n = snprintf(out, sizeof out, "[script] %.*s", (int)len, line);
            if (line[len - 1] != '\n') out[n++] = '\n';
            if (write(STDOUT_FILENO, out, n) < 0) {}
            len = 0;
        }
    }
    if (r <= 0) {
        if (len) {
            char out[4200];
            int n = snprintf(out, sizeof out, "[script] %.*s\n", (int)len, line);
            if (write(STDOUT_FILENO, out, n) < 0) {}
            len = 0;
        }
        close(fd);
        *open_fd = -1;
    }
}

/* ---- boot and shutdown ---- */

static int is_mountpoint(const char *path) {
    struct stat a, b;
    char parent[4096];
    snprintf(parent, sizeof parent, "%s/..", path);
    if (stat(path, &a) < 0 || stat(parent, &b) < 0) return 0;
    return a.st_dev != b.st_dev;
}

static void mount_fs(const char *type, const char *target, unsigned long flags, const char *data, mode_t mode) {
    if (mkdir(target, mode) < 0 && errno != EEXIST) {
        say("mkdir %s: %s", target, strerror(errno));
        return;
    }
    if (is_mountpoint(target)) return;
    if (mount(type, target, type, flags, data) < 0) say("mount %s on %s: %s", type, target, strerror(errno));
}

static void setup_mounts(void) {
    const unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_fs("proc", "/proc", common, NULL, 0555);
    mount_fs("sysfs", "/sys", common, NULL, 0555);
    mount_fs("devtmpfs", "/dev", MS_NOSUID, "mode=0755", 0755);
    mount_fs("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666,gid=5", 0755);
    mount_fs("tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
    mount_fs("tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755", 0755);
    mount_fs("tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
    /* devtmpfs lacks these conventional links */
    if (symlink("/proc/self/fd", "/dev/fd") < 0) {}
    if (symlink("/proc/self/fd/0", "/dev/stdin") < 0) {}
    if (symlink("/proc/self/fd/1", "/dev/stdout") < 0) {}
    if (symlink("/proc/self/fd/2", "/dev/stderr") < 0) {}
    if (symlink("pts/ptmx", "/dev/ptmx") < 0) {}
}

static void setup_console(void) {
    /* The kernel normally hands us the console; if it did not, open it now that /dev exists. */
    if (fcntl(STDIN_FILENO, F_GETFD) < 0) {
        int fd = open("/dev/console", O_RDWR | O_NOCTTY);
        if (fd >= 0) {
            dup2(fd, 0);
            dup2(fd, 1);
            dup2(fd, 2);
            if (fd > 2) close(fd);
        }
    }
}

static void setup_hostname(void) {
    char buf[256] = "";
    if (conf.hostname && *conf.hostname) {
        snprintf(buf, sizeof buf, "%s", conf.hostname);
    } else {
        char *file = slurp("/etc/hostname", NULL);
        if (file) {
            snprintf(buf, sizeof buf, "%s", file);
            free(file);
        }
    }
    buf[strcspn(buf, " \t\r\n")] = 0;
    if (buf[0] && sethostname(buf, strlen(buf)) < 0) say("sethostname %s: %s", buf, strerror(errno));
}

static void setup_loopback(void) {
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) return;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    /* the kernel assigns 127.0.0.1/8 and ::1 itself when lo goes up */
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0) {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(s, SIOCSIFFLAGS, &ifr) < 0) say("lo up: %s", strerror(errno));
    }
    close(s);
}

/* Without ACPI (microvm, acpi=off, Firecracker) a power-off only halts the CPU and the VMM keeps
 * running; a reboot request makes QEMU with -no-reboot, and Firecracker, exit. */
static int use_reboot(void) {
    char *cmdline = slurp("/proc/cmdline", NULL);
    int reboot_wanted = -1;
    if (cmdline) {
        if (strstr(cmdline, "kiln.poweroff=reboot")) reboot_wanted = 1;
        else if (strstr(cmdline, "kiln.poweroff=poweroff")) reboot_wanted = 0;
        free(cmdline);
    }
    if (reboot_wanted >= 0) return reboot_wanted;
    return access("/sys/firmware/acpi", F_OK) != 0;
}

static void shutdown_and_exit(int code) {
    /* TERM, a grace period, then KILL for everything that is left */
    kill(-1, SIGTERM);
    long long deadline = now_ms() + conf.grace_ms;
    for (;;) {
        pid_t p = waitpid(-1, NULL, WNOHANG);
        if (p < 0 && errno == ECHILD) break;
        if (p > 0) continue;
        if (now_ms() >= deadline) {
            say("killing remaining processes");
            kill(-1, SIGKILL);
            while (waitpid(-1, NULL, 0) > 0) {}
            break;
        }
        usleep(20000);
    }
    sync();
    umount2("/tmp", MNT_DETACH);
    umount2("/run", MNT_DETACH);
    /* leave the root filesystem clean, so fsck has nothing to replay (not for an initramfs,
     * whose root is a ramfs or tmpfs that vanishes anyway) */
    struct statfs root;
    int in_memory = statfs("/", &root) == 0 && (root.f_type == 0x858458f6 /* ramfs */
                                                || root.f_type == 0x01021994 /* tmpfs */);
    if (!in_memory && mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL) < 0) {
        say("remount / read-only: %s", strerror(errno));
    }
    sync();
    (void)code;
    reboot(use_reboot() ? RB_AUTOBOOT : RB_POWER_OFF);
    say("reboot: %s", strerror(errno));
    for (;;) pause();
}

static void fail(const char *why) {
    say("%s", why);
    say("exit status 1");
    shutdown_and_exit(1);
}

/* ---- helper modes for an image's own init system ---- */

static int helper_mode(const char *what) {
    if (load_conf() < 0) return 1;
    if (!strcmp(what, "agent")) {
        if (conf.agent_argv.n == 0) {
            fprintf(stderr, "kiln-init: no agent configured in %s\n", CONF_PATH);
            return 1;
        }
        exec_program(conf.agent_argv.items, build_env(&conf.env, &conf.agent_env, "/root"));
    } else if (!strcmp(what, "script")) {
        if (!conf.script) {
            fprintf(stderr, "kiln-init: no script configured in %s\n", CONF_PATH);
            return 1;
        }
        char *argv[] = {(char *)conf.script, NULL};
        exec_program(argv, build_env(&conf.env, NULL, "/root"));
    } else if (!strcmp(what, "main")) {
        struct ids ids;
        if (conf.argv.n == 0 || resolve_user(conf.user, &ids) < 0) return 1;
        if (setgroups(ids.ngroups, ids.groups) < 0 || setgid(ids.gid) < 0 || setuid(ids.uid) < 0) return 126;
        if (conf.workdir && *conf.workdir && chdir(conf.workdir) < 0) return 126;
        exec_program(conf.argv.items, build_env(&conf.env, NULL, ids.home));
    }
    fprintf(stderr, "usage: kiln-init [agent|script|main] (as PID 1: no arguments)\n");
    return 2;
}

int main(int argc, char **argv) {
    if (getpid() != 1) {
        return helper_mode(argc > 1 ? argv[1] : "");
    }
    setup_mounts();
    setup_console();
    if (load_conf() < 0) fail("nothing to run");
    setup_hostname();
    setup_loopback();
    reboot(RB_DISABLE_CAD); /* Ctrl-Alt-Del becomes SIGINT, which is forwarded */

    sigemptyset(&blocked);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&blocked, sigs[i]);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int sfd = signalfd(-1, &blocked, SFD_CLOEXEC);

    struct ids ids;
    if (conf.argv.n > 0 && resolve_user(conf.user, &ids) < 0) fail("cannot resolve the user of the main program");

    pid_t agent = -1, script = -1, mainpid = -1;
    long long agent_started = 0, agent_restart_at = -1;
    int backoff = 1000;
    int script_fd = -1;
    int main_started = 0;

    if (conf.agent_argv.n > 0) {
        agent = start_agent();
        agent_started = now_ms();
    }
    if (conf.script) {
        say("running script %s", conf.script);
        script = start_script(&script_fd);
        if (script < 0) fail("cannot start the script");
    }
    if (conf.argv.n == 0 && conf.agent_argv.n == 0 && !conf.script) {
        fail("nothing to run: the image has no Entrypoint or Cmd and no agent is configured");
    }

    for (;;) {
        if (script < 0 && script_fd < 0 && !main_started) {
            main_started = 1;
            if (conf.argv.n > 0) {
                mainpid = start_main(&ids);
                if (mainpid < 0) fail("cannot start the main program");
            } else if (conf.agent_argv.n == 0) {
                say("exit status 0");
                shutdown_and_exit(0);
            }
        }
        int timeout = -1;
        if (agent_restart_at >= 0) {
            long long wait = agent_restart_at - now_ms();
            timeout = wait < 0 ? 0 : (int)wait;
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {script_fd, POLLIN, 0}};
        int r = poll(fds, script_fd >= 0 ? 2 : 1, timeout);
        if (r < 0 && errno != EINTR) say("poll: %s", strerror(errno));
        if (agent_restart_at >= 0 && now_ms() >= agent_restart_at) {
            agent_restart_at = -1;
            agent = start_agent();
            agent_started = now_ms();
        }
        if (script_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            relay(script_fd, &script_fd, 0);
        }
        if (!(fds[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si) continue;
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            if (mainpid > 0) {
                kill(mainpid, si.ssi_signo);
            } else {
                say("signal %d, shutting down", si.ssi_signo);
                say("exit status %d", 128 + si.ssi_signo);
                shutdown_and_exit(128 + si.ssi_signo);
            }
            continue;
        }
        if (si.ssi_signo != SIGCHLD) continue;
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == mainpid) {
                int code = status_code(status);
                if (WIFSIGNALED(status)) say("main program killed by signal %d", WTERMSIG(status));
                say("exit status %d", code);
                shutdown_and_exit(code);
            } else if (pid == script) {
                script = -1;
                say("script %s exited with status %d", conf.script, status_code(status));
            } else if (pid == agent) {
                agent = -1;
                /* a run that lasted a while resets the backoff; quick crashes double it */
                if (now_ms() - agent_started > 10000) backoff = 1000;
                say("agent exited with status %d, restarting in %d ms", status_code(status), backoff);
                agent_restart_at = now_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            }
            /* anything else is an orphan we adopted: reaped, nothing more to do */
        }
    }
}
