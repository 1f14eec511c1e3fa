package dev.kiln.guest;

import dev.kiln.KilnException;
import dev.kiln.entry.EntryType;
import dev.kiln.guest.GuestConfig.FileSpec;
import dev.kiln.guest.GuestConfig.InitMode;
import dev.kiln.image.ImageConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.kiln.guest.Entries.dir;
import static dev.kiln.guest.Entries.file;
import static dev.kiln.guest.Entries.link;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GuestStageTest {
    private static final ImageConfig APP = new ImageConfig(List.of("/app"), List.of("--serve"),
            List.of("PATH=/bin", "A=1"), "/srv", "app", List.of("80/tcp"), Map.of("k", "v"));

    private static GuestConfig guest() {
        return GuestConfig.defaults();
    }

    private static Map<String, Entries.Out> run(ImageConfig config, GuestConfig guest, dev.kiln.entry.Entry... image)
            throws Exception {
        return Entries.drain(GuestStage.apply(Entries.of(image), config, guest, 1700000000L));
    }

    /** The init.conf records as "key=value" strings. */
    private static List<String> initConf(Map<String, Entries.Out> out) {
        return List.of(out.get("etc/kiln/init.conf").text().split("\0"));
    }

    @Test
    void passesImageEntriesThroughAndInstallsKilnInitIntoMergedUsr() throws Exception {
        var out = run(APP, guest(), dir("usr"), dir("usr/sbin"), link("sbin", "usr/sbin"), dir("etc"),
                file("etc/passwd", "root:x:0:0::/root:/bin/sh\n"));
        assertThat(out.get("etc/passwd").text()).startsWith("root:");
        // the writer does not follow symlinks, so /sbin/init is written where sbin points
        assertThat(out).containsKey("usr/sbin/init").doesNotContainKey("sbin/init");
        assertThat(out.get("usr/sbin/init").entry().mode()).isEqualTo(0755);
        assertThat(out.get("usr/sbin/init").content()).startsWith(0x7f, 'E', 'L', 'F');
        assertThat(out.get("sbin").entry().type()).isEqualTo(EntryType.SYMLINK);
        assertThat(out.get("tmp").entry().mode()).isEqualTo(01777);
        assertThat(out.keySet()).contains("proc", "sys", "dev", "run", "etc/kiln");
        // image entries come first, Kiln's after them
        assertThat(List.copyOf(out.keySet()).indexOf("etc/passwd"))
                .isLessThan(List.copyOf(out.keySet()).indexOf("etc/kiln/init.conf"));
        out.values().stream().filter(o -> !o.entry().pathString().startsWith("usr") && !o.entry().pathString().equals("sbin")
                        && !o.entry().pathString().equals("etc") && !o.entry().pathString().equals("etc/passwd"))
                .forEach(o -> assertThat(o.entry().mtimeSeconds()).as(o.entry().pathString()).isEqualTo(1700000000L));
    }

    @Test
    void writesEffectiveConfigWithOverrides() throws Exception {
        GuestConfig g = GuestConfig.builder()
                .init(InitMode.KILN)
                .env(List.of("A=2", "B=x=y"))
                .cmd(List.of("--debug", "two words"))
                .user("1000:1000")
                .workdir("/work")
                .build();
        var out = run(APP, g);
        assertThat(initConf(out)).containsExactly("entrypoint=/app", "cmd=--debug", "cmd=two words",
                "env=PATH=/bin", "env=A=2", "env=B=x=y", "workdir=/work", "user=1000:1000");
        assertThat(out.get("etc/kiln/image.json").text())
                .contains("\"cmd\" : [ \"--debug\", \"two words\" ]", "\"workingDir\" : \"/work\"",
                        "\"user\" : \"1000:1000\"", "\"exposedPorts\" : [ \"80/tcp\" ]");
    }

    @Test
    void newEntrypointDropsTheImageCmd() throws Exception {
        GuestConfig g = GuestConfig.builder().init(InitMode.KILN).entrypoint(List.of("/bin/sh", "-c")).build();
        assertThat(initConf(run(APP, g))).startsWith("entrypoint=/bin/sh", "entrypoint=-c", "env=PATH=/bin");
    }

    @Test
    void systemFilesAgentScriptAndFiles(@TempDir Path tmp) throws Exception {
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        Path script = Files.writeString(tmp.resolve("script"), "#!/bin/sh\n");
        Path extra = Files.writeString(tmp.resolve("extra"), "data");
        GuestConfig g = GuestConfig.builder()
                .init(InitMode.AUTO)
                .agent(agent, null)
                .agentArgs(List.of("-v"))
                .agentEnv(List.of("TOKEN=t"))
                .script(script)
                .hostname("vm1.example")
                .dns(List.of("10.0.2.3", "2001:db8::1"))
                .file(new FileSpec(extra, "/opt/x/extra", 0600, 5L, 6L))
                .build();
        var out = run(APP, g, dir("etc"), link("etc/resolv.conf", "../run/systemd/resolve/stub-resolv.conf"));
        assertThat(out.get("usr/local/bin/kiln-agent").entry().mode()).isEqualTo(0755);
        assertThat(out.get("etc/kiln/script").entry().mode()).isEqualTo(0755);
        assertThat(out.get("opt/x/extra").text()).isEqualTo("data");
        assertThat(out.get("opt/x/extra").entry()).extracting(e -> e.mode(), e -> e.uid(), e -> e.gid())
                .containsExactly(0600, 5L, 6L);
        assertThat(out).containsKeys("opt", "opt/x", "usr/local/bin");
        assertThat(out.get("etc/hostname").text()).isEqualTo("vm1.example\n");
        assertThat(out.get("etc/hosts").text()).contains("127.0.0.1\tlocalhost\n", "127.0.1.1\tvm1.example vm1\n",
                "::1\tlocalhost");
        // the image's symlink is replaced by a file
        assertThat(out.get("etc/resolv.conf").entry().type()).isEqualTo(EntryType.FILE);
        assertThat(out.get("etc/resolv.conf").text()).isEqualTo("nameserver 10.0.2.3\nnameserver 2001:db8::1\n");
        assertThat(initConf(out)).contains("hostname=vm1.example", "agent=/usr/local/bin/kiln-agent",
                "agent_arg=-v", "agent_env=TOKEN=t", "script=/etc/kiln/script");
    }

    @Test
    void autoKeepsSystemdAndRegistersUnits(@TempDir Path tmp) throws Exception {
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        GuestConfig g = GuestConfig.builder().init(InitMode.AUTO).agent(agent, "/opt/agent").build();
        var out = run(ImageConfig.empty(), g, dir("usr"), dir("usr/lib"), dir("usr/lib/systemd"),
                file("usr/lib/systemd/systemd", "ELF"), link("lib", "usr/lib"), dir("usr/sbin"),
                link("sbin", "usr/sbin"), link("usr/sbin/init", "../lib/systemd/systemd"), dir("etc"));
        assertThat(out).doesNotContainKey("usr/sbin/init.kiln");
        assertThat(out.get("usr/sbin/init").entry().type()).isEqualTo(EntryType.SYMLINK);
        assertThat(out.get("etc/systemd/system/kiln-agent.service").text())
                .contains("ExecStart=/usr/lib/kiln/kiln-init agent", "Restart=always", "WantedBy=multi-user.target");
        assertThat(new String(out.get("etc/systemd/system/multi-user.target.wants/kiln-agent.service").entry().linkTarget()))
                .isEqualTo("/etc/systemd/system/kiln-agent.service");
        assertThat(out.get("usr/lib/kiln/kiln-init").content()).startsWith(0x7f, 'E', 'L', 'F');
        assertThat(out).doesNotContainKeys("tmp", "proc");
    }

    @Test
    void autoInstallsKilnInitWhenTheImageWantsItsOwnProgram() throws Exception {
        var out = run(APP, guest(), dir("usr"), dir("usr/lib"), dir("usr/lib/systemd"),
                file("usr/lib/systemd/systemd", "ELF"), dir("sbin"), link("sbin/init", "/usr/lib/systemd/systemd"));
        assertThat(out.get("sbin/init").entry().type()).isEqualTo(EntryType.FILE);
    }

    /** A composed machine's containers run only under kiln-init: auto does not keep the image's init then. */
    @Test
    void autoInstallsKilnInitForAComposedMachineAndWritesItsOnbootFailureRule() throws Exception {
        var plain = run(ImageConfig.empty(), guest(), dir("bin"), file("bin/busybox", "ELF"), dir("sbin"),
                link("sbin/init", "/bin/busybox"), dir("containers"), file("containers/notes", "not a machine"));
        assertThat(plain.get("sbin/init").entry().type()).as("no list directory: not a machine").isEqualTo(EntryType.SYMLINK);
        assertThat(initConf(plain)).doesNotContain("onboot_failure=poweroff");

        var machine = run(ImageConfig.empty(), GuestConfig.builder().poweroffOnOnbootFailure(true).build(),
                dir("bin"), file("bin/busybox", "ELF"), dir("sbin"), link("sbin/init", "/bin/busybox"),
                dir("containers"), dir("containers/services"), dir("containers/services/000-web"));
        assertThat(machine.get("sbin/init").entry().type()).isEqualTo(EntryType.FILE);
        assertThat(machine.get("sbin/init").content()).startsWith(0x7f, 'E', 'L', 'F');
        assertThat(initConf(machine)).containsExactly("onboot_failure=poweroff");
    }

    @Test
    void busyboxInittabIsExtended(@TempDir Path tmp) throws Exception {
        Path script = Files.writeString(tmp.resolve("s"), "#!/bin/sh\n");
        GuestConfig g = GuestConfig.builder().init(InitMode.AUTO).script(script).build();
        var out = run(new ImageConfig(null, List.of("/sbin/init"), null, null, null, null, null), g,
                dir("bin"), file("bin/busybox", "ELF"), dir("sbin"), link("sbin/init", "/bin/busybox"),
                dir("etc"), file("etc/inittab", "::sysinit:/etc/init.d/rcS"));
        assertThat(out.get("etc/inittab").text())
                .isEqualTo("::sysinit:/etc/init.d/rcS\n# added by kiln\n::sysinit:/usr/lib/kiln/kiln-init script\n");
    }

    @Test
    void openrcGetsServicesInTheDefaultRunlevel(@TempDir Path tmp) throws Exception {
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        GuestConfig g = GuestConfig.builder().init(InitMode.AUTO).agent(agent, null).build();
        var out = run(ImageConfig.empty(), g, dir("sbin"), file("sbin/openrc", "ELF"), link("sbin/init", "/bin/busybox"),
                dir("bin"), file("bin/busybox", "ELF"));
        assertThat(out.get("etc/init.d/kiln-agent").text()).startsWith("#!/sbin/openrc-run").contains("supervise-daemon");
        assertThat(out.get("etc/runlevels/default/kiln-agent").entry().type()).isEqualTo(EntryType.SYMLINK);
    }

    @Test
    void noneAddsNoInit() throws Exception {
        var out = run(APP, GuestConfig.none(), dir("sbin"));
        assertThat(out).containsKeys("etc/kiln/image.json", "etc/kiln/init.conf").doesNotContainKey("sbin/init");
    }

    @Test
    void theHelperBinaryFollowsTheImagePlatformAndIsOnlyNeededWhenInstalled(@TempDir Path tmp) throws Exception {
        Path agent = Files.writeString(tmp.resolve("agent"), "#!/bin/sh\n");
        GuestConfig withAgent = GuestConfig.builder().init(InitMode.AUTO).agent(agent, null).build();
        java.util.function.Supplier<dev.kiln.entry.EntryStream> systemd = () -> Entries.of(dir("lib"),
                dir("lib/systemd"), file("lib/systemd/systemd", "ELF"), dir("sbin"),
                link("sbin/init", "/lib/systemd/systemd"));
        var arm = Entries.drain(GuestStage.apply(systemd.get(), ImageConfig.empty(), withAgent, 0,
                "linux/arm64/v8"));
        assertThat(arm.get("usr/lib/kiln/kiln-init").content()[18]).as("e_machine aarch64").isEqualTo((byte) 0xB7);
        // the image keeps its own init and needs no helper: any architecture will do
        var s390x = Entries.drain(GuestStage.apply(systemd.get(), ImageConfig.empty(), GuestConfig.defaults(),
                0, "linux/s390x"));
        assertThat(s390x).doesNotContainKey("usr/lib/kiln/kiln-init");
        assertThatThrownBy(() -> Entries.drain(GuestStage.apply(systemd.get(), ImageConfig.empty(), withAgent,
                0, "linux/s390x"))).isInstanceOf(KilnException.class).hasMessageStartingWith("platform linux/s390x: ");
        // with --init kiln the binary is always needed: refused before the image is read
        assertThatThrownBy(() -> GuestStage.apply(null, APP, guest().withInit(InitMode.KILN), 0, "linux/riscv64"))
                .hasMessageStartingWith("platform linux/riscv64: Kiln has no kiln-init");
    }

    @Test
    void rejectsBadOptionsBeforeReadingTheImage(@TempDir Path tmp) {
        assertThatThrownBy(() -> GuestStage.apply(Entries.of(), APP, GuestConfig.builder()
                .agent(tmp.resolve("missing"), null)
                .build(), 0))
                .isInstanceOf(KilnException.class).hasMessageStartingWith(tmp.resolve("missing") + ": --agent");
        assertThatThrownBy(() -> GuestStage.apply(Entries.of(), APP, GuestConfig.builder()
                .dns(List.of("example.com"))
                .build(), 0))
                .hasMessageStartingWith("--dns example.com");
        assertThatThrownBy(() -> GuestStage.apply(Entries.of(), APP, GuestConfig.builder()
                .hostname("bad_name!")
                .build(), 0))
                .hasMessageStartingWith("--hostname bad_name!");
        assertThatThrownBy(() -> GuestStage.apply(Entries.of(), APP, GuestConfig.builder()
                .env(List.of("NOVALUE"))
                .build(), 0))
                .hasMessageStartingWith("--env NOVALUE");
    }

    @Test
    void fileOverAnImageDirectoryFails(@TempDir Path tmp) throws Exception {
        Path f = Files.writeString(tmp.resolve("f"), "x");
        GuestConfig g = GuestConfig.builder().init(InitMode.NONE).file(new FileSpec(f, "/etc", null, null, null)).build();
        assertThatThrownBy(() -> run(APP, g, dir("etc"))).isInstanceOf(KilnException.class)
                .hasMessage("/etc: is a directory in the image");
    }

    @Test
    void inlineContentsSymlinksAndDirectories() throws Exception {
        GuestConfig g = GuestConfig.builder()
                .init(InitMode.NONE)
                .file(new FileSpec(null, "/etc/motd", null, null, null, "hi\n".getBytes(), null, false))
                .file(new FileSpec(null, "/srv/data", 0700, 7L, 8L, null, null, true))
                .file(new FileSpec(null, "/usr/bin/tool", null, null, null, null, "/opt/tool", false))
                .build();
        var out = run(APP, g, dir("usr"), dir("usr/bin"));
        assertThat(out.get("etc/motd").text()).isEqualTo("hi\n");
        assertThat(out.get("etc/motd").entry().mode()).isEqualTo(0644);
        assertThat(out.get("srv/data").entry()).extracting(e -> e.type(), e -> e.mode(), e -> e.uid())
                .containsExactly(EntryType.DIRECTORY, 0700, 7L);
        assertThat(new String(out.get("usr/bin/tool").entry().linkTarget())).isEqualTo("/opt/tool");
        assertThatThrownBy(() -> new FileSpec(null, "/x", null, null, null)).isInstanceOf(KilnException.class)
                .hasMessageStartingWith("/x: give exactly one");
    }

    // ---- a Kiln image read back (ext4:) and built again with the same options ----

    /** The stream as (path, type, mode, content) in order, each entry as often as it comes. */
    private static List<String> sequence(List<dev.kiln.entry.Entry> entries) {
        return entries.stream().map(e -> e.pathString() + " " + e.type() + " " + Integer.toOctalString(e.mode())).toList();
    }

    /** Drains a stream into entries whose content can be read again. */
    private static List<dev.kiln.entry.Entry> collect(dev.kiln.entry.EntryStream s) throws Exception {
        List<dev.kiln.entry.Entry> out = new java.util.ArrayList<>();
        try (s) {
            for (dev.kiln.entry.Entry e = s.next(); e != null; e = s.next()) {
                byte[] c = e.type() == EntryType.FILE ? e.content().readAllBytes() : null;
                out.add(c == null ? e : e.withContent(c.length, new java.io.ByteArrayInputStream(c)));
            }
        }
        return out;
    }

    private static List<dev.kiln.entry.Entry> again(List<dev.kiln.entry.Entry> entries) throws Exception {
        List<dev.kiln.entry.Entry> copy = new java.util.ArrayList<>();
        for (dev.kiln.entry.Entry e : entries) {
            copy.add(e.type() == EntryType.FILE ? e.withContent(e.size(),
                    new java.io.ByteArrayInputStream(e.content().readAllBytes())) : e);
            if (e.type() == EntryType.FILE) {
                e.content().reset();
            }
        }
        return copy;
    }

    /**
     * What the guest stage would add and the tree already holds exactly (same bytes, mode, owner,
     * time, no xattrs) is left out: the tree's own entry stays in its place, so the writer gets the
     * same entries in the same order and writes the same image.
     */
    @Test
    void guestFilesTheTreeHoldsAlreadyAreNotAddedAgain() throws Exception {
        GuestConfig same = GuestConfig.builder().init(InitMode.KILN).hostname("box").dns(List.of("192.0.2.1"))
                .env(List.of("B=2")).file(new FileSpec(null, "/etc/motd", 0600, 5L, 6L, "hi\n".getBytes(), null, false))
                .build();
        List<dev.kiln.entry.Entry> first = collect(GuestStage.apply(Entries.of(dir("usr"), dir("usr/sbin"),
                link("sbin", "usr/sbin"), dir("etc"), file("etc/passwd", "root:x:0:0::/root:/bin/sh\n")), APP, same,
                1700000000L));
        assertThat(sequence(first)).contains("usr/sbin/init FILE 755", "etc/kiln/image.json FILE 644",
                "etc/hostname FILE 644", "etc/motd FILE 600");

        List<dev.kiln.entry.Entry> second = collect(GuestStage.apply(Entries.of(again(first).toArray(
                dev.kiln.entry.Entry[]::new)), APP, same, 1700000000L));
        assertThat(sequence(second)).isEqualTo(sequence(first));

        // other options: the files that differ are written again, after the tree, and win there
        GuestConfig other = GuestConfig.builder().init(InitMode.KILN).hostname("box").dns(List.of("192.0.2.1"))
                .env(List.of("B=3")).file(new FileSpec(null, "/etc/motd", 0600, 5L, 6L, "hi\n".getBytes(), null, false))
                .build();
        List<dev.kiln.entry.Entry> third = collect(GuestStage.apply(Entries.of(again(first).toArray(
                dev.kiln.entry.Entry[]::new)), APP, other, 1700000000L));
        List<String> added = sequence(third).subList(first.size(), third.size());
        assertThat(added).containsExactly("etc/kiln/image.json FILE 644", "etc/kiln/init.conf FILE 644");
        // and another time is another file
        List<dev.kiln.entry.Entry> fourth = collect(GuestStage.apply(Entries.of(again(first).toArray(
                dev.kiln.entry.Entry[]::new)), APP, same, 1700000001L));
        assertThat(fourth.size()).isGreaterThan(first.size());
    }

    /** A file the tree holds under two names is replaced, not kept: the other name keeps the old file. */
    @Test
    void aHardLinkedGuestFileIsWrittenAgain() throws Exception {
        GuestConfig guest = GuestConfig.builder().init(InitMode.NONE).build();
        List<dev.kiln.entry.Entry> first = collect(GuestStage.apply(Entries.of(dir("etc")), APP, guest, 5));
        List<dev.kiln.entry.Entry> linked = new java.util.ArrayList<>(again(first));
        linked.add(new dev.kiln.entry.Entry("etc/other".getBytes(), EntryType.HARDLINK, 0, 0, 0, 0, 0, null,
                "etc/kiln/init.conf".getBytes(), 0, 0, 0, null));
        List<dev.kiln.entry.Entry> second = collect(GuestStage.apply(Entries.of(linked.toArray(
                dev.kiln.entry.Entry[]::new)), APP, guest, 5));
        assertThat(sequence(second).subList(linked.size(), second.size())).containsExactly("etc/kiln/init.conf FILE 644");
    }
}
