package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.guest.InitConf;
import dev.kiln.image.ImageConfig;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One `run` build step as kiln-init executes it: {@code /bin/sh -c command}, stdin from
 * /dev/null, output to the console.
 *
 * @param command given to {@code /bin/sh -c}
 * @param env     the complete environment of the command ({@link #onImage} merges the image's Env
 *                with the step's); kiln-init adds PATH and HOME when it lacks them
 * @param user    name, uid, name:group or uid:gid, looked up in the image's /etc/passwd and
 *                /etc/group; empty for root
 * @param workdir absolute working directory, created when missing; empty for /
 * @param network QEMU's user-mode NAT with its DNS forwarder as the name server; false: no
 *                network device at all, only loopback
 */
public record StepCommand(String command, List<String> env, String user, String workdir, boolean network) {
    private static final Pattern ENV = Pattern.compile("[^=\\x00]+=[^\\x00]*");

    public StepCommand {
        env = env == null ? List.of() : List.copyOf(env);
        user = user == null ? "" : user;
        workdir = workdir == null ? "" : workdir;
        if (command == null || command.isBlank()) {
            throw new KilnException("run step: the command is empty");
        }
        noNul("run step " + command, command);
        noNul("user " + user, user);
        noNul("workdir " + workdir, workdir);
        for (String kv : env) {
            noNul("env " + kv, kv);
        }
        if (!workdir.isEmpty() && !workdir.startsWith("/")) {
            throw new KilnException("workdir " + workdir + ": must be an absolute path");
        }
    }

    /**
     * A step as written in a build, on top of the image it runs in: the step's {@code env}
     * (NAME=VALUE) replaces or extends the image's Env; the working directory is the step's,
     * else the image's WorkingDir, else /; the user is the step's, else root (the image's User is
     * whom the image runs as, not whom it is built by).
     */
    public static StepCommand onImage(ImageConfig image, String command, List<String> env, String user, String workdir,
                                      boolean network) {
        List<String> changes = env == null ? List.of() : env;
        for (String kv : changes) {
            if (!ENV.matcher(kv).matches()) {
                throw new KilnException("env " + kv.replace('\0', '?') + ": expected NAME=VALUE");
            }
        }
        String dir = workdir != null && !workdir.isEmpty() ? workdir : image.workingDir();
        return new StepCommand(command, image.envWith(changes), user, dir, network);
    }

    /**
     * The step config kiln-init reads (PROTOCOL.md, "Build steps").
     *
     * @param nonce   marks kiln-init's report lines of this boot, so no output of the step can pass for one
     * @param timeout the longest the command may run, kiln-init stops it then; zero for no limit
     */
    public byte[] config(String nonce, Duration timeout) {
        InitConf conf = InitConf.forStep()
                .put(InitConf.Key.NONCE, nonce)
                .put(InitConf.Key.COMMAND, command);
        env.forEach(e -> conf.put(InitConf.Key.ENV, e));
        if (!user.isEmpty()) {
            conf.put(InitConf.Key.USER, user);
        }
        if (!workdir.isEmpty()) {
            conf.put(InitConf.Key.WORKDIR, workdir);
        }
        if (network) {
            conf.put(InitConf.Key.DNS, Qemu.DNS);
        }
        if (!timeout.isZero()) {
            // whole seconds, rounded up: a limit is never shorter than asked
            conf.put(InitConf.Key.TIMEOUT, Long.toString((timeout.toMillis() + 999) / 1000));
        }
        return conf.bytes();
    }

    private static void noNul(String what, String value) {
        if (value.indexOf('\0') >= 0) {
            throw new KilnException(what.replace('\0', '?') + ": contains a NUL byte");
        }
    }
}
