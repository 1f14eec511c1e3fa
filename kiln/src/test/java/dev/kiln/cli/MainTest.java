package dev.kiln.cli;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;

/** The top-level command, whose subcommands are added only as far as the command line needs. */
class MainTest {
    private record Result(int exit, String out, String err) {
    }

    private static Result kiln(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        ByteArrayOutputStream e = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(o, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(e, true, StandardCharsets.UTF_8));
            int exit = Main.run(args);
            return new Result(exit, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    @Test
    void helpListsEverySubcommand() {
        Result r = kiln("--help");
        assertThat(r.exit()).isZero();
        assertThat(r.out()).contains("  build ", "  inspect ", "  run ", "  pull ", "  cache ", "  completion ",
                "  help ");
    }

    @Test
    void eachNamedSubcommandParsesOnItsOwn() {
        for (String name : new String[] {"build", "inspect", "run", "pull", "cache", "completion"}) {
            Result r = kiln("--debug", name, "--help");
            assertThat(r.exit()).as(name).isZero();
            assertThat(r.out()).as(name).startsWith("Usage: kiln " + name + " ");
        }
        assertThat(kiln("help", "pull").out()).startsWith("Usage: kiln pull ");
        assertThat(kiln("cache", "ls", "--help").out()).startsWith("Usage: kiln cache ls ");
    }

    @Test
    void versionIsAnsweredTheSameWithOrWithoutTheCommandModel() {
        for (String flag : new String[] {"--version", "-V"}) {
            Result fast = kiln(flag);
            assertThat(Main.isVersionQuery(new String[] {flag})).isTrue();
            assertThat(fast.exit()).isZero();
            assertThat(fast.out()).matches("kiln \\S+\\R");
            // `--debug --version` is not the fast path: picocli prints its own answer, which must agree
            Result picocli = kiln("--debug", flag);
            assertThat(Main.isVersionQuery(new String[] {"--debug", flag})).isFalse();
            assertThat(picocli.exit()).isZero();
            assertThat(picocli.out()).isEqualTo(fast.out());
        }
    }

    @Test
    void anUnknownWordIsAnErrorThatSuggestsASubcommand() {
        Result r = kiln("biuld", "x");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("kiln: unmatched arguments from index 0: 'biuld', 'x'; did you mean kiln pull"
                + " or kiln build? (kiln --help lists the commands)\n");
    }
}
