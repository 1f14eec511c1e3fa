/*
 * What the host tells kiln-init (PROTOCOL.md is the description of record; keep them together):
 * - /etc/kiln/init.conf, written into the image by `kiln build`;
 * - the run config, a small read-only disk that `kiln run` attaches (virtio serial "kiln-run")
 *   with the settings of one boot (docker run's CMD, -e, -u, -w, --entrypoint, DNS);
 * - kernel command line keys (kiln.*).
 * Both files are sequences of "key=value" records, each ended by a NUL byte.
 */
#include "kiln-init.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RUN_CONFIG_SERIAL "kiln-run"
#define RUN_CONFIG_VERSION "version=1"

/* Adds one record to the conf. Unknown keys are ignored so that newer hosts can add some. */
static void record(void *conf, char *rec) {
    struct conf *c = conf;
    char *eq = strchr(rec, '=');
    if (!eq) {
        return;
    }
    *eq = 0;
    char *v = eq + 1;
    if (!strcmp(rec, "entrypoint")) list_add(&c->entrypoint, v);
    else if (!strcmp(rec, "cmd")) list_add(&c->cmd, v);
    /* "arg" is what Kiln wrote before entrypoint and cmd were kept apart: all of it counts as Cmd */
    else if (!strcmp(rec, "arg")) list_add(&c->cmd, v);
    else if (!strcmp(rec, "env")) list_add(&c->env, v);
    else if (!strcmp(rec, "agent")) {
        if (c->agent_argv.n == 0) list_add(&c->agent_argv, v);
        else c->agent_argv.items[0] = v;
    } else if (!strcmp(rec, "agent_arg")) {
        if (c->agent_argv.n == 0) list_add(&c->agent_argv, "");
        list_add(&c->agent_argv, v);
    } else if (!strcmp(rec, "agent_env")) list_add(&c->agent_env, v);
    else if (!strcmp(rec, "dns")) list_add(&c->dns, v);
    else if (!strcmp(rec, "workdir")) c->workdir = v;
    else if (!strcmp(rec, "user")) c->user = v;
    else if (!strcmp(rec, "hostname")) c->hostname = v;
    else if (!strcmp(rec, "script")) c->script = v;
    else if (!strcmp(rec, "grace")) c->grace_ms = atoi(v) * 1000;
    else if (!strcmp(rec, "onboot_failure")) {
        c->onboot_poweroff = !strcmp(v, "poweroff");
        if (c->onboot_poweroff == 0 && strcmp(v, "continue")) say("onboot_failure=%s: expected poweroff or continue", v);
    }
}

/* Calls fn for each record up to len, or up to an empty record (the zero padding of a disk). */
void for_each_record(char *buf, size_t len, void (*fn)(void *ctx, char *rec), void *ctx) {
    for (size_t off = 0; off < len;) {
        char *rec = buf + off;
        size_t rl = strlen(rec); /* slurp ends the buffer with a NUL */
        if (rl == 0) {
            break;
        }
        off += rl + 1;
        fn(ctx, rec);
    }
}

static void parse(struct conf *c, char *buf, size_t len) {
    for_each_record(buf, len, record, c);
}

/* A list holding one empty string stands for the empty list (an empty Entrypoint or Cmd). */
static void normalize(struct list *l) {
    if (l->n == 1 && l->items[0][0] == 0) {
        l->n = 0;
        l->items[0] = NULL;
    }
}

