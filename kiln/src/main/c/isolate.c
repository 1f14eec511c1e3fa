/*
 * Starting one container: its own mount, PID, UTS and IPC namespaces (and network namespace
 * with net=none), its rootfs as / through pivot_root, a fresh /proc, a minimal /dev, /sys
 * read-only, a private /tmp, the binds it lists, its host name, user and capabilities. The
 * first process of the new PID namespace sets all this up and then execs the program, which so
 * runs as PID 1 of its namespace.
 *
 * There is no device cgroup here, so a container given CAP_MKNOD (Docker's default set has it)
 * could otherwise make a node for the VM's disk and open it. Instead every mount it can write
 * is nodev (its root, /tmp, /dev/shm, binds other than of the VM's /dev), and /dev, holding
 * only the nodes below, is read-only: a node can be made but not opened. As with Docker, /proc
 * entries that reach the whole machine (sysrq-trigger, sys, kcore...) are read-only or hidden.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef SYS_open_tree
#define SYS_open_tree 428
#endif
#ifndef SYS_move_mount
#define SYS_move_mount 429
#endif
#ifndef OPEN_TREE_CLONE
#define OPEN_TREE_CLONE 1
#endif
#ifndef MOVE_MOUNT_F_EMPTY_PATH
#define MOVE_MOUNT_F_EMPTY_PATH 0x4
#endif

#define SETUP_FAILED 126
#define MAX_BINDS 64

static void die(const char *what, const char *path) __attribute__((noreturn));
static void die(const char *what, const char *path) {
    say("%s %s: %s", what, path, strerror(errno));
    _exit(SETUP_FAILED);
}

static void mount_or_die(const char *src, const char *target, const char *type, unsigned long flags, const char *data) {
    if (make_dirs(target, 0755) < 0) die("mkdir", target);
    if (mount(src, target, type, flags, data) < 0) die("mount", target);
}

/* Remounts the mount at path with flags, keeping its nosuid, nodev and noexec. */
static int remount(const char *path, unsigned long flags) {
    struct statvfs vfs;
    if (statvfs(path, &vfs) == 0) {
        if (vfs.f_flag & ST_NOSUID) flags |= MS_NOSUID;
        if (vfs.f_flag & ST_NODEV) flags |= MS_NODEV;
        if (vfs.f_flag & ST_NOEXEC) flags |= MS_NOEXEC;
    }
    return mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | flags, NULL);
}

