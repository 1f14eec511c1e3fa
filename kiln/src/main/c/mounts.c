/* The machine around the program: mounts, the console, hostname, loopback, DNS servers. */
#include "kiln-init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#define RESOLV_CONF "/etc/resolv.conf"
#define RUN_RESOLV_CONF "/run/kiln/resolv.conf"

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

void setup_mounts(void) {
    setup_system_mounts();
    mount_fs("tmpfs", "/tmp", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
}

/* Everything but /tmp: build steps keep /tmp on the disk, as `docker build` does. */
void setup_system_mounts(void) {
    const unsigned long common = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    mount_fs("proc", "/proc", common, NULL, 0555);
    mount_fs("sysfs", "/sys", common, NULL, 0555);
    mount_fs("devtmpfs", "/dev", MS_NOSUID, "mode=0755", 0755);
    mount_fs("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC, "mode=0620,ptmxmode=0666,gid=5", 0755);
    mount_fs("tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
    mount_fs("tmpfs", "/run", MS_NOSUID | MS_NODEV, "mode=0755", 0755);
    /* devtmpfs lacks these conventional links */
    if (symlink("/proc/self/fd", "/dev/fd") < 0) {}
    if (symlink("/proc/self/fd/0", "/dev/stdin") < 0) {}
    if (symlink("/proc/self/fd/1", "/dev/stdout") < 0) {}
    if (symlink("/proc/self/fd/2", "/dev/stderr") < 0) {}
    if (symlink("pts/ptmx", "/dev/ptmx") < 0) {}
}

void setup_console(void) {
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

void setup_hostname(void) {
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

void setup_loopback(void) {
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

/* ---- /etc/resolv.conf for this boot, without changing the image's file ---- */

static int resolv_mounted;
static char resolv_created[PATH_MAX]; /* a mount point kiln-init had to create, removed at shutdown */

static void mkdirs(const char *file) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s", file);
    for (char *p = path + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            mkdir(path, 0755);
            *p = '/';
        }
    }
}

/* The file /etc/resolv.conf leads to: itself, or the target of a symlink (relative to /etc). */
static void resolv_path(char *out, size_t size) {
    char target[PATH_MAX - 8]; /* room for "/etc/" */
    ssize_t n = readlink(RESOLV_CONF, target, sizeof target - 1);
    if (n <= 0) {
        snprintf(out, size, "%s", RESOLV_CONF);
        return;
    }
    target[n] = 0;
    snprintf(out, size, "%s%s", target[0] == '/' ? "" : "/etc/", target);
}

/*
 * Writes the name servers of this boot to /run/kiln/resolv.conf and bind-mounts it over
 * /etc/resolv.conf, as container runtimes do: the image's file stays as it is. When there is
 * no file to mount over (none, or a symlink to nothing) an empty one is created as the mount
 * point and removed again at shutdown.
 */
void setup_resolv_conf(void) {
    if (conf.dns.n == 0) return;
    char content[8192] = "";
    size_t used = 0;
    for (int i = 0; i < conf.dns.n && used < sizeof content; i++) {
        used += snprintf(content + used, sizeof content - used, "nameserver %s\n", conf.dns.items[i]);
    }
    mkdir("/run/kiln", 0755);
    if (write_file(RUN_RESOLV_CONF, content, 0644) < 0) {
        say("%s: %s", RUN_RESOLV_CONF, strerror(errno));
        return;
    }
    struct stat st;
    if (stat(RESOLV_CONF, &st) < 0) {
        char path[PATH_MAX];
        resolv_path(path, sizeof path);
        mkdirs(path);
        int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd < 0) {
            say("%s: cannot create it to set the name servers: %s", path, strerror(errno));
            return;
        }
        close(fd);
        snprintf(resolv_created, sizeof resolv_created, "%s", path);
    } else if (!S_ISREG(st.st_mode)) {
        say("%s: not a file; the name servers are not set", RESOLV_CONF);
        return;
    }
    if (mount(RUN_RESOLV_CONF, RESOLV_CONF, NULL, MS_BIND, NULL) < 0) {
        say("bind mount over %s: %s", RESOLV_CONF, strerror(errno));
        undo_resolv_conf();
        return;
    }
    resolv_mounted = 1;
}

void undo_resolv_conf(void) {
    if (resolv_mounted && umount2(RESOLV_CONF, MNT_DETACH) < 0) {
        say("unmount %s: %s", RESOLV_CONF, strerror(errno));
    }
    resolv_mounted = 0;
    if (resolv_created[0]) {
        unlink(resolv_created);
        resolv_created[0] = 0;
    }
}
