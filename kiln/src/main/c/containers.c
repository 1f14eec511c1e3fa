/*
 * A composed machine's layout and each container's config file (PROTOCOL.md, "Composed
 * machines"; dev.kiln.guest.ContainerConfig writes them):
 *
 *   /containers/{onboot,services,onshutdown}/NN-NAME/config   NUL-ended key=value records
 *   /containers/{onboot,services,onshutdown}/NN-NAME/rootfs   the container's root
 *
 * Unlike init.conf, a container config with an unknown key is refused: its keys restrict what
 * the container may do, and a restriction kiln-init does not know must not be dropped silently.
 */
#include "machine.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const KIND_DIRS[] = {"onboot", "services", "onshutdown"};

const char *kind_name(enum kind k) {
    return k == ONBOOT ? "onboot" : k == SERVICE ? "service" : "onshutdown";
}

/* An absolute path without "." or ".." components. */
static int clean_path(const char *p) {
    if (p[0] != '/') return 0;
    for (const char *c = p; *c;) {
        while (*c == '/') c++;
        size_t n = strcspn(c, "/");
        if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.')) return 0;
        c += n;
    }
    return 1;
}

/* "SRC:DST[:ro|rw]" into its parts; -1 (with a message) when it is not one. */
int bind_parse(const char *where, const char *spec, char *src, char *dst, size_t size, int *ro) {
    const char *c1 = strchr(spec, ':');
    const char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    const char *opt = c2 ? c2 + 1 : "rw";
    if (!c1 || (size_t)(c1 - spec) >= size || (size_t)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1) >= size) {
        say("%s: bind %s: expected SOURCE:TARGET[:ro|rw]", where, spec);
        return -1;
    }
    snprintf(src, size, "%.*s", (int)(c1 - spec), spec);
    snprintf(dst, size, "%.*s", (int)((c2 ? c2 : c1 + strlen(c1)) - c1 - 1), c1 + 1);
    if (strcmp(opt, "ro") && strcmp(opt, "rw")) {
        say("%s: bind %s: the option must be ro or rw", where, spec);
        return -1;
    }
    *ro = !strcmp(opt, "ro");
    if (!clean_path(src) || !clean_path(dst)) {
        say("%s: bind %s: paths must be absolute, without . or .. components", where, spec);
        return -1;
    }
    if (dst[strspn(dst, "/")] == 0) {
        say("%s: bind %s: cannot mount over the container's root", where, spec);
        return -1;
    }
    return 0;
}

static int valid_hostname(const char *h) {
    size_t n = strlen(h);
    if (n == 0 || n > 64) return 0;
    for (; *h; h++) {
        if (!((*h >= 'a' && *h <= 'z') || (*h >= 'A' && *h <= 'Z') || (*h >= '0' && *h <= '9') || *h == '-' || *h == '.')) {
            return 0;
        }
    }
    return 1;
}

/* Sets a single-valued key once; -1 when it was given before. */
static int once(const char **slot, const char *v, const char *key, const char *path) {
    if (*slot) {
        say("%s: %s is given twice", path, key);
        return -1;
    }
    *slot = v;
    return 0;
}

/* What reading a config collects besides the cconf itself. */
struct reading {
    struct cconf *c;
    const char *path;
    const char *net, *ro, *timeout;
    int failed;
};