int conf_load(struct conf *c, const char *path) {
    memset(c, 0, sizeof *c);
    c->grace_ms = 5000;
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) {
        say("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    parse(c, buf, len);
    if (c->agent_argv.n > 0 && c->agent_argv.items[0][0] == 0) {
        say("%s: agent_arg without agent", path);
        c->agent_argv.n = 0;
    }
    normalize(&c->entrypoint);
    normalize(&c->cmd);
    return 0;
}

/* NAME=VALUE replaces the variable NAME, or is added. */
static void env_set(struct list *env, char *kv) {
    size_t name = strcspn(kv, "=");
    for (int i = 0; i < env->n; i++) {
        char *e = env->items[i];
        if (!strncmp(e, kv, name) && (e[name] == '=' || e[name] == 0)) {
            env->items[i] = kv;
            return;
        }
    }
    list_add(env, kv);
}

int conf_apply_run(struct conf *c, const char *path) {
    static struct conf run;
    memset(&run, 0, sizeof run);
    size_t len;
    char *buf = slurp(path, &len);
    if (!buf) {
        say("cannot read the run config %s: %s", path, strerror(errno));
        return -1;
    }
    if (len < sizeof RUN_CONFIG_VERSION || memcmp(buf, RUN_CONFIG_VERSION, sizeof RUN_CONFIG_VERSION)) {
        say("%s: not a run config this kiln-init understands (it reads \"%s\"); rebuild the image with "
            "the Kiln that runs it", path, RUN_CONFIG_VERSION);
        return -1;
    }
    parse(&run, buf, len);
    /* a new Entrypoint drops the image's Cmd, as `docker run --entrypoint` does */
    if (run.entrypoint.n > 0) {
        c->entrypoint = run.entrypoint;
        if (run.cmd.n == 0) {
            c->cmd.n = 0;
            c->cmd.items[0] = NULL;
        }
    }
    if (run.cmd.n > 0) c->cmd = run.cmd;
    for (int i = 0; i < run.env.n; i++) env_set(&c->env, run.env.items[i]);
    if (run.dns.n > 0) c->dns = run.dns;
    if (run.workdir) c->workdir = run.workdir;
    if (run.user) c->user = run.user;
    if (run.hostname) c->hostname = run.hostname;
    /* the agent, the script and the grace period belong to the image: a run config cannot change them */
    normalize(&c->entrypoint);
    normalize(&c->cmd);
    return 0;
}

/* The virtio disk whose serial is "kiln-run", as /dev/vdX, or NULL when none is attached. */
const char *run_config_device(void) {
    static char dev[300];
    DIR *d = opendir("/sys/block");
    if (!d) {
        return NULL;
    }
    const char *found = NULL;
    for (struct dirent *e; !found && (e = readdir(d));) {
        if (!starts_with(e->d_name, "vd")) continue;
        char path[300];
        snprintf(path, sizeof path, "/sys/block/%s/serial", e->d_name);
        char *serial = slurp(path, NULL);
        if (serial) {
            serial[strcspn(serial, "\n")] = 0;
            if (!strcmp(serial, RUN_CONFIG_SERIAL)) {
                snprintf(dev, sizeof dev, "/dev/%s", e->d_name);
                found = dev;
            }
            free(serial);
        }
    }
    closedir(d);
    return found;
}

void conf_argv(const struct conf *c, struct list *argv) {
    argv->n = 0;
    argv->items[0] = NULL;
    for (int i = 0; i < c->entrypoint.n; i++) list_add(argv, c->entrypoint.items[i]);
    for (int i = 0; i < c->cmd.n; i++) list_add(argv, c->cmd.items[i]);
}

static void put(int fd, const char *key, const char *value) {
    if (!value) return;
    char buf[8192];
    int n = snprintf(buf, sizeof buf, "%s=%s", key, value);
    if (n >= (int)sizeof buf) n = sizeof buf - 1;
    if (write(fd, buf, n + 1) < 0) {} /* with its NUL */
}

/* One record, for the other modes' own printing (steps.c). */
void write_record(int fd, const char *key, const char *value) {
    put(fd, key, value);
}

static void put_list(int fd, const char *key, const struct list *l, int from) {
    for (int i = from; i < l->n; i++) put(fd, key, l->items[i]);
}

/* The configuration as records, in a fixed order: what the tests compare against the host's. */
void conf_write(const struct conf *c, int fd) {
    put_list(fd, "entrypoint", &c->entrypoint, 0);
    put_list(fd, "cmd", &c->cmd, 0);
    put_list(fd, "env", &c->env, 0);
    put(fd, "workdir", c->workdir);
    put(fd, "user", c->user);
    put(fd, "hostname", c->hostname);
    if (c->agent_argv.n > 0) {
        put(fd, "agent", c->agent_argv.items[0]);
        put_list(fd, "agent_arg", &c->agent_argv, 1);
    }
    put_list(fd, "agent_env", &c->agent_env, 0);
    put(fd, "script", c->script);
    char grace[32];
    snprintf(grace, sizeof grace, "%d", c->grace_ms / 1000);
    put(fd, "grace", grace);
    put_list(fd, "dns", &c->dns, 0);
    if (c->onboot_poweroff) put(fd, "onboot_failure", "poweroff");
}

/*
 * The value of a kernel command line parameter NAME=VALUE (the last one given), with the
 * kernel's quoting: double quotes group spaces and are removed. 1 when found.
 */
int kernel_param(const char *name, char *value, size_t size) {
    char *cmdline = slurp("/proc/cmdline", NULL);
    if (!cmdline) return 0;
    int found = 0;
    size_t nl = strlen(name);
    for (char *p = cmdline; *p;) {
        while (*p == ' ' || *p == '\n' || *p == '\t') p++;
        if (!*p) break;
        char word[4096];
        size_t w = 0;
        int quoted = 0;
        for (; *p && (quoted || (*p != ' ' && *p != '\n' && *p != '\t')); p++) {
            if (*p == '"') quoted = !quoted;
            else if (w < sizeof word - 1) word[w++] = *p;
        }
        word[w] = 0;
        if (!strncmp(word, name, nl) && word[nl] == '=') {
            snprintf(value, size, "%s", word + nl + 1);
            found = 1;
        }
    }
    free(cmdline);
    return found;
}
