package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.guest.ContainerConfig.Bind;
import dev.kiln.guest.ContainerConfig.Net;
import dev.kiln.guest.MachineLayout.Kind;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The container config writer and the layout names, in memory (ContainerProtocolTest has kiln-init read them). */
class ContainerConfigTest {

    @Test
    void writesOneNulEndedRecordPerValue() {
        ContainerConfig c = new ContainerConfig(List.of("/bin/httpd", "-f"), List.of("A=1"), "/w", "101:101",
                List.of("audio"), List.of("NET_BIND_SERVICE"), List.of(Bind.parse("/run/s:/s:ro")), Net.NONE, true, 9,
                "h");
        assertThat(new String(c.bytes(), StandardCharsets.UTF_8)).isEqualTo("arg=/bin/httpd\0arg=-f\0env=A=1\0cwd=/w\0"
                + "user=101:101\0group=audio\0hostname=h\0cap=CAP_NET_BIND_SERVICE\0bind=/run/s:/s:ro\0net=none\0"
                + "readonly=true\0timeout=9\0");
    }

    /** A NUL in an image's Cmd or Env cannot be a record's value: an error about the input, not a crash. */
    @Test
    void aNulInAValueIsUnsupportedInput() {
        assertThatThrownBy(() -> ContainerConfig.of(List.of("/bin/a\0b"))).isInstanceOf(dev.kiln.KilnException.class)
                .hasMessage("command /bin/a?b: contains a NUL byte");
        assertThatThrownBy(() -> new InitConf().put(InitConf.Key.CMD, "/bin/a\0b"))
                .isInstanceOf(dev.kiln.UnsupportedInput.class)
                .hasMessage("kiln-init's cmd: the value \"/bin/a\0b\" holds a NUL byte, which no argument, environment"
                        + " string or path can");
    }

    @Test
    void defaultsAreLeftOutAndAnEmptyCapabilityListIsOneEmptyRecord() {
        assertThat(new String(ContainerConfig.of(List.of("/x")).bytes(), StandardCharsets.UTF_8)).isEqualTo("arg=/x\0net=host\0");
        ContainerConfig none = new ContainerConfig(List.of("/x"), null, null, null, null, List.of(), null, null, false, 0, null);
        assertThat(new String(none.bytes(), StandardCharsets.UTF_8)).isEqualTo("arg=/x\0cap=\0net=host\0");
    }

    @Test
    void capabilityNamesAreCanonicalAndUnknownOnesAreErrors() {
        ContainerConfig c = new ContainerConfig(List.of("/x"), null, null, null, null, List.of("net_raw", "Cap_Kill", "all"),
                null, null, false, 0, null);
        assertThat(c.capabilities()).containsExactly("CAP_NET_RAW", "CAP_KILL", "ALL");
        assertThatThrownBy(() -> new ContainerConfig(List.of("/x"), null, null, null, null, List.of("CAP_FLY"), null, null,
                false, 0, null)).isInstanceOf(KilnException.class).hasMessageStartingWith("capability CAP_FLY: not a Linux "
                + "capability");
        assertThat(ContainerConfig.CAPABILITIES).hasSize(41).containsAll(ContainerConfig.DEFAULT_CAPABILITIES);
        assertThat(ContainerConfig.DEFAULT_CAPABILITIES).hasSize(14).doesNotContain("CAP_SYS_ADMIN", "CAP_NET_ADMIN");
    }

    @Test
    void bindsAreAbsolutePathsWithoutDotDot() {
        assertThat(Bind.parse("/a:/b")).isEqualTo(new Bind("/a", "/b", false));
        assertThat(Bind.parse("/a:/b:rw")).isEqualTo(new Bind("/a", "/b", false));
        assertThat(Bind.parse("/a/x:/b:ro")).isEqualTo(new Bind("/a/x", "/b", true));
        assertBad(() -> Bind.parse("/a"), "bind /a: expected SOURCE:TARGET[:ro|rw]");
        assertBad(() -> Bind.parse("/a:/b:ro:x"), "bind /a:/b:ro:x: expected SOURCE:TARGET[:ro|rw]");
        assertBad(() -> Bind.parse("/a:/b:rshared"), "bind /a:/b:rshared: the option must be ro or rw, not rshared");
        assertBad(() -> Bind.parse("a:/b"), "bind a:/b: a is not an absolute path (without ':')");
        assertBad(() -> Bind.parse("/a:b"), "bind /a:b: b is not an absolute path (without ':')");
        assertBad(() -> Bind.parse("/a/../etc:/b"), "bind /a/../etc:/b: /a/../etc has a '..' component");
        assertBad(() -> Bind.parse("/a:/b/./c"), "bind /a:/b/./c: /b/./c has a '.' component");
        assertBad(() -> Bind.parse("/a:/"), "bind /a:/: cannot mount over the container's root");
        assertBad(() -> Bind.parse("/a://"), "bind /a://: cannot mount over the container's root");
    }

    @Test
    void everyOtherValueIsChecked() {
        assertBad(() -> ContainerConfig.of(List.of()), "command: empty");
        assertBad(() -> ContainerConfig.of(List.of("")), "command: empty");
        assertBad(() -> ContainerConfig.of(List.of("/x", "a\0b")), "command a?b: contains a NUL byte");
        assertBad(() -> new ContainerConfig(List.of("/x"), List.of("NOVALUE"), null, null, null, null, null, null, false, 0,
                null), "env NOVALUE: expected NAME=VALUE");
        assertBad(() -> new ContainerConfig(List.of("/x"), List.of("=v"), null, null, null, null, null, null, false, 0,
                null), "env =v: expected NAME=VALUE");
        assertBad(() -> new ContainerConfig(List.of("/x"), null, "work", null, null, null, null, null, false, 0, null),
                "cwd work: not an absolute path");
        assertBad(() -> new ContainerConfig(List.of("/x"), null, null, "", null, null, null, null, false, 0, null),
                "user: empty");
        assertBad(() -> new ContainerConfig(List.of("/x"), null, null, null, List.of("a:b"), null, null, null, false, 0,
                null), "group a:b: expected a group name or gid");
        assertBad(() -> new ContainerConfig(List.of("/x"), null, null, null, null, null, null, null, false, -1, null),
                "timeout -1: expected 0 (none) to 1000000 seconds");
        assertBad(() -> new ContainerConfig(List.of("/x"), null, null, null, null, null, null, null, false, 0, "a b"),
                "hostname a b: not a valid host name");
    }

    @Test
    void layoutPathsAreNumberedByPositionAndNamesAreChecked() {
        assertThat(MachineLayout.entry(Kind.ONBOOT, 0, "setup")).isEqualTo("containers/onboot/000-setup");
        assertThat(MachineLayout.rootfs(Kind.SERVICE, 12, "web.1")).isEqualTo("containers/services/012-web.1/rootfs");
        assertThat(MachineLayout.config(Kind.ONSHUTDOWN, 999, "a_b")).isEqualTo("containers/onshutdown/999-a_b/config");
        assertBad(() -> MachineLayout.entry(Kind.SERVICE, 1000, "web"), "services: web: position 1000 is out of range");
        for (String bad : new String[] {"", "-web", ".web", "we/b", "we b", "x".repeat(64), "wëb"}) {
            assertBad(() -> MachineLayout.entry(Kind.SERVICE, 0, bad), "name " + bad + ": use 1 to 63 letters");
        }
        MachineLayout.checkName("x".repeat(63));
    }

    private static void assertBad(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, String message) {
        assertThatThrownBy(call).isInstanceOf(KilnException.class).hasMessageStartingWith(message);
    }
}
