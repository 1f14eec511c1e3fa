package dev.kiln.cli;

import dev.kiln.build.Failures;
import picocli.CommandLine;

import java.io.PrintWriter;

/** Prints one line per failure ("kiln: " and {@link Failures#describe}); the stack trace only with --debug. */
final class ErrorHandler implements CommandLine.IExecutionExceptionHandler {
    static final int FAILURE = 1;

    @Override
    public int handleExecutionException(Exception ex, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        boolean debug = false;
        for (CommandLine.ParseResult p = parsed; p != null; p = p.subcommand()) {
            debug |= p.hasMatchedOption("--debug");
        }
        err.println("kiln: " + describe(ex));
        if (debug) {
            ex.printStackTrace(err);
        }
        err.flush();
        return FAILURE;
    }

    /** The failure and its causes as one line ({@link Failures#describe}). */
    static String describe(Throwable ex) {
        return Failures.describe(ex);
    }
}