static int record(struct cconf *c, const char *path, char *rec, const char **net, const char **ro, const char **timeout) {
    char *eq = strchr(rec, '=');
    if (!eq) {
        say("%s: record \"%s\" is not key=value", path, rec);
        return -1;
    }
    *eq = 0;
    char *v = eq + 1;
    if (!strcmp(rec, "arg")) list_add(&c->argv, v);
    else if (!strcmp(rec, "env")) {
        if (v[0] == '=' || !strchr(v, '=')) {
            say("%s: env %s: expected NAME=VALUE", path, v);
            return -1;
        }
        list_add(&c->env, v);
    } else if (!strcmp(rec, "group")) {
        if (!*v) {
            say("%s: an empty group", path);
            return -1;
        }
        list_add(&c->groups, v);
    } else if (!strcmp(rec, "bind")) {
        char src[PATH_MAX], dst[PATH_MAX];
        int r;
        if (bind_parse(path, v, src, dst, sizeof src, &r) < 0) return -1;
        list_add(&c->binds, v);
    } else if (!strcmp(rec, "cap")) {
        if (c->caps_given == 2) {
            say("%s: cap= (no capabilities) cannot be combined with others", path);
            return -1;
        }
        if (!*v) {
            if (c->caps_given) {
                say("%s: cap= (no capabilities) cannot be combined with others", path);
                return -1;
            }
            c->caps_given = 2;
            return 0;
        }
        c->caps_given = 1;
        if (!strcasecmp(v, "all") || !strcasecmp(v, "cap_all")) {
            c->caps = ~0ULL;
            return 0;
        }
        int cap = cap_parse(v);
        if (cap < 0) {
            say("%s: cap %s: not a capability this kiln-init knows", path, v);
            return -1;
        }
        c->caps |= 1ULL << cap;
    } else if (!strcmp(rec, "cwd")) {
        if (v[0] != '/') {
            say("%s: cwd %s: not an absolute path", path, v);
            return -1;
        }
        return once(&c->cwd, v, rec, path);
    } else if (!strcmp(rec, "user")) {
        if (!*v) {
            say("%s: an empty user", path);
            return -1;
        }
        return once(&c->user, v, rec, path);
    } else if (!strcmp(rec, "hostname")) {
        if (!valid_hostname(v)) {
            say("%s: hostname %s: not a valid host name", path, v);
            return -1;
        }
        return once(&c->hostname, v, rec, path);
    } else if (!strcmp(rec, "net")) return once(net, v, rec, path);
    else if (!strcmp(rec, "readonly")) return once(ro, v, rec, path);
    else if (!strcmp(rec, "timeout")) return once(timeout, v, rec, path);
    else {
        say("%s: unknown key %s (is the image built by a newer Kiln?)", path, rec);
        return -1;
    }
    return 0;
}

static void one_record(void *ctx, char *rec) {
    struct reading *r = ctx;
    if (!r->failed && record(r->c, r->path, rec, &r->net, &r->ro, &r->timeout) < 0) r->failed = 1;
}

