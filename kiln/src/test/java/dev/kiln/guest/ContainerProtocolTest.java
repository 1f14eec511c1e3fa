package dev.kiln.guest;

import dev.kiln.guest.ContainerConfig.Bind;
import dev.kiln.guest.ContainerConfig.Net;
import dev.kiln.guest.MachineLayout.Kind;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A composed machine's files from both sides (kiln/src/main/c/PROTOCOL.md, "Composed machines"):
 * ContainerConfig and MachineLayout write them, and the real kiln-init binaries read them in
 * their `container-config` and `machine` modes, which print what a boot would use. The x86_64
 * binary runs natively, the aarch64 one under qemu-aarch64.
 */
class ContainerProtocolTest {
    @TempDir
    static Path bin;
    static List<List<String>> runners;

    @TempDir
    Path tmp;

    @BeforeAll
    static void binaries() throws IOException {
        runners = KilnInitBinaries.runners(bin);
        assumeTrue(!runners.isEmpty(), "no kiln-init binary can run here (qemu-user is not installed)");
    }

    @Test
    void everyKeyRoundTrips() throws IOException {
        ContainerConfig c = new ContainerConfig(List.of("/bin/sh", "-c", "echo \"two words\"\nline two", "ünï"),
                List.of("A=1", "EQ=x=y", "EMPTY="), "/srv/app", "app:staff", List.of("audio", "44"),
                List.of("net_bind_service", "CAP_KILL"), List.of(Bind.parse("/run/state:/state:ro"),
                Bind.parse("/var/data:/data")), Net.NONE, true, 30, "web-1");
        assertRead(c.bytes(),
                "arg=/bin/sh", "arg=-c", "arg=echo \"two words\"\nline two", "arg=ünï",
                "env=A=1", "env=EQ=x=y", "env=EMPTY=", "cwd=/srv/app", "user=app:staff", "group=audio", "group=44",
                "hostname=web-1", "cap=CAP_KILL", "cap=CAP_NET_BIND_SERVICE",
                "bounding=CAP_KILL", "bounding=CAP_NET_BIND_SERVICE",
                "bind=/run/state:/state:ro", "bind=/var/data:/data:rw", "net=none", "readonly=true", "timeout=30");
    }

    /** Without capabilities in the config, kiln-init bounds the container by Docker's default set, as Java lists it. */
    @Test
    void theDefaultsAreTheSameOnBothSides() throws IOException {
        List<String> expected = new ArrayList<>(List.of("arg=/bin/true"));
        ContainerConfig.DEFAULT_CAPABILITIES.stream().sorted(Comparator.comparing(ContainerConfig.CAPABILITIES::indexOf))
                .forEach(c -> expected.add("bounding=" + c));
        expected.addAll(List.of("net=host", "readonly=false", "timeout=0"));
        assertRead(ContainerConfig.of(List.of("/bin/true")).bytes(), expected.toArray(String[]::new));
    }

    /** Both sides have the same table: every name Java accepts is the capability of the same number in kiln-init. */
    @Test
    void everyCapabilityNameIsKnownToKilnInit() throws IOException {
        ContainerConfig all = new ContainerConfig(List.of("/x"), null, null, null, null,
                ContainerConfig.CAPABILITIES.stream().map(c -> c.substring(4).toLowerCase()).toList(), null, null, false, 0,
                null);
        List<String> expected = new ArrayList<>(List.of("arg=/x"));
        ContainerConfig.CAPABILITIES.forEach(c -> expected.add("cap=" + c));
        ContainerConfig.CAPABILITIES.forEach(c -> expected.add("bounding=" + c));
        expected.addAll(List.of("net=host", "readonly=false", "timeout=0"));
        assertRead(all.bytes(), expected.toArray(String[]::new));

        List<String> viaAll = new ArrayList<>(List.of("arg=/x"));
        ContainerConfig.CAPABILITIES.forEach(c -> viaAll.add("cap=" + c));
        ContainerConfig.CAPABILITIES.forEach(c -> viaAll.add("bounding=" + c));
        viaAll.addAll(List.of("net=host", "readonly=false", "timeout=0"));
        assertRead(new ContainerConfig(List.of("/x"), null, null, null, null, List.of("all"), null, null, false, 0, null)
                .bytes(), viaAll.toArray(String[]::new));
    }

    @Test
    void anEmptyCapabilityListMeansNone() throws IOException {
        assertRead(new ContainerConfig(List.of("/x"), null, null, null, null, List.of(), null, null, false, 0, null).bytes(),
                "arg=/x", "cap=", "net=host", "readonly=false", "timeout=0");
    }

    /** What the Java side never writes, kiln-init refuses too: a container with a config it cannot fully apply does not start. */
    @Test
    void kilnInitRefusesAConfigItCannotFullyApply() throws IOException {
        assertRefused("arg=/x\0seccomp=strict\0", "unknown key seccomp");
        assertRefused("arg=/x\0bind=/a/../etc:/b\0", "bind /a/../etc:/b: paths must be absolute, without . or .. components");
        assertRefused("arg=/x\0bind=relative:/b\0", "bind relative:/b: paths must be absolute");
        assertRefused("arg=/x\0bind=/a:/\0", "bind /a:/: cannot mount over the container's root");
        assertRefused("arg=/x\0bind=/a:/b:rshared\0", "bind /a:/b:rshared: the option must be ro or rw");
        assertRefused("arg=/x\0cap=CAP_FLY\0", "cap CAP_FLY: not a capability this kiln-init knows");
        assertRefused("arg=/x\0cap=\0cap=CAP_KILL\0", "cap= (no capabilities) cannot be combined with others");
        assertRefused("arg=/x\0cwd=/a\0cwd=/b\0", "cwd is given twice");
        assertRefused("arg=/x\0net=bridge\0", "net bridge: expected host or none");
        assertRefused("arg=/x\0timeout=soon\0", "timeout soon: expected a number of seconds");
        assertRefused("env=A=1\0", "no command (arg records)");
        assertRefused("arg=/x\0env=NOVALUE\0", "env NOVALUE: expected NAME=VALUE");
    }

