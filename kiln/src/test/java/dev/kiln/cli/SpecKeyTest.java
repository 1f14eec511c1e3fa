package dev.kiln.cli;

import dev.kiln.KilnException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The shapes the coming keys need (issue 12's steps:, issue 13's services:) are declared like
 * today's: a list of mappings whose items hold a mapping that may be written as one value,
 * every value keeping its own line for errors.
 */
class SpecKeyTest {
    static final SpecKey<String> COMMAND = SpecKey.value("command", Kinds.TEXT).required();
    static final SpecKey<String> WORKDIR = SpecKey.value("workdir", Kinds.TEXT);
    static final SpecKey<List<String>> ENV = SpecKey.value("env", Kinds.ENV);
    static final SpecKey<SpecMap> RUN = SpecKey.mapping("run", COMMAND, WORKDIR, ENV).shorthand(COMMAND);
    static final SpecKey<Path> SOURCE = SpecKey.value("source", Kinds.HOST_FILE).required();
    static final SpecKey<String> PATH = SpecKey.value("path", Kinds.TEXT).required();
    static final SpecKey<SpecMap> COPY = SpecKey.mapping("copy", SOURCE, PATH);
    static final SpecKey<List<SpecMap>> STEPS = SpecKey.items("steps", RUN, COPY).checkMapping(step -> {
        if (step.has(RUN) == step.has(COPY)) {
            throw new SpecProblem("give run or copy");
        }
    });

    @TempDir
    Path tmp;

    private SpecMap read(String yaml) throws IOException {
        return SpecFile.read(Files.writeString(tmp.resolve("k.yaml"), yaml), List.of(STEPS));
    }

    @Test
    void itemsHoldMappingsWrittenInFullOrAsOneValue() throws IOException {
        Files.writeString(tmp.resolve("app.tar"), "x");
        SpecMap spec = read("""
                steps:
                  - run: apt-get update
                  - copy: {source: app.tar, path: /srv/app.tar}
                  - run:
                      command: make
                      workdir: /src
                      env: {CC: gcc}
                """);
        List<SpecMap> steps = spec.get(STEPS);
        assertThat(steps).hasSize(3);
        assertThat(steps.get(0).get(COMMAND)).isEqualTo("apt-get update");
        assertThat(steps.get(0).get(WORKDIR)).isNull();
        assertThat(steps.get(1).get(SOURCE)).isEqualTo(tmp.resolve("app.tar"));
        assertThat(steps.get(2).get(WORKDIR)).isEqualTo("/src");
        assertThat(steps.get(2).get(ENV)).containsExactly("CC=gcc");
        assertThat(steps.get(2).origin(WORKDIR)).isEqualTo(new Origin.InFile(tmp.resolve("k.yaml").toString(), 6,
                "steps[2].run.workdir"));
        assertThat(spec.toYaml().toString()).isEqualTo("{steps=[{run={command=apt-get update}}, "
                + "{copy={source=" + tmp.resolve("app.tar") + ", path=/srv/app.tar}}, "
                + "{run={command=make, workdir=/src, env=[CC=gcc]}}]}");
    }

    @Test
    void problemsNameTheItemKeyAndLine() {
        String file = tmp.resolve("k.yaml").toString();
        assertThatThrownBy(() -> read("steps:\n  - run: a\n  - run:\n      workdir: [x]\n"))
                .isInstanceOf(KilnException.class)
                .hasMessage(file + ":4: steps[1].run.workdir: expected a single value, got a list");
        assertThatThrownBy(() -> read("steps:\n  - run:\n      workdir: /x\n"))
                .hasMessage(file + ":2: steps[0].run: command is missing");
        assertThatThrownBy(() -> read("steps:\n  - run: a\n    copy: {source: k.yaml, path: /k}\n"))
                .hasMessage(file + ":2: steps[0]: give run or copy");
        assertThatThrownBy(() -> read("steps:\n  - copy: {source: nope, path: /x}\n"))
                .hasMessage(file + ":2: steps[0].copy.source: " + tmp.resolve("nope") + ": no such file");
        assertThatThrownBy(() -> read("steps:\n  - rnu: a\n"))
                .hasMessage(file + ":2: steps[0].rnu: unknown key; expected one of [copy, run]");
    }
}
