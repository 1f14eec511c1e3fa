/* Stopping everything, leaving the root filesystem clean, and ending the VM. */
#include "kiln-init.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Without ACPI (x86 microvm with acpi=off, Firecracker) a power-off only halts the CPU and the
 * VMM keeps running; a reboot request makes QEMU with -no-reboot, and Firecracker, exit. On
 * arm64 `virt` (no ACPI in Kiln's kernels) both work: PSCI ends QEMU either way.
 * kiln.poweroff=reboot|poweroff on the kernel command line decides instead.
 */
static int use_reboot(void) {
    char how[32];
    if (kernel_param("kiln.poweroff", how, sizeof how)) {
        if (!strcmp(how, "reboot")) return 1;
        if (!strcmp(how, "poweroff")) return 0;
        say("kiln.poweroff=%s: expected reboot or poweroff", how);
    }
    return access("/sys/firmware/acpi", F_OK) != 0;
}

/* TERM, a grace period, then KILL for every process but PID 1; returns when all are reaped. */
void stop_everything(int grace_ms) {
    kill(-1, SIGTERM);
    long long deadline = now_ms() + grace_ms;
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
}

void shutdown_and_exit(int code) {
    stop_everything(conf.grace_ms);
    sync();
    undo_resolv_conf();
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

void fail(const char *why) {
    say("%s", why);
    say("exit status 1");
    shutdown_and_exit(1);
}
