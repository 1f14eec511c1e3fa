package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

@Command(name = "kiln", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Bakes container images into bootable microVM root filesystems (ext4), without root.")
public final class Main {
    /** The subcommands, in the order `kiln --help` lists them. */
    private static final Map<String, Supplier<Object>> SUBCOMMANDS = new LinkedHashMap<>();

    static {
        SUBCOMMANDS.put("build", BuildCommand::commandSpec);
        SUBCOMMANDS.put("inspect", () -> withFetchingOptions(new InspectCommand()));
        SUBCOMMANDS.put("run", RunCommand::new);
        SUBCOMMANDS.put("pull", () -> withFetchingOptions(new PullCommand()));
        SUBCOMMANDS.put("cache", CacheCommand::new);
        SUBCOMMANDS.put("completion", CompletionCommand::new);
        SUBCOMMANDS.put("help", CommandLine.HelpCommand::new);
    }

    @Option(names = "--debug", scope = ScopeType.INHERIT, description = "Print stack traces on failure.")
    boolean debug;

    public static void main(String[] args) {
        if (!isVersionQuery(args)) {
            ClassWarmup.start();
        }
        System.exit(run(args));
    }

    /** Runs the CLI and returns the exit code (for tests, which must not call System.exit). */
    public static int run(String... args) {
        if (isVersionQuery(args)) {
            // Answered without picocli: building even the top command's model by reflection
            // costs more than the rest of the JVM's start, and `--version` is what scripts and
            // package managers call to see whether kiln is there at all.
            System.out.println(new Version().getVersion()[0]);
            return 0;
        }
        return commandLine(args).execute(args);
    }

    /** Just {@code kiln --version} (or {@code -V}); with anything else picocli answers as usual. */
    static boolean isVersionQuery(String[] args) {
        return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    }

    /** The command line that {@link #run} executes for {@code args}. */
    static CommandLine commandLine(String... args) {
        CommandLine cli = new CommandLine(new Main());
        // picocli builds a command's whole model by reflection when it is added, a noticeable
        // part of a short build's start-up: when the command line names a subcommand, that one
        // is all the parse can reach. `help`, `completion`, no subcommand or an unknown word
        // gets them all.
        String named = firstWord(args);
        if (SUBCOMMANDS.containsKey(named) && !named.equals("help") && !named.equals("completion")) {
            cli.addSubcommand(named, SUBCOMMANDS.get(named).get());
        } else {
            SUBCOMMANDS.forEach((name, command) -> cli.addSubcommand(name, command.get()));
        }
        cli.setExecutionExceptionHandler(new ErrorHandler());
        cli.setParameterExceptionHandler(new UsageErrors());
        UsageErrors.registerNumberConverters(cli);   // after the subcommands: picocli passes it on to them
        return cli;
    }

    /** An annotated command with the options of {@link BuildKeys#FETCHING} added (declared once, for build too). */
    private static CommandSpec withFetchingOptions(Object command) {
        CommandSpec spec = CommandSpec.forAnnotatedObject(command);
        SpecOptions.addTo(spec, BuildKeys.FETCHING, false);
        return spec;
    }

    /** The first argument that is not an option; kiln's own options (--debug, --help, --version) take no value. */
    private static String firstWord(String[] args) {
        for (String a : args) {
            if (!a.startsWith("-")) {
                return a;
            }
        }
        return "";
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"kiln " + (v == null ? "dev" : v)};
        }
    }
}
