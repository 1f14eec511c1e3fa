/*
 * Capabilities of a container's program: names, and applying a set. The set becomes the
 * bounding set (so nothing run later, setuid programs included, can have more); root gets it
 * as its effective set; a non-root user gets it through ambient capabilities only when the
 * config lists capabilities explicitly (with Docker's default set a non-root user has none,
 * as with Docker). No new privileges are possible after exec.
 */
#include "machine.h"

#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#endif
#ifndef PR_SET_NO_NEW_PRIVS
#define PR_SET_NO_NEW_PRIVS 38
#endif

/* The kernel's capability numbers (include/uapi/linux/capability.h); Java's ContainerConfig lists the same names. */
static const char *const NAMES[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE",
};
#define NCAPS (int)(sizeof NAMES / sizeof *NAMES)
#define BIT(c) (1ULL << (c))

/* Docker's default set: CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP
 * NET_BIND_SERVICE SYS_CHROOT KILL AUDIT_WRITE */
const uint64_t DEFAULT_CAPS = BIT(0) | BIT(1) | BIT(3) | BIT(4) | BIT(5) | BIT(6) | BIT(7) | BIT(8) | BIT(10)
                              | BIT(13) | BIT(18) | BIT(27) | BIT(29) | BIT(31);

/* "CAP_NET_RAW", "net_raw"... to its number, or -1. */
int cap_parse(const char *name) {
    if (!strncasecmp(name, "CAP_", 4)) name += 4;
    for (int i = 0; i < NCAPS; i++) {
        if (!strcasecmp(name, NAMES[i])) return i;
    }
    return -1;
}

/* "CAP_CHOWN"... or NULL for a number without a name. */
const char *cap_name(int cap) {
    static char buf[NCAPS][32];
    if (cap < 0 || cap >= NCAPS) return NULL;
    if (!buf[cap][0]) snprintf(buf[cap], sizeof buf[cap], "CAP_%s", NAMES[cap]);
    return buf[cap];
}

struct cap_header {
    uint32_t version;
    int pid;
};
struct cap_data {
    uint32_t effective, permitted, inheritable;
};
#define CAP_VERSION_3 0x20080522

static int capset3(uint64_t eff, uint64_t perm, uint64_t inh) {
    struct cap_header h = {CAP_VERSION_3, 0};
    struct cap_data d[2] = {
        {(uint32_t)eff, (uint32_t)perm, (uint32_t)inh},
        {(uint32_t)(eff >> 32), (uint32_t)(perm >> 32), (uint32_t)(inh >> 32)},
    };
    return (int)syscall(SYS_capset, &h, d);
}

/*
 * In the container's first process, as root with every capability, just before exec: drops
 * the bounding set to `set`, becomes the user, and keeps `set` (for a non-root user only when
 * `ambient`). -1 with a message on failure.
 */
int caps_apply(uint64_t set, int ambient, const struct ids *ids) {
    uint64_t known = 0;
    for (int cap = 0; cap < 64 && prctl(PR_CAPBSET_READ, cap, 0, 0, 0) >= 0; cap++) known |= BIT(cap);
    uint64_t missing = set & ~known & (set == ~0ULL ? 0 : ~0ULL);
    if (missing) {
        for (int cap = 0; cap < 64; cap++) {
            if (missing & BIT(cap)) say("capability %s: not supported by this kernel", cap_name(cap) ? cap_name(cap) : "?");
        }
        return -1;
    }
    set &= known;
    for (int cap = 0; cap < 64; cap++) {
        if ((known & BIT(cap)) && !(set & BIT(cap)) && prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0) {
            say("dropping %s from the bounding set: %s", cap_name(cap), strerror(errno));
            return -1;
        }
    }
    /* keep the permitted set across setuid, so that a non-root user can be given capabilities */
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || become(ids) < 0) {
        say("user %u:%u: %s", (unsigned)ids->uid, (unsigned)ids->gid, strerror(errno));
        return -1;
    }
    int root = ids->uid == 0;
    uint64_t keep = root || ambient ? set : 0;
    if (capset3(keep, keep, root ? 0 : keep) < 0) {
        say("capset: %s", strerror(errno));
        return -1;
    }
    if (!root) {
        for (int cap = 0; cap < 64; cap++) {
            if ((keep & BIT(cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0) {
                say("ambient %s: %s", cap_name(cap), strerror(errno));
                return -1;
            }
        }
    }
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
        say("no_new_privs: %s", strerror(errno));
        return -1;
    }
    return 0;
}
