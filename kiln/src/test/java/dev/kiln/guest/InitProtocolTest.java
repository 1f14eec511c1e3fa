package dev.kiln.guest;

import dev.kiln.guest.GuestConfig.InitMode;
import dev.kiln.image.ImageConfig;
import dev.kiln.run.GuestOverrides;
import dev.kiln.run.RunConfigDisk;
import dev.kiln.run.StepCommand;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The host/kiln-init protocol (kiln/src/main/c/PROTOCOL.md) from both sides: the Java writers
 * make init.conf (through GuestStage) and the run config disk (as `kiln run` does), and the real
 * kiln-init binaries read and merge them in their `config` mode, which prints the configuration
 * a boot would use. The x86_64 binary runs natively (or under qemu-x86_64), the aarch64 one
 * under qemu-aarch64.
 */
class InitProtocolTest {
    private static final ImageConfig IMAGE = new ImageConfig(List.of("/app", "two words"),
            List.of("--flag=\"quoted\"", "line\nbreak", "ünïcode"), List.of("PATH=/bin", "A=1", "EQ=x=y"), "/srv",
            "app:staff", List.of(), Map.of());

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
    void initConfRoundTripsEveryKey() throws IOException {
        Path script = Files.writeString(tmp.resolve("script"), "#!/bin/sh\n");
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        GuestConfig guest = GuestConfig.builder()
                .init(InitMode.KILN)
                .agent(agent, "/opt/agent")
                .agentArgs(List.of("-v", "a b"))
                .agentEnv(List.of("T=1"))
                .script(script)
                .hostname("vm1")
                .build();
        assertMerged(initConf(guest), null,
                "entrypoint=/app", "entrypoint=two words",
                "cmd=--flag=\"quoted\"", "cmd=line\nbreak", "cmd=ünïcode",
                "env=PATH=/bin", "env=A=1", "env=EQ=x=y", "workdir=/srv", "user=app:staff", "hostname=vm1",
                "agent=/opt/agent", "agent_arg=-v", "agent_arg=a b", "agent_env=T=1", "script=/etc/kiln/script", "grace=5");
    }

    /** docker run IMAGE CMD -e -u -w: the Cmd is replaced, the Entrypoint kept, variables replaced or added. */
    @Test
    void aRunConfigReplacesTheCmdKeepsTheEntrypointAndMergesTheEnvironment() throws IOException {
        GuestOverrides run = new GuestOverrides(null, List.of("x", "two words"), List.of("A=9", "NEW=1", "EQ=z"), "root",
                "/w");
        assertMerged(initConf(plain()), RunConfigDisk.contents(run, List.of("10.0.2.3")),
                "entrypoint=/app", "entrypoint=two words", "cmd=x", "cmd=two words",
                "env=PATH=/bin", "env=A=9", "env=EQ=z", "env=NEW=1", "workdir=/w", "user=root", "grace=5", "dns=10.0.2.3");
    }

    @Test
    void aNewEntrypointDropsTheImagesCmdUnlessOneIsGiven() throws IOException {
        byte[] conf = initConf(plain());
        assertMerged(conf, RunConfigDisk.contents(new GuestOverrides(List.of("/bin/sh"), null, null, null, null), List.of()),
                "entrypoint=/bin/sh", "env=PATH=/bin", "env=A=1", "env=EQ=x=y", "workdir=/srv", "user=app:staff", "grace=5");
        assertMerged(conf, RunConfigDisk.contents(new GuestOverrides(List.of("/bin/sh"), List.of("-c", "true"), null, null,
                        null), List.of()),
                "entrypoint=/bin/sh", "cmd=-c", "cmd=true", "env=PATH=/bin", "env=A=1", "env=EQ=x=y", "workdir=/srv",
                "user=app:staff", "grace=5");
    }

    /** `--entrypoint ''` empties the Entrypoint; then the command is the Cmd given, or nothing. */
    @Test
    void anEmptyEntrypointEmptiesIt() throws IOException {
        byte[] conf = initConf(plain());
        for (List<String> empty : List.of(List.of(""), List.<String>of())) {
            assertMerged(conf, RunConfigDisk.contents(new GuestOverrides(empty, List.of("/bin/true"), null, null, null),
                            List.of()),
                    "cmd=/bin/true", "env=PATH=/bin", "env=A=1", "env=EQ=x=y", "workdir=/srv", "user=app:staff", "grace=5");
        }
    }

    /** The agent, script and grace period belong to the image: a run config does not change them. */
    @Test
    void aRunConfigCannotChangeTheAgentOrScript() throws IOException {
        byte[] conf = "agent=/a\0script=/s\0grace=2\0".getBytes(StandardCharsets.UTF_8);
        byte[] run = "version=1\0agent=/evil\0agent_arg=x\0script=/evil\0grace=0\0\0\0".getBytes(StandardCharsets.UTF_8);
        assertMerged(conf, run, "agent=/a", "script=/s", "grace=2");
    }

