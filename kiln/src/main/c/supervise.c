/*
 * PID 1's work: start the agent (restarted with backoff when it exits), run the boot script
 * (its output prefixed "[script] "), then the main program; reap orphans, forward SIGTERM and
 * SIGINT, and shut down when the main program exits.
 */
#include "kiln-init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define BACKOFF_MAX_MS 30000

static sigset_t blocked;

/* In a child: undo PID 1's signal setup, become session leader with the console as ctty. */
static void child_setup(void) {
    sigprocmask(SIG_UNBLOCK, &blocked, NULL);
    setsid();
    ioctl(STDIN_FILENO, TIOCSCTTY, 0);
}

static pid_t start_agent(void) {
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        if (chdir("/") < 0) {}
        exec_program(conf.agent_argv.items, build_env(&conf.env, &conf.agent_env, "/root"));
    }
    if (pid < 0) say("fork agent: %s", strerror(errno));
    else say("agent %s started (pid %d)", conf.agent_argv.items[0], pid);
    return pid;
}

/* The script's output goes through a pipe so every line can be prefixed. */
static pid_t start_script(int *out_fd) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) {
        say("pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        dup2(p[1], STDOUT_FILENO);
        dup2(p[1], STDERR_FILENO);
        if (chdir("/") < 0) {}
        char *argv[] = {(char *)conf.script, NULL};
        exec_program(argv, build_env(&conf.env, NULL, "/root"));
    }
    close(p[1]);
    if (pid < 0) {
        say("fork script: %s", strerror(errno));
        close(p[0]);
        return -1;
    }
    *out_fd = p[0];
    return pid;
}

static pid_t start_main(const struct ids *ids, struct list *argv) {
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        const char *dir = conf.workdir && *conf.workdir ? conf.workdir : "/";
        if (chdir(dir) < 0) {
            /* like container runtimes, create a missing working directory */
            char path[4096];
            snprintf(path, sizeof path, "%s", dir);
            for (char *p = path + 1; *p; p++) {
                if (*p == '/') { *p = 0; mkdir(path, 0755); *p = '/'; }
            }
            mkdir(path, 0755);
            if (chown(path, ids->uid, ids->gid) < 0) {}
            if (chdir(dir) < 0) {
                say("working directory %s: %s", dir, strerror(errno));
                _exit(126);
            }
        }
        if (become(ids) < 0) {
            say("user %s: %s", conf.user ? conf.user : "0", strerror(errno));
            _exit(126);
        }
        exec_program(argv->items, build_env(&conf.env, NULL, ids->home));
    }
    if (pid < 0) say("fork: %s", strerror(errno));
    return pid;
}

/* Copies the script's output to the console line by line with a prefix. */
static void relay(int fd, int *open_fd) {
    static char line[4096];
    static size_t len;
    char buf[4096];
    ssize_t r = read(fd, buf, sizeof buf);
    if (r < 0 && errno == EINTR) return;
    for (ssize_t i = 0; i < r; i++) {
        line[len++] = buf[i];
        if (buf[i] == '\n' || len == sizeof line - 1) {
            char out[4200];
            int n = snprintf(out, sizeof out, "[script] %.*s", (int)len, line);
            if (line[len - 1] != '\n') out[n++] = '\n';
            if (write(STDOUT_FILENO, out, n) < 0) {}
            len = 0;
        }
    }
    if (r <= 0) {
        if (len) {
            char out[4200];
            int n = snprintf(out, sizeof out, "[script] %.*s\n", (int)len, line);
            if (write(STDOUT_FILENO, out, n) < 0) {}
            len = 0;
        }
        close(fd);
        *open_fd = -1;
    }
}

void supervise(void) {
    sigemptyset(&blocked);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&blocked, sigs[i]);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int sfd = signalfd(-1, &blocked, SFD_CLOEXEC);

    static struct list argv;
    conf_argv(&conf, &argv);
    struct ids ids;
    if (argv.n > 0 && resolve_user(conf.user, &ids) < 0) fail("cannot resolve the user of the main program");

    pid_t agent = -1, script = -1, mainpid = -1;
    long long agent_started = 0, agent_restart_at = -1;
    int backoff = 1000;
    int script_fd = -1;
    int main_started = 0;

    if (conf.agent_argv.n > 0) {
        agent = start_agent();
        agent_started = now_ms();
    }
    if (conf.script) {
        say("running script %s", conf.script);
        script = start_script(&script_fd);
        if (script < 0) fail("cannot start the script");
    }
    if (argv.n == 0 && conf.agent_argv.n == 0 && !conf.script) {
        fail("nothing to run: the image has no Entrypoint or Cmd and no agent is configured");
    }

    for (;;) {
        if (script < 0 && script_fd < 0 && !main_started) {
            main_started = 1;
            if (argv.n > 0) {
                mainpid = start_main(&ids, &argv);
                if (mainpid < 0) fail("cannot start the main program");
            } else if (conf.agent_argv.n == 0) {
                say("exit status 0");
                shutdown_and_exit(0);
            }
        }
        int timeout = -1;
        if (agent_restart_at >= 0) {
            long long wait = agent_restart_at - now_ms();
            timeout = wait < 0 ? 0 : (int)wait;
        }
        struct pollfd fds[2] = {{sfd, POLLIN, 0}, {script_fd, POLLIN, 0}};
        int r = poll(fds, script_fd >= 0 ? 2 : 1, timeout);
        if (r < 0 && errno != EINTR) say("poll: %s", strerror(errno));
        if (agent_restart_at >= 0 && now_ms() >= agent_restart_at) {
            agent_restart_at = -1;
            agent = start_agent();
            agent_started = now_ms();
        }
        if (script_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
            relay(script_fd, &script_fd);
        }
        if (!(fds[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si) continue;
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            if (mainpid > 0) {
                kill(mainpid, si.ssi_signo);
            } else {
                say("signal %d, shutting down", si.ssi_signo);
                say("exit status %d", 128 + si.ssi_signo);
                shutdown_and_exit(128 + si.ssi_signo);
            }
            continue;
        }
        if (si.ssi_signo != SIGCHLD) continue;
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == mainpid) {
                int code = status_code(status);
                if (WIFSIGNALED(status)) say("main program killed by signal %d", WTERMSIG(status));
                say("exit status %d", code);
                shutdown_and_exit(code);
            } else if (pid == script) {
                script = -1;
                say("script %s exited with status %d", conf.script, status_code(status));
            } else if (pid == agent) {
                agent = -1;
                /* a run that lasted a while resets the backoff; quick crashes double it */
                if (now_ms() - agent_started > 10000) backoff = 1000;
                say("agent exited with status %d, restarting in %d ms", status_code(status), backoff);
                agent_restart_at = now_ms() + backoff;
                backoff = backoff * 2 > BACKOFF_MAX_MS ? BACKOFF_MAX_MS : backoff * 2;
            }
            /* anything else is an orphan we adopted: reaped, nothing more to do */
        }
    }
}
