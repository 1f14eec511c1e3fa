/*
 * A composed machine: containers kiln-init runs from /containers (PROTOCOL.md, "Composed
 * machines"). Declarations shared by its parts:
 *
 *   containers.c  the layout under /containers and the per-container config file
 *   caps.c        capability names, and applying a set (bounding, capset, ambient)
 *   isolate.c     starting one container: namespaces, its root, /proc, /dev, /sys, binds, user
 *   machine.c     onboot, services and onshutdown in order; restarts; output to console and logs
 *   power.c       power-off requests: `kiln-init poweroff`, the ACPI power button
 */
#ifndef KILN_MACHINE_H
#define KILN_MACHINE_H

#include "kiln-init.h"

#include <limits.h>
#include <signal.h>
#include <stdint.h>

#define CONTAINERS_DIR "/containers"
#define MAX_CONTAINERS 128
#define CONTAINER_NAME_MAX 63

enum kind { ONBOOT, SERVICE, ONSHUTDOWN };

/* One container's config file, as read (see PROTOCOL.md for the keys). */
struct cconf {
    struct list argv;
    struct list env;
    struct list groups;     /* supplementary groups asked for, besides those of /etc/group */
    struct list binds;      /* "SRC:DST[:ro|rw]" as written */
    uint64_t caps;          /* the capability set */
    int caps_given;         /* 0: Docker's default set (and none for a non-root user) */
    int net_none;
    int readonly;
    int timeout_s;          /* onboot/onshutdown: killed after this long; 0: no limit */
    const char *cwd;
    const char *user;
    const char *hostname;
    char *buf;              /* the file's bytes; the strings above point into it */
};

/* One entry of the layout: /containers/KIND/NN-NAME. */
struct centry {
    enum kind kind;
    unsigned long order;    /* NN */
    char name[CONTAINER_NAME_MAX + 1];
    char dir[PATH_MAX];
};

/* containers.c */
const char *kind_name(enum kind k);
int cconf_load(struct cconf *c, const char *path);
void cconf_write(const struct cconf *c, int fd);
int bind_parse(const char *where, const char *spec, char *src, char *dst, size_t size, int *ro);
int machine_scan(const char *root, struct centry *out, int max);
int machine_helper(int argc, char **argv);

/* caps.c */
extern const uint64_t DEFAULT_CAPS;
int cap_parse(const char *name);
const char *cap_name(int cap);
int caps_apply(uint64_t set, int ambient, const struct ids *ids);

/* isolate.c */
pid_t container_start(const struct centry *e, const struct cconf *c, int out_fd, sigset_t *unblock);

/* machine.c */
struct pollfd;
int machine_load(const char *root);
int machine_has_services(void);
void machine_begin(const sigset_t *signals);
int machine_booted(void);
int machine_boot_failure(void);
int machine_pollfds(struct pollfd *fds, int max);
void machine_io(struct pollfd *fds, int n);
long long machine_next_timer(void);
void machine_timers(void);
int machine_reaped(pid_t pid, int status);
void machine_stop(void);
int machine_stopped(void);
void machine_end(void);

/* power.c */
int poweroff_command(int argc, char **argv);
int power_button_open(void);
int power_button_pressed(int fd);

#endif