    /** kiln-init finds the containers MachineLayout places, in their order (by number, not by text), and skips the rest. */
    @Test
    void theMachineLayoutIsFoundInOrder() throws IOException {
        Path root = tmp.resolve("root");
        byte[] config = ContainerConfig.of(List.of("/bin/true")).bytes();
        List<String> entries = List.of(MachineLayout.entry(Kind.SERVICE, 1, "web"),
                MachineLayout.entry(Kind.ONSHUTDOWN, 0, "flush"), MachineLayout.entry(Kind.ONBOOT, 0, "setup"),
                MachineLayout.entry(Kind.ONBOOT, 1, "net"), MachineLayout.entry(Kind.SERVICE, 0, "db"),
                "containers/onboot/10-late", "containers/onboot/9-early");
        for (String e : entries) {
            Files.createDirectories(root.resolve(e).resolve("rootfs"));
            Files.write(root.resolve(e).resolve("config"), config);
        }
        Files.createDirectories(root.resolve("containers/services/no-number"));
        Files.writeString(root.resolve("containers/services/README"), "not a container");
        Path containers = root.resolve(MachineLayout.CONTAINERS);
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(concat(runner, "machine", containers.toString()));
            assertThat(r.exitCode()).as(runner + ": " + r.output()).isZero();
            assertThat(r.stdout().lines().toList()).as(runner.toString()).containsExactly(
                    "kiln-init: " + containers + "/services/no-number: not a container directory (NN-NAME, NAME of "
                            + "letters, digits, '-', '_', '.'); skipped",
                    "onboot setup " + containers + "/onboot/000-setup",
                    "onboot net " + containers + "/onboot/001-net",
                    "onboot early " + containers + "/onboot/9-early",
                    "onboot late " + containers + "/onboot/10-late",
                    "service db " + containers + "/services/000-db",
                    "service web " + containers + "/services/001-web",
                    "onshutdown flush " + containers + "/onshutdown/000-flush");
        }
        Files.writeString(root.resolve("containers/services/000-db/config"), "arg=/x\0net=bridge\0");
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(concat(runner, "machine", containers.toString()));
            assertThat(r.exitCode()).as(runner.toString()).isEqualTo(1);
            assertThat(r.stdout()).as(runner.toString()).contains("000-db/config: net bridge: expected host or none");
        }
    }

    /** The machine-wide key lives in init.conf; a run config cannot change it. */
    @Test
    void onbootFailureIsAnInitConfKey() throws IOException {
        Path conf = Files.write(tmp.resolve("init.conf"), new InitConf().put(InitConf.Key.SCRIPT, "/s")
                .put(InitConf.Key.ONBOOT_FAILURE, "poweroff").bytes());
        Path run = Files.write(tmp.resolve("run.conf"), "version=1\0onboot_failure=continue\0".getBytes(StandardCharsets.UTF_8));
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(concat(runner, "config", conf.toString(), run.toString()));
            assertThat(r.exitCode()).as(runner + ": " + r.output()).isZero();
            assertThat(r.stdout().split("\0")).as(runner.toString()).containsExactly("script=/s", "grace=5",
                    "onboot_failure=poweroff");
        }
        Path cont = Files.write(tmp.resolve("cont.conf"), new InitConf().put(InitConf.Key.ONBOOT_FAILURE, "continue").bytes());
        for (List<String> runner : runners) {
            assertThat(Tools.run(concat(runner, "config", cont.toString())).stdout().split("\0")).containsExactly("grace=5");
        }
    }

    private void assertRead(byte[] config, String... expected) throws IOException {
        Path file = Files.write(tmp.resolve("config"), config);
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(concat(runner, "container-config", file.toString()));
            assertThat(r.exitCode()).as(runner + ": " + r.output()).isZero();
            List<String> records = List.of(r.stdout().split("\0", -1));
            assertThat(records).as(runner.toString()).containsExactly(Stream.concat(Stream.of(expected), Stream.of(""))
                    .toArray(String[]::new));
        }
    }

    private void assertRefused(String records, String message) throws IOException {
        Path file = Files.write(tmp.resolve("bad-config"), records.getBytes(StandardCharsets.UTF_8));
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(concat(runner, "container-config", file.toString()));
            assertThat(r.exitCode()).as(runner + ": " + records).isEqualTo(1);
            assertThat(r.stdout()).as(runner.toString()).startsWith("kiln-init: " + file + ": ").contains(message);
        }
    }

    private static List<String> concat(List<String> runner, String... args) {
        List<String> cmd = new ArrayList<>(runner);
        cmd.addAll(List.of(args));
        return cmd;
    }
}
