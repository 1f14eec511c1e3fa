package dev.kiln.cli;

import picocli.CommandLine;

import java.io.PrintWriter;

/** Prints one line per failure ("kiln: <message>"); the stack trace only with --debug. */
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

    static String describe(Throwable ex) {
        if (ex instanceof java.nio.file.FileSystemException fs) {
            return fileSystemMessage(fs);
        }
        String message = ex.getMessage();
        if (message == null || message.isBlank()) {
            message = ex.getClass().getSimpleName();
        }
        Throwable cause = ex.getCause();
        if (cause instanceof java.nio.file.FileSystemException fs) {
            message += ": " + fileSystemMessage(fs);
        } else if (cause != null && cause.getMessage() != null && !message.contains(cause.getMessage())) {
            message += ": " + cause.getMessage();
        }
        return message;
    }

    /** The JDK's file exceptions carry only the path as their message; say what went wrong. */
    private static String fileSystemMessage(java.nio.file.FileSystemException fs) {
        String reason = fs.getReason();
        if (reason == null) {
            reason = fs instanceof java.nio.file.AccessDeniedException ? "permission denied"
                    : fs instanceof java.nio.file.NoSuchFileException ? "no such file or directory"
                    : fs instanceof java.nio.file.FileAlreadyExistsException ? "already exists"
                    : fs instanceof java.nio.file.NotDirectoryException ? "not a directory"
                    : fs instanceof java.nio.file.DirectoryNotEmptyException ? "directory not empty"
                    : fs.getClass().getSimpleName();
        }
        String file = fs.getFile() == null ? "" : fs.getFile() + ": ";
        String other = fs.getOtherFile() == null ? "" : " (" + fs.getOtherFile() + ")";
        return file + reason + other;
    }
}
