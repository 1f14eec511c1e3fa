package dev.kiln.cli;

import dev.kiln.cli.SpecFileTest.Run;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.kiln.cli.SpecFileTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;

/** kiln completion: the script loads in a real bash and completes commands, options and their values. */
class CompletionCommandTest {
    @TempDir
    Path tmp;

    private Path script() throws IOException {
        Run r = kiln("completion", "bash");
        assertThat(r.exit()).as(r.err()).isZero();
        return Files.writeString(tmp.resolve("kiln.bash"), r.out());
    }

    /** What bash's completion offers for the words of {@code line} (the last one being completed). */
    private List<String> complete(Path script, String line) {
        String words = line.endsWith(" ") ? line + "''" : line;
        Tools.Result r = Tools.run(List.of("bash", "--norc", "--noprofile", "-c", "source '" + script + "'"
                + " && COMP_WORDS=(" + words + ") && COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))"
                + " && COMP_LINE='" + line + "' && COMP_POINT=${#COMP_LINE}"
                + " && _complete_kiln && printf '%s\\n' \"${COMPREPLY[@]}\""), null, null, 60);
        assertThat(r.exitCode()).as(r.output()).isZero();
        return r.stdout().lines().toList();
    }

    @Test
    void bashCompletesCommandsOptionsAndChoices() throws IOException {
        Tools.assumeTools("bash");
        Path script = script();
        assertThat(complete(script, "kiln bu")).containsExactly("build");
        assertThat(complete(script, "kiln ")).contains("build", "inspect", "run", "pull", "cache", "completion");
        assertThat(complete(script, "kiln build --ini")).containsExactly("--init", "--init-image");
        assertThat(complete(script, "kiln build --init ")).containsExactly("auto", "kiln", "none");
        assertThat(complete(script, "kiln build --no-")).containsExactly("--no-cache", "--no-journal");
        assertThat(complete(script, "kiln pull --cache")).containsExactly("--cache-dir");
    }

    @Test
    void zshGetsTheSameScriptWhichLoadsBashcompinitItself() throws IOException {
        Run zsh = kiln("completion", "zsh");
        assertThat(zsh.exit()).isZero();
        assertThat(zsh.out()).isEqualTo(Files.readString(script())).contains("bashcompinit");
        if (Tools.available("zsh")) {
            Path script = Files.writeString(tmp.resolve("kiln.zsh"), zsh.out());
            Tools.Result r = Tools.run(List.of("zsh", "-f", "-c", "autoload -U compinit && compinit -u && source '"
                    + script + "' && complete -p kiln"), null, null, 60);
            assertThat(r.exitCode()).as(r.output()).isZero();
            assertThat(r.stdout()).contains("_complete_kiln");
        }
    }

    @Test
    void anotherShellIsAnError() {
        Run r = kiln("completion", "fish");
        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("kiln: completion fish: expected bash or zsh\n");
    }
}
