package dev.kiln.cli;

import dev.kiln.KilnException;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.concurrent.Callable;

/**
 * {@code kiln completion bash|zsh}: picocli's completion script for every command and option.
 * The one script serves both shells: under zsh it loads bashcompinit itself.
 */
@Command(name = "completion", mixinStandardHelpOptions = true,
        description = "Prints a shell completion script for kiln.",
        footer = {"", "bash: source <(kiln completion bash), or save it as "
                + "~/.local/share/bash-completion/completions/kiln.",
                "zsh:  source <(kiln completion zsh) in ~/.zshrc (after compinit)."})
public final class CompletionCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "bash|zsh", description = "The shell.")
    String shell;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        if (!shell.equals("bash") && !shell.equals("zsh")) {
            throw new KilnException("completion " + shell + ": expected bash or zsh");
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(AutoComplete.bash("kiln", spec.root().commandLine()));
        out.flush();
        return 0;
    }
}
