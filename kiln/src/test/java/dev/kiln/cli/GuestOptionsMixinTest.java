package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.guest.GuestConfig;
import dev.kiln.guest.GuestConfig.InitMode;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestOptionsMixinTest {
    private static GuestConfig parse(String... args) {
        BuildCommand build = new BuildCommand();
        new CommandLine(build).parseArgs(args);
        return build.guestOptions.toGuestConfig();
    }

    @Test
    void defaultsChangeNothing() {
        GuestConfig g = parse("dir:/x", "-o", "out.ext4");
        assertThat(g).isEqualTo(GuestConfig.defaults());
        assertThat(g.entrypoint()).isNull();
        assertThat(g.cmd()).isNull();
    }

    @Test
    void everyOptionMaps() {
        GuestConfig g = parse("dir:/x", "-o", "o", "--init", "kiln", "--agent", "a.bin:/opt/agent",
                "--agent-arg", "-p", "--agent-arg", "1", "--agent-env", "K=V", "--script", "boot.sh",
                "--hostname", "vm", "--dns", "1.1.1.1", "--dns", "8.8.8.8", "--env", "A=1",
                "--entrypoint", "[\"/bin/sh\",\"-c\"]", "--cmd", "echo", "--cmd", "hi", "--user", "app:staff",
                "--workdir", "/w", "--file", "x:/etc/x:600:1:2", "--file", "y:/y");
        assertThat(g.init()).isEqualTo(InitMode.KILN);
        assertThat(g.agent()).isEqualTo(Path.of("a.bin"));
        assertThat(g.agentDest()).isEqualTo("/opt/agent");
        assertThat(g.agentArgs()).containsExactly("-p", "1");
        assertThat(g.agentEnv()).containsExactly("K=V");
        assertThat(g.script()).isEqualTo(Path.of("boot.sh"));
        assertThat(g.hostname()).isEqualTo("vm");
        assertThat(g.dns()).containsExactly("1.1.1.1", "8.8.8.8");
        assertThat(g.env()).containsExactly("A=1");
        assertThat(g.entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(g.cmd()).containsExactly("echo", "hi");
        assertThat(g.user()).isEqualTo("app:staff");
        assertThat(g.workdir()).isEqualTo("/w");
        assertThat(g.files()).containsExactly(new GuestConfig.FileSpec(Path.of("x"), "/etc/x", 0600, 1L, 2L),
                new GuestConfig.FileSpec(Path.of("y"), "/y", null, null, null));
    }

    @Test
    void emptyValueClearsAndAgentDestDefaults() {
        GuestConfig g = parse("dir:/x", "-o", "o", "--cmd", "", "--agent", "agent");
        assertThat(g.cmd()).isEqualTo(List.of());
        assertThat(g.agentDest()).isEqualTo(GuestConfig.DEFAULT_AGENT_DEST);
    }

    @Test
    void badValuesNameTheOption() {
        assertThatThrownBy(() -> parse("dir:/x", "-o", "o", "--init", "sysv")).isInstanceOf(KilnException.class)
                .hasMessageStartingWith("--init sysv");
        assertThatThrownBy(() -> parse("dir:/x", "-o", "o", "--file", "a:/b:999")).hasMessageStartingWith("--file a:/b:999");
        assertThatThrownBy(() -> parse("dir:/x", "-o", "o", "--file", "a")).hasMessageStartingWith("--file a:");
        assertThatThrownBy(() -> parse("dir:/x", "-o", "o", "--entrypoint", "[1,")).hasMessageStartingWith("--entrypoint [1,");
    }
}
