package dev.kiln.steps;

import dev.kiln.KilnException;

import java.nio.file.Path;
import java.util.List;

/** One build step, as written in kiln.yaml's {@code steps:} or given with {@code --run}. */
public sealed interface Step permits Step.Run, Step.Copy {

    /** How messages and {@code kiln cache ls} show the step: "run: apt-get update". */
    String describe();

    /**
     * A command run with {@code /bin/sh -c} in a microVM booted on the tree.
     *
     * @param env     NAME=VALUE applied over the image's Env
     * @param user    whom it runs as (name, uid, name:group, uid:gid); null for root
     * @param workdir absolute; null for the image's WorkingDir, else /
     * @param network null for the build's default ({@code step-network}); false: no network device
     */
    record Run(String command, List<String> env, String user, String workdir, Boolean network) implements Step {
        public Run {
            if (command == null || command.isBlank()) {
                throw new KilnException("run step: the command is empty");
            }
            env = env == null ? List.of() : List.copyOf(env);
        }

        /** A step of just a command (--run). */
        public static Run of(String command) {
            return new Run(command, null, null, null, null);
        }

        @Override
        public String describe() {
            return "run: " + oneLine(command);
        }
    }

    /**
     * Host files put into the tree at this point.
     *
     * @param source a file, or a directory whose contents (and own metadata) go to {@code path}
     * @param path   absolute path in the image: the file's, or the directory's
     * @param uid    owner of everything copied; null keeps the host's
     * @param gid    group of everything copied; null keeps the host's
     * @param mode   permission bits of the regular files copied; null keeps the host's
     *               (directories and symlinks keep theirs)
     */
    record Copy(Path source, String path, Long uid, Long gid, Integer mode) implements Step {
        public Copy {
            if (source == null) {
                throw new KilnException("copy step: no source");
            }
            if (path == null || !path.startsWith("/") || path.indexOf('\0') >= 0
                    || List.of(path.split("/")).contains("..")) {
                throw new KilnException("copy " + source + ": path " + String.valueOf(path).replace('\0', '?')
                        + ": must be an absolute path without ..");
            }
        }

        @Override
        public String describe() {
            return "copy: " + source + " to " + path;
        }
    }

    /** A command as one line for messages: newlines shown as "; ", at most 200 characters. */
    static String oneLine(String command) {
        String line = command.strip().replaceAll("\\s*\\R\\s*", "; ");
        return line.length() <= 200 ? line : line.substring(0, 199) + "…";
    }
}
