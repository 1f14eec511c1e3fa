/*
 * kiln-init: PID 1 for root filesystems built by Kiln. Shared declarations of its parts:
 *
 *   util.c       console messages, file reading, string lists
 *   protocol.c   what the host tells kiln-init: /etc/kiln/init.conf, the run config disk that
 *                `kiln run` attaches, kernel command line keys (all described in PROTOCOL.md)
 *   mounts.c     /proc, /sys, /dev..., the console, hostname, loopback, /etc/resolv.conf
 *   users.c      users and groups from the image's files, environments, exec
 *   supervise.c  the agent, the boot script and the main program, and PID 1's wait loop
 *   shutdown.c   stopping everything, clean unmount, powering off
 *   steps.c      build steps: one command run on the host's scratch disk, reported
 *   main.c       PID 1's start, and the helper modes run by an image's own init (and tests)
 *   machine.h    a composed machine's containers (containers.c, caps.c, isolate.c, machine.c,
 *                power.c)
 *
 * Built static (musl or glibc), with no dependency on anything in the image.
 */
#ifndef KILN_INIT_H
#define KILN_INIT_H

#define _GNU_SOURCE
#include <stddef.h>
#include <sys/types.h>

#define CONF_PATH "/etc/kiln/init.conf"
#define STEP_CONF_PATH "/kiln/step.conf" /* in the initramfs the host boots build steps with */
#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define MAX_ITEMS 4096
#define MAX_GROUPS 256

#if defined(__x86_64__)
#define KILN_ARCH "x86_64"
#elif defined(__aarch64__)
#define KILN_ARCH "aarch64"
#else
#define KILN_ARCH "unknown"
#endif

/* A NULL-terminated array of strings, usable as argv or envp. */
struct list {
    char *items[MAX_ITEMS + 1];
    int n;
};

/* The configuration, as read from init.conf with the run config applied (see PROTOCOL.md). */
struct conf {
    struct list entrypoint;
    struct list cmd;
    struct list env;        /* main program and script environment */
    struct list agent_argv; /* agent path + agent arguments */
    struct list agent_env;  /* added to env for the agent */
    struct list dns;        /* name servers for /etc/resolv.conf, for this boot */
    const char *workdir;
    const char *user;
    const char *hostname;
    const char *script;
    int grace_ms;
    int onboot_poweroff;    /* a failed onboot container stops the machine */
};

extern struct conf conf;

/* util.c */
extern char last_said[1024];
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
long long now_ms(void);
void list_add(struct list *l, char *s);
int starts_with(const char *s, const char *prefix);
char *slurp(const char *path, size_t *len);
int write_file(const char *path, const char *content, mode_t mode);
int make_dirs(const char *path, mode_t mode);

/* A child's output copied to the console, each line prefixed, and to a log file (or -1). */
struct tee {
    int fd;
    int log;
    char prefix[80];
    char line[4096];
    size_t len;
};
int tee_read(struct tee *r);
void tee_flush(struct tee *r);
void tee_close(struct tee *r);

/* Restart delays: 1 s, doubled after each quick exit up to 30 s, reset by a run of 10 s. */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 30000
#define BACKOFF_RESET_MS 10000
struct backoff {
    int ms;
    long long started;
};
int backoff_next(struct backoff *b);

/* protocol.c */
int conf_load(struct conf *c, const char *path);
int conf_apply_run(struct conf *c, const char *path);
const char *run_config_device(void);
void conf_argv(const struct conf *c, struct list *argv);
void conf_write(const struct conf *c, int fd);
int kernel_param(const char *name, char *value, size_t size);
void for_each_record(char *buf, size_t len, void (*fn)(void *ctx, char *rec), void *ctx);
void write_record(int fd, const char *key, const char *value);

/* mounts.c */
void setup_mounts(void);
void setup_system_mounts(void);
void setup_console(void);
void setup_hostname(void);
void setup_loopback(void);
void setup_resolv_conf(void);
void undo_resolv_conf(void);

/* users.c */
struct ids {
    uid_t uid;
    gid_t gid;
    gid_t groups[MAX_GROUPS];
    int ngroups;
    char home[4096];
};
int resolve_user(const char *spec, struct ids *ids);
int become(const struct ids *ids);
/* In a child about to exec: enter dir (created, owned by the user, when missing, as container
 * runtimes do) and become the user named user_name; on failure says why and exits 126. */
void enter_as(const char *dir, const struct ids *ids, const char *user_name);
char **build_env(const struct list *base, const struct list *extra, const char *home);
void exec_program(char **argv, char **envp) __attribute__((noreturn));
int status_code(int status);

/* supervise.c */
void supervise(void) __attribute__((noreturn));

/* shutdown.c */
void stop_everything(int grace_ms);
void shutdown_and_exit(int code) __attribute__((noreturn));
void fail(const char *why) __attribute__((noreturn));

/* steps.c */
void step_mode(void) __attribute__((noreturn));
int step_config_print(const char *path);

#endif