int cconf_load(struct cconf *c, const char *path) {
    free(c->buf);
    memset(c, 0, sizeof *c);
    size_t len;
    c->buf = slurp(path, &len);
    if (!c->buf) {
        say("cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    struct reading r = {c, path, NULL, NULL, NULL, 0};
    for_each_record(c->buf, len, one_record, &r);
    if (r.failed) return -1;
    const char *net = r.net, *ro = r.ro, *timeout = r.timeout;
    if (c->argv.n == 0 || !c->argv.items[0][0]) {
        say("%s: no command (arg records)", path);
        return -1;
    }
    if (net && strcmp(net, "host") && strcmp(net, "none")) {
        say("%s: net %s: expected host or none", path, net);
        return -1;
    }
    c->net_none = net && !strcmp(net, "none");
    if (ro && strcmp(ro, "true") && strcmp(ro, "false")) {
        say("%s: readonly %s: expected true or false", path, ro);
        return -1;
    }
    c->readonly = ro && !strcmp(ro, "true");
    if (timeout) {
        char *end;
        unsigned long t = strtoul(timeout, &end, 10);
        if (!*timeout || *end || t > 1000000) {
            say("%s: timeout %s: expected a number of seconds", path, timeout);
            return -1;
        }
        c->timeout_s = (int)t;
    }
    if (!c->caps_given) c->caps = DEFAULT_CAPS;
    return 0;
}

static void put_caps(int fd, const char *key, uint64_t set) {
    for (int cap = 0; cap < 64; cap++) {
        if ((set >> cap & 1) && cap_name(cap)) write_record(fd, key, cap_name(cap));
    }
}

static void put_list(int fd, const char *key, const struct list *l) {
    for (int i = 0; i < l->n; i++) write_record(fd, key, l->items[i]);
}

/* What kiln-init understood, in a fixed order and canonical form: the protocol test's view. */
void cconf_write(const struct cconf *c, int fd) {
    put_list(fd, "arg", &c->argv);
    put_list(fd, "env", &c->env);
    if (c->cwd) write_record(fd, "cwd", c->cwd);
    if (c->user) write_record(fd, "user", c->user);
    put_list(fd, "group", &c->groups);
    if (c->hostname) write_record(fd, "hostname", c->hostname);
    if (c->caps_given == 2) write_record(fd, "cap", "");
    else if (c->caps_given) put_caps(fd, "cap", c->caps);
    put_caps(fd, "bounding", c->caps);
    for (int i = 0; i < c->binds.n; i++) {
        char src[PATH_MAX], dst[PATH_MAX], b[2 * PATH_MAX + 4];
        int ro;
        bind_parse("", c->binds.items[i], src, dst, sizeof src, &ro);
        snprintf(b, sizeof b, "%s:%s:%s", src, dst, ro ? "ro" : "rw");
        write_record(fd, "bind", b);
    }
    write_record(fd, "net", c->net_none ? "none" : "host");
    write_record(fd, "readonly", c->readonly ? "true" : "false");
    char t[32];
    snprintf(t, sizeof t, "%d", c->timeout_s);
    write_record(fd, "timeout", t);
}

static int valid_name(const char *n) {
    size_t len = strlen(n);
    if (len == 0 || len > CONTAINER_NAME_MAX) return 0;
    for (const char *p = n; *p; p++) {
        int alnum = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
        if (!alnum && (p == n || (*p != '-' && *p != '_' && *p != '.'))) return 0;
    }
    return 1;
}

static int by_order(const void *a, const void *b) {
    const struct centry *x = a, *y = b;
    if (x->order != y->order) return x->order < y->order ? -1 : 1;
    return strcmp(x->name, y->name);
}

/*
 * The containers under root, in the order they run: onboot, services, onshutdown, each sorted
 * by NN (as a number), then name. Directories that are not NN-NAME are reported and skipped.
 */
int machine_scan(const char *root, struct centry *out, int max) {
    int n = 0;
    for (int k = ONBOOT; k <= ONSHUTDOWN; k++) {
        char dir[PATH_MAX];
        snprintf(dir, sizeof dir, "%s/%s", root, KIND_DIRS[k]);
        DIR *d = opendir(dir);
        if (!d) {
            if (errno != ENOENT) say("%s: %s", dir, strerror(errno));
            continue;
        }
        int first = n;
        for (struct dirent *e; (e = readdir(d));) {
            if (e->d_name[0] == '.') continue;
            char path[PATH_MAX];
            struct stat st;
            if (snprintf(path, sizeof path, "%s/%s", dir, e->d_name) >= (int)sizeof path - 8) continue;
            if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) continue;
            char *dash;
            unsigned long order = strtoul(e->d_name, &dash, 10);
            if (dash == e->d_name || *dash != '-' || e->d_name[0] < '0' || e->d_name[0] > '9' || !valid_name(dash + 1)) {
                say("%s: not a container directory (NN-NAME, NAME of letters, digits, '-', '_', '.'); skipped", path);
                continue;
            }
            if (n == max) {
                say("%s: more than %d containers; skipped", path, max);
                continue;
            }
            out[n].kind = k;
            out[n].order = order;
            snprintf(out[n].name, sizeof out[n].name, "%s", dash + 1);
            snprintf(out[n].dir, sizeof out[n].dir, "%s", path);
            n++;
        }
        closedir(d);
        qsort(out + first, n - first, sizeof *out, by_order);
    }
    return n;
}

/*
 * `kiln-init container-config FILE`: the config as understood (cconf_write), status 1 when it
 * cannot be used. `kiln-init machine [DIR]`: the containers under DIR (default /containers) in
 * the order they run, one "KIND NAME DIRECTORY" line each, each config checked.
 */
int machine_helper(int argc, char **argv) {
    static struct cconf c;
    if (!strcmp(argv[1], "container-config")) {
        if (argc != 3) {
            fprintf(stderr, "usage: kiln-init container-config FILE\n");
            return 2;
        }
        if (cconf_load(&c, argv[2]) < 0) return 1;
        cconf_write(&c, STDOUT_FILENO);
        return 0;
    }
    static struct centry e[MAX_CONTAINERS];
    int n = machine_scan(argc > 2 ? argv[2] : CONTAINERS_DIR, e, MAX_CONTAINERS);
    int bad = 0;
    for (int i = 0; i < n; i++) {
        char path[PATH_MAX + 8];
        snprintf(path, sizeof path, "%s/config", e[i].dir);
        printf("%s %s %s\n", kind_name(e[i].kind), e[i].name, e[i].dir);
        fflush(stdout);
        if (cconf_load(&c, path) < 0) bad = 1;
    }
    return bad;
}
