/*
 * Requests to power the machine off, besides SIGTERM and SIGINT (ctrl-alt-del):
 *   - `kiln-init poweroff [STATUS]` run in the VM sends PID 1 SIGUSR2 carrying STATUS (busybox's
 *     `poweroff` sends a plain SIGUSR2 too, which means status 0);
 *   - the ACPI power button (QEMU's system_powerdown on q35 or pc), which the kernel reports as
 *     an "acpi_event" generic netlink message; there is no input device to read it from in
 *     Kiln's kernels, and this needs none.
 */
#include "machine.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int poweroff_command(int argc, char **argv) {
    long status = 0;
    if (argc > 2) {
        char *end;
        status = strtol(argv[2], &end, 10);
        if (!*argv[2] || *end || status < 0 || status > 255 || argc > 3) {
            fprintf(stderr, "usage: kiln-init poweroff [STATUS]  (STATUS 0 to 255, the VM's exit status; default 0)\n");
            return 2;
        }
    }
    union sigval v = {.sival_int = (int)status};
    if (sigqueue(1, SIGUSR2, v) < 0) {
        fprintf(stderr, "kiln-init poweroff: cannot signal PID 1: %s\n", strerror(errno));
        return 1;
    }
    return 0;
}

/* Generic netlink, as in linux/netlink.h and linux/genetlink.h (not in every libc's headers). */
#define NETLINK_GENERIC_PROTO 16
#define GENL_ID_CTRL 0x10
#define CTRL_CMD_GETFAMILY 3
#define CTRL_ATTR_FAMILY_ID 1
#define CTRL_ATTR_FAMILY_NAME 2
#define CTRL_ATTR_MCAST_GROUPS 7
#define CTRL_ATTR_MCAST_GRP_NAME 1
#define CTRL_ATTR_MCAST_GRP_ID 2
#define SOL_NETLINK_LEVEL 270
#define NETLINK_ADD_MEMBERSHIP_OPT 1
#define NLM_F_REQUEST_FLAG 1
#define ACPI_GENL_ATTR_EVENT 1
#define ALIGN4(n) (((n) + 3) & ~3u)

struct nl_addr {
    unsigned short family, pad;
    uint32_t pid, groups;
};
struct nl_hdr {
    uint32_t len;
    uint16_t type, flags;
    uint32_t seq, pid;
};
struct genl_hdr {
    uint8_t cmd, version;
    uint16_t reserved;
};
struct nl_attr {
    uint16_t len, type;
};
/* the kernel's struct acpi_genl_event */
struct acpi_event {
    char device_class[20];
    char bus_id[15];
    uint32_t type;
    uint32_t data;
};

static uint16_t acpi_family;

/* Calls fn for each attribute in [p, p + len). */
static void attrs(const char *p, size_t len, void (*fn)(const struct nl_attr *, const char *, void *), void *arg) {
    while (len >= sizeof(struct nl_attr)) {
        const struct nl_attr *a = (const void *)p;
        if (a->len < sizeof *a || a->len > len) return;
        fn(a, p + sizeof *a, arg);
        size_t step = ALIGN4(a->len);
        if (step >= len) return;
        p += step;
        len -= step;
    }
}

struct group {
    int acpi;
    uint32_t id;
};

/* One multicast group's attributes; the kernel puts its id before its name. */
static void group_attr(const struct nl_attr *a, const char *v, void *arg) {
    struct group *g = arg;
    size_t len = a->len - sizeof *a;
    if ((a->type & 0x7fff) == CTRL_ATTR_MCAST_GRP_NAME) g->acpi = len >= 14 && !memcmp(v, "acpi_mc_group", 14);
    if ((a->type & 0x7fff) == CTRL_ATTR_MCAST_GRP_ID && len >= 4) memcpy(&g->id, v, 4);
}

static void group_list(const struct nl_attr *a, const char *v, void *arg) {
    struct group g = {0, 0};
    attrs(v, a->len - sizeof *a, group_attr, &g);
    if (g.acpi) *(uint32_t *)arg = g.id;
}

static void family_attr(const struct nl_attr *a, const char *v, void *arg) {
    if ((a->type & 0x7fff) == CTRL_ATTR_FAMILY_ID && a->len >= sizeof *a + 2) memcpy(&acpi_family, v, 2);
    if ((a->type & 0x7fff) == CTRL_ATTR_MCAST_GROUPS) attrs(v, a->len - sizeof *a, group_list, arg);
}

/* A socket that receives ACPI events, or -1 (no ACPI, or a kernel without its netlink events). */
int power_button_open(void) {
    if (access("/sys/firmware/acpi", F_OK) < 0) return -1;
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC_PROTO);
    if (fd < 0) return -1;
    struct nl_addr addr = {AF_NETLINK, 0, 0, 0};
    struct {
        struct nl_hdr n;
        struct genl_hdr g;
        struct nl_attr a;
        char name[12];
    } req = {{sizeof req, GENL_ID_CTRL, NLM_F_REQUEST_FLAG, 1, 0}, {CTRL_CMD_GETFAMILY, 1, 0},
             {sizeof(struct nl_attr) + 11, CTRL_ATTR_FAMILY_NAME}, "acpi_event"};
    char buf[8192];
    uint32_t group = 0;
    ssize_t n;
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || send(fd, &req, sizeof req, 0) < 0
        || (n = recv(fd, buf, sizeof buf, 0)) < (ssize_t)(sizeof(struct nl_hdr) + sizeof(struct genl_hdr))) {
        close(fd);
        return -1;
    }
    const struct nl_hdr *h = (const void *)buf;
    if (h->type == GENL_ID_CTRL && h->len <= (size_t)n) {
        size_t off = sizeof(struct nl_hdr) + sizeof(struct genl_hdr);
        attrs(buf + off, h->len - off, family_attr, &group);
    }
    if (!acpi_family || !group
        || setsockopt(fd, SOL_NETLINK_LEVEL, NETLINK_ADD_MEMBERSHIP_OPT, &group, sizeof group) < 0) {
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, O_NONBLOCK);
    return fd;
}

static void event_attr(const struct nl_attr *a, const char *v, void *arg) {
    struct acpi_event e;
    if ((a->type & 0x7fff) != ACPI_GENL_ATTR_EVENT || a->len < sizeof *a + sizeof e) return;
    memcpy(&e, v, sizeof e);
    e.device_class[sizeof e.device_class - 1] = 0;
    if (!strncmp(e.device_class, "button/power", 12)) *(int *)arg = 1;
}

/* Reads the pending ACPI events; 1 when one of them is a press of the power button. */
int power_button_pressed(int fd) {
    int pressed = 0;
    char buf[8192];
    ssize_t n;
    while ((n = recv(fd, buf, sizeof buf, 0)) > 0) {
        for (size_t off = 0; off + sizeof(struct nl_hdr) <= (size_t)n;) {
            const struct nl_hdr *h = (const void *)(buf + off);
            if (h->len < sizeof *h || off + h->len > (size_t)n) break;
            size_t body = sizeof *h + sizeof(struct genl_hdr);
            if (h->type == acpi_family && h->len > body) attrs(buf + off + body, h->len - body, event_attr, &pressed);
            off += ALIGN4(h->len);
        }
    }
    return pressed;
}
