package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A usage error as one line: what is wrong and where to read more, not the whole help (which
 * would push the error itself off the screen). Exit status 2, as before.
 */
final class UsageErrors implements CommandLine.IParameterExceptionHandler {
    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        String command = cmd.getCommandSpec().qualifiedName();
        StringBuilder line = new StringBuilder("kiln: ").append(lowerFirst(ex.getMessage()));
        if (ex instanceof UnmatchedArgumentException unmatched) {
            List<String> suggestions = unmatched.getSuggestions();
            if (!suggestions.isEmpty()) {
                line.append("; did you mean ").append(suggestions.stream()
                        .map(s -> s.startsWith("-") ? s : command + " " + s).collect(Collectors.joining(" or ")))
                        .append("?");
            }
        }
        boolean hasSubcommands = !cmd.getSubcommands().isEmpty();
        line.append(" (").append(command).append(" --help lists the ")
                .append(hasSubcommands ? "commands" : "options").append(")");
        cmd.getErr().println(line);
        cmd.getErr().flush();
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    private static String lowerFirst(String message) {
        if (message == null || message.isEmpty()) {
            return "invalid command line";
        }
        String first = message.substring(0, 1);
        // "Unknown option", "Missing required ...": picocli's sentences; an option name stays as given
        return first.equals("-") || first.equals("'") ? message : first.toLowerCase(Locale.ROOT) + message.substring(1);
    }

    /** Numbers in picocli's own words name Java types ("'x' is not a double"); these say what is wanted. */
    static void registerNumberConverters(CommandLine cli) {
        CommandLine.ITypeConverter<Double> decimal = number(Double::valueOf, "a number");
        CommandLine.ITypeConverter<Integer> whole = number(Integer::valueOf, "a whole number");
        CommandLine.ITypeConverter<Long> wholeLong = number(Long::valueOf, "a whole number");
        cli.registerConverter(Double.class, decimal).registerConverter(Double.TYPE, decimal)
                .registerConverter(Integer.class, whole).registerConverter(Integer.TYPE, whole)
                .registerConverter(Long.class, wholeLong).registerConverter(Long.TYPE, wholeLong);
    }

    private static <T> CommandLine.ITypeConverter<T> number(java.util.function.Function<String, T> parse, String what) {
        return s -> {
            try {
                return parse.apply(s);
            } catch (NumberFormatException e) {
                throw new CommandLine.TypeConversionException("'" + s + "' is not " + what);
            }
        };
    }
}
