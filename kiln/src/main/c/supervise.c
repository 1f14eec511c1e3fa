/*
 * PID 1's work: run a composed machine's onboot containers (machine.c), then start its services,
 * the agent (restarted with backoff when it exits), run the boot script (its output prefixed
 * "[script] "), then the main program; reap orphans, forward SIGTERM and SIGINT, and stop the
 * machine when the main program exits or a power-off is asked for (onshutdown containers run
 * first).
 */
#include "machine.h"

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
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    *out_fd = p[0];
    return pid;
}

static pid_t start_main(const struct ids *ids, struct list *argv) {
    pid_t pid = fork();
    if (pid == 0) {
        child_setup();
        enter_as(conf.workdir && *conf.workdir ? conf.workdir : "/", ids, conf.user);
        exec_program(argv->items, build_env(&conf.env, NULL, ids->home));
    }
    if (pid < 0) say("fork: %s", strerror(errno));
    return pid;
}

static int stopping = 0, stop_code = 0;

/* Stops the machine with this status: onshutdown containers first, then shutdown_and_exit. */
static void stop(int code) {
    if (stopping) return;
    stopping = 1;
    stop_code = code;
    machine_stop();
}

void supervise(void) {
    sigemptyset(&blocked);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGPWR};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++) sigaddset(&blocked, sigs[i]);
    sigprocmask(SIG_BLOCK, &blocked, NULL);
    int sfd = signalfd(-1, &blocked, SFD_CLOEXEC);
    int button = power_button_open();

    static struct list argv;
    conf_argv(&conf, &argv);
    struct ids ids;
    if (argv.n > 0 && resolve_user(conf.user, &ids) < 0) fail("cannot resolve the user of the main program");
    int containers = machine_load(CONTAINERS_DIR);
    if (argv.n == 0 && conf.agent_argv.n == 0 && !conf.script && containers == 0) {
        fail("nothing to run: the image has no Entrypoint or Cmd and no agent is configured");
    }

    pid_t agent = -1, script = -1, mainpid = -1;
    long long agent_restart_at = -1;
    struct backoff agent_backoff = {0, 0};
    struct tee script_out = {.fd = -1, .log = -1, .prefix = "[script] "};
    int others_started = 0, main_started = 0;

    machine_begin(&blocked);
    for (;;) {
        if (!stopping && machine_boot_failure() >= 0) stop(machine_boot_failure());
        if (!stopping && !others_started && machine_booted()) {
            others_started = 1;
            if (conf.agent_argv.n > 0) {
                agent = start_agent();
                agent_backoff.started = now_ms();
            }
            if (conf.script) {
                say("running script %s", conf.script);
                script = start_script(&script_out.fd);
                if (script < 0) fail("cannot start the script");
            }
        }
        if (!stopping && others_started && script < 0 && script_out.fd < 0 && !main_started) {
            main_started = 1;
            if (argv.n > 0) {
                mainpid = start_main(&ids, &argv);
                if (mainpid < 0) fail("cannot start the main program");
            } else if (conf.agent_argv.n == 0 && !machine_has_services()) {
                stop(0); /* nothing left that runs */
            }
        }
        if (stopping && machine_stopped()) {
            machine_end();
            say("exit status %d", stop_code);
            shutdown_and_exit(stop_code);
        }
        long long next = machine_next_timer();
        if (agent_restart_at >= 0 && (next < 0 || agent_restart_at < next)) next = agent_restart_at;
        int timeout = -1;
        if (next >= 0) {
            long long wait = next - now_ms();
            timeout = wait < 0 ? 0 : (int)wait;
        }
        struct pollfd fds[3 + MAX_CONTAINERS] = {{sfd, POLLIN, 0}, {script_out.fd, POLLIN, 0}, {button, POLLIN, 0}};
        int nfds = 3 + machine_pollfds(fds + 3, MAX_CONTAINERS);
        int r = poll(fds, nfds, timeout);
        if (r < 0 && errno != EINTR) say("poll: %s", strerror(errno));
        if (agent_restart_at >= 0 && now_ms() >= agent_restart_at) {
            agent_restart_at = -1;
            agent = start_agent();
            agent_backoff.started = now_ms();
        }
        machine_timers();
        if (r <= 0) continue;
        if (script_out.fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) tee_read(&script_out);
        if (button >= 0 && (fds[2].revents & POLLIN) && power_button_pressed(button)) {
            say("power button pressed, shutting down");
            stop(0);
        }
        machine_io(fds + 3, nfds - 3);
        if (!(fds[0].revents & POLLIN)) continue;
        struct signalfd_siginfo si;
        if (read(sfd, &si, sizeof si) != sizeof si) continue;
        if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
            if (mainpid > 0) {
                kill(mainpid, si.ssi_signo);
            } else {
                say("signal %d, shutting down", si.ssi_signo);
                stop(128 + si.ssi_signo);
            }
            continue;
        }
        if (si.ssi_signo == SIGUSR2) {
            /* `kiln-init poweroff STATUS` queues the status with the signal; busybox poweroff sends none */
            int code = si.ssi_code == SI_QUEUE ? si.ssi_int & 0xff : 0;
            say("power-off requested, shutting down");
            stop(code);
            continue;
        }
        if (si.ssi_signo != SIGCHLD) continue;
        int status;
        pid_t pid;
        while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
            if (pid == mainpid) {
                mainpid = -1;
                int code = status_code(status);
                if (WIFSIGNALED(status)) say("main program killed by signal %d", WTERMSIG(status));
                stop(code);
            } else if (pid == script) {
                script = -1;
                say("script %s exited with status %d", conf.script, status_code(status));
            } else if (pid == agent) {
                agent = -1;
                if (!stopping) {
                    int wait = backoff_next(&agent_backoff);
                    say("agent exited with status %d, restarting in %d ms", status_code(status), wait);
                    agent_restart_at = now_ms() + wait;
                }
            } else {
                machine_reaped(pid, status); /* or an orphan we adopted: reaped, nothing more to do */
            }
        }
    }
}