    @Test
    void aRunConfigOfAnotherVersionStopsTheBoot() throws IOException {
        Path conf = Files.write(tmp.resolve("init.conf"), initConf(plain()));
        Path run = Files.write(tmp.resolve("run.conf"), "version=2\0cmd=x\0".getBytes(StandardCharsets.UTF_8));
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(command(runner, conf, run));
            assertThat(r.exitCode()).as(runner.toString()).isEqualTo(1);
            assertThat(r.stdout()).as(runner.toString()).startsWith("kiln-init: " + run
                    + ": not a run config this kiln-init understands");
        }
    }

    /** Images from Kiln versions that wrote one "arg" list: it is the whole command. */
    @Test
    void theOldArgListIsReadAsTheCmd() throws IOException {
        assertMerged("arg=/bin/app\0arg=x\0".getBytes(StandardCharsets.UTF_8),
                RunConfigDisk.contents(new GuestOverrides(null, null, List.of("B=2"), null, null), List.of()),
                "cmd=/bin/app", "cmd=x", "env=B=2", "grace=5");
    }

    @Test
    void theRunConfigDiskIsWholeSectorsEndedByZeros() {
        for (int n : new int[] {0, 490, 500, 2000}) {
            byte[] disk = RunConfigDisk.contents(new GuestOverrides(null, null, List.of("V=" + "x".repeat(n)), null, null),
                    List.of());
            assertThat(disk.length % 512).isZero();
            assertThat(new String(disk, StandardCharsets.UTF_8)).startsWith("version=1\0env=V=");
            assertThat(disk[disk.length - 1]).isZero();
            assertThat(disk[disk.length - 2]).as("an empty record ends the list").isZero();
        }
    }

    /** A build step's config as StepRunner writes it, read back by kiln-init's step mode reader. */
    @Test
    void aStepConfigRoundTrips() throws IOException {
        StepCommand step = new StepCommand("echo 'a b' \"$HOME\"\nexit 3", List.of("A=1", "EQ=x=y", "Ü=ö"), "app:staff",
                "/w d", true);
        assertStep(step.config("0123456789abcdef", Duration.ofSeconds(90)), "nonce=0123456789abcdef",
                "command=echo 'a b' \"$HOME\"\nexit 3", "env=A=1", "env=EQ=x=y", "env=Ü=ö", "user=app:staff",
                "workdir=/w d", "dns=10.0.2.3", "timeout=90", "grace=5");
        assertStep(new StepCommand("true", null, null, null, false).config("n", Duration.ZERO),
                "nonce=n", "command=true", "timeout=0", "grace=5");
    }

    @Test
    void aStepConfigOfAnotherVersionOrWithoutNonceIsRefused() throws IOException {
        Path other = Files.write(tmp.resolve("v2.conf"), "version=2\0nonce=n\0command=true\0".getBytes(StandardCharsets.UTF_8));
        Path noNonce = Files.write(tmp.resolve("n.conf"), "version=1\0command=true\0".getBytes(StandardCharsets.UTF_8));
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(stepCommand(runner, other));
            assertThat(r.exitCode()).as(runner.toString()).isEqualTo(1);
            assertThat(r.stdout()).as(runner.toString()).startsWith("kiln-init: " + other
                    + ": not a step config this kiln-init understands");
            r = Tools.run(stepCommand(runner, noNonce));
            assertThat(r.exitCode()).as(runner.toString()).isEqualTo(1);
            assertThat(r.stdout()).as(runner.toString()).isEqualTo("kiln-init: " + noNonce
                    + ": a step config needs a nonce and a command\n");
        }
    }

    private void assertStep(byte[] config, String... expected) throws IOException {
        Path file = Files.write(tmp.resolve("step.conf"), config);
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(stepCommand(runner, file));
            assertThat(r.exitCode()).as(runner + ": " + r.output()).isZero();
            assertThat(r.stdout().split("\0", -1)).as(runner.toString()).containsExactly(append(expected, ""));
        }
    }

    private static List<String> stepCommand(List<String> runner, Path file) {
        List<String> cmd = new ArrayList<>(runner);
        cmd.addAll(List.of("step-config", file.toString()));
        return cmd;
    }

    private static GuestConfig plain() {
        return GuestConfig.builder().init(InitMode.KILN).build();
    }

    private static byte[] initConf(GuestConfig guest) throws IOException {
        var out = Entries.drain(GuestStage.apply(Entries.of(), IMAGE, guest, 0L));
        return out.get(GuestStage.INIT_CONFIG_PATH).content();
    }

    private void assertMerged(byte[] initConf, byte[] runConfig, String... expected) throws IOException {
        Path conf = Files.write(tmp.resolve("init.conf"), initConf);
        Path run = runConfig == null ? null : Files.write(tmp.resolve("run.conf"), runConfig);
        for (List<String> runner : runners) {
            Tools.Result r = Tools.run(command(runner, conf, run));
            assertThat(r.exitCode()).as(runner + ": " + r.output()).isZero();
            assertThat(r.stdout().split("\0", -1)).as(runner.toString())
                    .containsExactly(append(expected, ""));
        }
    }

    private static List<String> command(List<String> runner, Path conf, Path run) {
        List<String> cmd = new ArrayList<>(runner);
        cmd.addAll(List.of("config", conf.toString()));
        if (run != null) {
            cmd.add(run.toString());
        }
        return cmd;
    }

    private static String[] append(String[] a, String last) {
        String[] out = java.util.Arrays.copyOf(a, a.length + 1);
        out[a.length] = last;
        return out;
    }
}
