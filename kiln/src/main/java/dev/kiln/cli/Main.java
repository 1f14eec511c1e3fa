package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Bakes container images into bootable microVM root filesystems (ext4), without root.",
        subcommands = {BuildCommand.class, InspectCommand.class, RunCommand.class, PullCommand.class,
                CacheCommand.class, CommandLine.HelpCommand.class})
public final class Main {

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces on failure.")
    boolean debug;

    public static void main(String[] args) {
        ClassWarmup.start();
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (for tests, which must not call System.exit). */
    public static int run(String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setExecutionExceptionHandler(new ErrorHandler());
        return cli.execute(args);
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kiln " + (v == null ? "dev" : v)};
        }
    }
}