static void make_dev(void) {
    mount_or_die("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "mode=0755,size=1024k");
    static const struct { const char *name; unsigned major, minor; } nodes[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
    };
    for (size_t i = 0; i < sizeof nodes / sizeof *nodes; i++) {
        char path[64];
        snprintf(path, sizeof path, "/dev/%s", nodes[i].name);
        if (mknod(path, S_IFCHR | 0666, makedev(nodes[i].major, nodes[i].minor)) < 0 || chmod(path, 0666) < 0) {
            die("mknod", path);
        }
    }
    mount_or_die("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5");
    mount_or_die("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    /* POSIX message queues of the container's IPC namespace, when the kernel has them */
    if (mkdir("/dev/mqueue", 0755) == 0 && mount("mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0) {
        rmdir("/dev/mqueue");
    }
    static const char *const links[][2] = {
        {"pts/ptmx", "/dev/ptmx"}, {"/proc/self/fd", "/dev/fd"}, {"/proc/self/fd/0", "/dev/stdin"},
        {"/proc/self/fd/1", "/dev/stdout"}, {"/proc/self/fd/2", "/dev/stderr"},
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        if (symlink(links[i][0], links[i][1]) < 0) die("symlink", links[i][1]);
    }
}

/* What Docker hides or makes read-only in /proc and /sys: they reach the whole machine. */
static void protect_proc(void) {
    static const char *const hidden[] = {
        "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
        "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/devices/virtual/powercap",
    };
    static const char *const readonly[] = {"/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"};
    for (size_t i = 0; i < sizeof hidden / sizeof *hidden; i++) {
        struct stat st;
        if (stat(hidden[i], &st) < 0) continue;
        int r = S_ISDIR(st.st_mode) ? mount("tmpfs", hidden[i], "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
                                    : mount("/dev/null", hidden[i], NULL, MS_BIND, NULL);
        if (r < 0) die("hiding", hidden[i]);
    }
    for (size_t i = 0; i < sizeof readonly / sizeof *readonly; i++) {
        if (access(readonly[i], F_OK) < 0) continue;
        if (mount(readonly[i], readonly[i], NULL, MS_BIND | MS_REC, NULL) < 0
            || remount(readonly[i], MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0) {
            die("read-only", readonly[i]);
        }
    }
}

/* Creates the mount point for a bind: a directory, or an empty file for a file. */
static int bind_target(const char *dst, int dir) {
    if (dir) return make_dirs(dst, 0755);
    struct stat st;
    if (stat(dst, &st) == 0) return 0;
    char parent[PATH_MAX];
    snprintf(parent, sizeof parent, "%s", dst);
    char *slash = strrchr(parent, '/');
    if (slash > parent) {
        *slash = 0;
        if (make_dirs(parent, 0755) < 0) return -1;
    }
    int fd = open(dst, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    return fd < 0 ? -1 : close(fd);
}

/* Attaches a mount cloned before pivot_root (tree) at dst inside the container. */
static int attach(int tree, const char *dst, int ro, int nodev) {
    struct stat st;
    if (fstat(tree, &st) < 0 || bind_target(dst, S_ISDIR(st.st_mode)) < 0) return -1;
    if (syscall(SYS_move_mount, tree, "", AT_FDCWD, dst, MOVE_MOUNT_F_EMPTY_PATH) < 0) return -1;
    close(tree);
    return remount(dst, (ro ? MS_RDONLY : 0) | (nodev ? MS_NODEV : 0));
}

static int clone_tree(const char *path) {
    return (int)syscall(SYS_open_tree, AT_FDCWD, path, OPEN_TREE_CLONE | O_CLOEXEC);
}

static int under(const char *path, const char *dir) {
    size_t n = strlen(dir);
    return !strncmp(path, dir, n) && (path[n] == 0 || path[n] == '/');
}

/* The container's first process: never returns. */
static void child(const struct centry *e, const struct cconf *c, int out_fd, sigset_t *unblock) {
    sigprocmask(SIG_UNBLOCK, unblock, NULL);
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out_fd, STDOUT_FILENO) < 0 || dup2(out_fd, STDERR_FILENO) < 0) {
        _exit(SETUP_FAILED);
    }
    char rootfs[PATH_MAX];
    if (snprintf(rootfs, sizeof rootfs, "%s/rootfs", e->dir) >= (int)sizeof rootfs) _exit(SETUP_FAILED);

    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) die("mount", "/ (private)");
    /*
     * pivot_root needs the current root to be a mount with a parent; in an initramfs it is the
     * rootfs, which has none. So first put a recursive bind of / over / and enter it (as
     * switch_root does); the container's root then ends up over the VM's root, where ".."
     * leads nowhere else.
     */
    if (mount("/", e->dir, NULL, MS_BIND | MS_REC, NULL) < 0 || chdir(e->dir) < 0
        || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 || chdir("/") < 0) {
        die("entering a copy of", "/");
    }

    /* bind sources are paths of the VM's root: cloned now, attached inside the container later */
    static int trees[MAX_BINDS];
    static char dsts[MAX_BINDS][PATH_MAX];
    static int ros[MAX_BINDS], nodevs[MAX_BINDS];
    int nb = 0;
    for (int i = 0; i < c->binds.n && nb < MAX_BINDS; i++, nb++) {
        char src[PATH_MAX];
        if (bind_parse(e->dir, c->binds.items[i], src, dsts[nb], sizeof src, &ros[nb]) < 0) _exit(SETUP_FAILED);
        /* a missing source is made a directory, as docker run -v does (binds often share a dir of /run) */
        if (access(src, F_OK) < 0 && errno == ENOENT && make_dirs(src, 0755) < 0) die("creating bind source", src);
        trees[nb] = clone_tree(src);
        if (trees[nb] < 0) die("bind source", src);
        nodevs[nb] = !under(src, "/dev"); /* binding the VM's devices is what such a bind is for */
    }
    struct stat st;
    int resolv = !c->net_none && stat("/etc/resolv.conf", &st) == 0 && S_ISREG(st.st_mode) ? clone_tree("/etc/resolv.conf") : -1;

    if (mount(rootfs, rootfs, NULL, MS_BIND, NULL) < 0 || chdir(rootfs) < 0) die("mount", rootfs);
    /* the old root is stacked on the new one and detached at once (pivot_root(2), "." twice) */
    if (syscall(SYS_pivot_root, ".", ".") < 0) die("pivot_root", rootfs);
    if (umount2(".", MNT_DETACH) < 0 || chdir("/") < 0) die("detaching the VM's root from", rootfs);

    mount_or_die("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    make_dev();
    mount_or_die("sysfs", "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
    mount_or_die("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
    protect_proc();
    for (int i = 0; i < nb; i++) {
        if (attach(trees[i], dsts[i], ros[i], nodevs[i]) < 0) die("bind to", dsts[i]);
    }
    if (resolv >= 0 && access("/etc", F_OK) == 0 && attach(resolv, "/etc/resolv.conf", 1, 1) < 0) {
        say("the VM's name servers are not given to the container: /etc/resolv.conf: %s", strerror(errno));
    }

    const char *hostname = c->hostname ? c->hostname : e->name;
    if (sethostname(hostname, strlen(hostname)) < 0) die("sethostname", hostname);
    if (c->net_none) setup_loopback();

    struct ids ids;
    if (resolve_user(c->user, &ids) < 0) _exit(SETUP_FAILED);
    for (int i = 0; i < c->groups.n && ids.ngroups < MAX_GROUPS; i++) {
        struct ids g;
        char spec[300];
        snprintf(spec, sizeof spec, "0:%s", c->groups.items[i]);
        if (resolve_user(spec, &g) < 0) _exit(SETUP_FAILED);
        ids.groups[ids.ngroups++] = g.gid;
    }
    const char *cwd = c->cwd ? c->cwd : "/";
    if (chdir(cwd) < 0) {
        /* like container runtimes, create a missing working directory for the user */
        if (make_dirs(cwd, 0755) < 0 || chown(cwd, ids.uid, ids.gid) < 0 || chdir(cwd) < 0) die("working directory", cwd);
    }
    if (remount("/dev", MS_RDONLY) < 0) die("read-only", "/dev");
    if (remount("/", MS_NODEV | (c->readonly ? MS_RDONLY : 0)) < 0) die("remount", "/");

    if (caps_apply(c->caps, c->caps_given, &ids) < 0) _exit(SETUP_FAILED);
    exec_program((char **)c->argv.items, build_env(&c->env, NULL, ids.home));
}

/*
 * Forks the container's first process into new namespaces (a raw clone: fork with namespace
 * flags; the program is single-threaded). Its output goes to out_fd. -1 when it cannot start.
 */
pid_t container_start(const struct centry *e, const struct cconf *c, int out_fd, sigset_t *unblock) {
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    if (c->net_none) flags |= CLONE_NEWNET;
    pid_t pid = (pid_t)syscall(SYS_clone, flags, NULL, NULL, NULL, NULL);
    if (pid == 0) child(e, c, out_fd, unblock);
    return pid;
}
