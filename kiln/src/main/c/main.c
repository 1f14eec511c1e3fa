/*
 * kiln-init's entry point. As PID 1 it prepares the machine, reads what to run (init.conf plus
 * the run config of this boot) and supervises it; see supervise.c and PROTOCOL.md.
 *
 * Not as PID 1 it has helper modes:
 *   kiln-init agent|script|main    exec the agent, the script or the main program with the
 *                                  configured arguments, environment (and user): how services of
 *                                  an image's own init system (systemd, OpenRC, busybox init)
 *                                  start them;
 *   kiln-init config [CONF [RUN]]  print the configuration it would use, as init.conf records,
 *                                  from CONF (default /etc/kiln/init.conf) with the run config
 *                                  file RUN applied: the protocol's reader, for tests;
 *   kiln-init step-config [FILE]   the same for a build step's config (steps.c);
 *   kiln-init poweroff [STATUS]    stop the machine (onshutdown containers run) with STATUS;
 *   kiln-init container-config FILE, kiln-init machine [DIR]
 *                                  print a container config, or a composed machine's
 *                                  containers in the order they run, as kiln-init reads them.
 *
 * As PID 1 with the argument "kiln-step" it runs one build step instead (steps.c). The kernel
 * passes the words of its command line it does not know (no "=", no ".") to init as arguments;
 * "--" would not do, as QEMU appends its own device parameters (microvm) after the host's.
 */
#include "machine.h"

#include <stdio.h>
#include <string.h>
#include <sys/reboot.h>
#include <unistd.h>

struct conf conf;

static int helper_mode(int argc, char **argv) {
    const char *what = argc > 1 ? argv[1] : "";
    if (!strcmp(what, "step-config")) return step_config_print(argc > 2 ? argv[2] : STEP_CONF_PATH);
    if (!strcmp(what, "poweroff")) return poweroff_command(argc, argv);
    if (!strcmp(what, "container-config") || !strcmp(what, "machine")) return machine_helper(argc, argv);
    if (!strcmp(what, "config")) {
        if (conf_load(&conf, argc > 2 ? argv[2] : CONF_PATH) < 0) return 1;
        if (argc > 3 && conf_apply_run(&conf, argv[3]) < 0) return 1;
        conf_write(&conf, STDOUT_FILENO);
        return 0;
    }
    if (conf_load(&conf, CONF_PATH) < 0) return 1;
    if (!strcmp(what, "agent")) {
        if (conf.agent_argv.n == 0) {
            fprintf(stderr, "kiln-init: no agent configured in %s\n", CONF_PATH);
            return 1;
        }
        exec_program(conf.agent_argv.items, build_env(&conf.env, &conf.agent_env, "/root"));
    } else if (!strcmp(what, "script")) {
        if (!conf.script) {
            fprintf(stderr, "kiln-init: no script configured in %s\n", CONF_PATH);
            return 1;
        }
        char *script[] = {(char *)conf.script, NULL};
        exec_program(script, build_env(&conf.env, NULL, "/root"));
    } else if (!strcmp(what, "main")) {
        static struct list args;
        struct ids ids;
        conf_argv(&conf, &args);
        if (args.n == 0 || resolve_user(conf.user, &ids) < 0) return 1;
        if (become(&ids) < 0) return 126;
        if (conf.workdir && *conf.workdir && chdir(conf.workdir) < 0) return 126;
        exec_program(args.items, build_env(&conf.env, NULL, ids.home));
    }
    fprintf(stderr, "usage: kiln-init [agent|script|main|config [CONF [RUN]]|step-config [FILE]|poweroff [STATUS]|"
                    "container-config FILE|machine [DIR]] (as PID 1: no arguments)\n");
    return 2;
}

int main(int argc, char **argv) {
    if (getpid() != 1) {
        return helper_mode(argc, argv);
    }
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "kiln-step")) step_mode();
    }
    setup_mounts();
    setup_console();
    if (conf_load(&conf, CONF_PATH) < 0) fail("nothing to run");
    const char *run = run_config_device();
    if (run && conf_apply_run(&conf, run) < 0) fail("cannot apply the settings of this boot");
    setup_hostname();
    setup_loopback();
    setup_resolv_conf();
    reboot(RB_DISABLE_CAD); /* Ctrl-Alt-Del becomes SIGINT, which is forwarded */
    supervise();
}
