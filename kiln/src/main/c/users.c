/* Users and groups from the image's own files, the program's environment, and exec. */
#include "kiln-init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

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
int resolve_user(const char *spec, struct ids *ids) {
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

int become(const struct ids *ids) {
    return setgroups(ids->ngroups, ids->groups) < 0 || setgid(ids->gid) < 0 || setuid(ids->uid) < 0 ? -1 : 0;
}

void enter_as(const char *dir, const struct ids *ids, const char *user_name) {
    if (chdir(dir) < 0) {
        make_dirs(dir, 0755);
        if (chown(dir, ids->uid, ids->gid) < 0) {}
        if (chdir(dir) < 0) {
            say("working directory %s: %s", dir, strerror(errno));
            _exit(126);
        }
    }
    if (become(ids) < 0) {
        say("user %s: %s", user_name ? user_name : "0", strerror(errno));
        _exit(126);
    }
}

/* Environment with a default PATH when the image does not set one, plus extra entries. */
char **build_env(const struct list *base, const struct list *extra, const char *home) {
    static struct list out;
    out.n = 0;
    int has_path = 0, has_home = 0;
    for (int i = 0; i < base->n; i++) {
        list_add(&out, base->items[i]);
    }
    if (extra) {
        for (int i = 0; i < extra->n; i++) {
            list_add(&out, extra->items[i]);
        }
    }
    for (int i = 0; i < out.n; i++) {
        has_path |= starts_with(out.items[i], "PATH=");
        has_home |= starts_with(out.items[i], "HOME=");
    }
    if (!has_path) {
        list_add(&out, DEFAULT_PATH);
    }
    if (!has_home && home) {
        static char buf[4200];
        snprintf(buf, sizeof buf, "HOME=%s", home);
        list_add(&out, buf);
    }
    return out.items;
}

static const char *env_get(char **envp, const char *name) {
    size_t n = strlen(name);
    for (; *envp; envp++) {
        if (!strncmp(*envp, name, n) && (*envp)[n] == '=') return *envp + n + 1;
    }
    return NULL;
}

static int is_elf(const char *path) {
    char magic[4];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    int elf = read(fd, magic, 4) == 4 && !memcmp(magic, "\177ELF", 4);
    close(fd);
    return elf;
}

/*
 * Execs argv[0], searched in the PATH of the program's own environment (as container runtimes
 * do), never returns. The search is done here rather than by execvp so that every libc behaves
 * alike and a program for another architecture can be told apart from a script without "#!".
 */
void exec_program(char **argv, char **envp) {
    environ = envp;
    const char *file = argv[0];
    char path[PATH_MAX];
    int err = ENOENT;
    snprintf(path, sizeof path, "%s", file);
    if (strchr(file, '/')) {
        execve(path, argv, envp);
        err = errno;
    } else if (*file) {
        const char *search = env_get(envp, "PATH");
        if (!search) search = DEFAULT_PATH + 5;
        int denied = 0;
        for (const char *dir = search;; dir++) {
            const char *end = strchrnul(dir, ':');
            snprintf(path, sizeof path, "%.*s%s%s", (int)(end - dir), dir, end == dir ? "" : "/", file);
            execve(path, argv, envp);
            if (errno == EACCES) {
                denied = 1;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                err = errno; /* found, but it would not run */
                break;
            }
            if (!*end) break;
            dir = end;
        }
        if (err == ENOENT && denied) err = EACCES;
    }
    if (err == ENOEXEC && is_elf(path)) {
        say("exec %s: not a program for %s (the architecture of this kiln-init and kernel); is the image "
            "built for another platform?", file, KILN_ARCH);
        _exit(126);
    }
    if (err == ENOEXEC) {
        /* a script without "#!": run it with the shell, as a shell would */
        static char *sh[MAX_ITEMS + 2];
        int i = 1;
        sh[0] = "/bin/sh";
        sh[i++] = path;
        for (int j = 1; argv[j] && i <= MAX_ITEMS; j++) sh[i++] = argv[j];
        sh[i] = NULL;
        execve("/bin/sh", sh, envp);
    }
    say("exec %s: %s", file, strerror(err));
    _exit(err == ENOENT ? 127 : 126);
}

int status_code(int status) {
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
    return 1;
}
