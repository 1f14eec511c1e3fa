package dev.kiln.cli;

import dev.kiln.KilnException;
import dev.kiln.build.BuildOptions;
import dev.kiln.build.BuildRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The library's {@link BuildOptions.Builder} says what the CLI's flags say: the same options
 * given both ways make the same request of the pipeline, so a Java caller gets kiln build's
 * behaviour, and the CLI (a user of the same builder) cannot drift from it.
 */
class LibraryOptionsTest {
    @TempDir
    Path dir;

    private BuildRequest fromFlags(String... flags) throws IOException {
        return BuildKeysTest.resolve(List.of(flags)).toOptions(1234, null).build().request();
    }

    @Test
    void everyGroupOfOptionsMakesTheSameRequestAsTheFlags() throws IOException {
        Path agent = Files.writeString(dir.resolve("agent"), "#!/bin/sh\n");
        Path motd = Files.writeString(dir.resolve("motd"), "hi\n");
        Path ca = Files.writeString(dir.resolve("ca.pem"), "");
        BuildRequest flags = fromFlags("tar:" + dir.resolve("r.tar"), "--platform", "linux/arm64",
                "--creds", "u:p", "--insecure-registry", "localhost:5000", "--ca-cert", ca.toString(),
                "--cache-dir", dir.resolve("cache").toString(),
                "-o", dir.resolve("r.ext4").toString(), "--format", "qcow2", "--format", "tar=" + dir.resolve("t.tar.zst"),
                "--strict", "--size", "256M", "--headroom", "10", "--inodes", "5000", "--label", "lib",
                "--no-journal", "--init", "kiln", "--agent", agent + ":/opt/agent", "--agent-arg", "-v",
                "--file", motd + ":/etc/motd", "--env", "A=1", "--hostname", "box", "--dns", "10.0.0.1",
                "--cmd", "/bin/app", "--user", "1000", "--workdir", "/srv",
                "--run", "apk add curl", "--build-cpus", "2", "--build-mem", "512M", "--step-timeout", "90s",
                "--step-network", "none", "--no-cache");

        BuildRequest library = BuildOptions.builder("tar:" + dir.resolve("r.tar")).platform("linux/arm64")
                .credentials("u:p").insecureRegistry("localhost:5000").caCertificate(ca)
                .cacheDirectory(dir.resolve("cache"))
                .output(dir.resolve("r.ext4")).output("qcow2", dir.resolve("r.qcow2"), null)
                .output("tar", dir.resolve("t.tar.zst"), null)
                .strict(true).sizeBytes(256L << 20).headroomPercent(10).inodes(5000).label("lib").journal(false)
                .init("kiln").agent(agent, "/opt/agent").agentArgs(List.of("-v")).file(motd, "/etc/motd")
                .env(List.of("A=1")).hostname("box").dns(List.of("10.0.0.1")).cmd(List.of("/bin/app")).user("1000")
                .workdir("/srv")
                .run("apk add curl").buildCpus(2).buildMemoryBytes(512L << 20).stepTimeout(Duration.ofSeconds(90))
                .stepNetwork(false).stepCache(false)
                .sourceDateEpoch(1234)
                .build().request();

        assertThat(library.source()).isEqualTo(flags.source());
        assertThat(library.sourceOptions()).isEqualTo(flags.sourceOptions());
        assertThat(library.plan()).isEqualTo(flags.plan());
        assertThat(library.ext4()).isEqualTo(flags.ext4());
        assertThat(library.guest()).isEqualTo(flags.guest());
        assertThat(library.steps()).isEqualTo(flags.steps());
        assertThat(library.timestamp()).isEqualTo(flags.timestamp());
        assertThat(library).isEqualTo(flags);
    }

    @Test
    void theDefaultsAreTheCliDefaults() throws IOException {
        String source = "tar:" + dir.resolve("x.tar");
        BuildRequest flags = fromFlags(source, "-o", dir.resolve("r.ext4").toString());
        BuildRequest library = BuildOptions.builder(source).output(dir.resolve("r.ext4")).sourceDateEpoch(1234)
                .build().request();
        assertThat(library).isEqualTo(flags);
    }

    @Test
    void whatTheCliRefusesTheLibraryRefusesToo() {
        Path out = dir.resolve("r.ext4");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").output(out).bare(true).run("true").build())
                .isInstanceOf(KilnException.class)
                .hasMessage("bare: a bare build is the source's tree exactly, and build steps change it");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").output(out).bare(true).hostname("h").build())
                .isInstanceOf(KilnException.class).hasMessageEndingWith("cannot have a hostname");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").output(dir.resolve("r.cpio.gz")).bare(true)
                .build()).hasMessageEndingWith("an initramfs adds /init");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").build()).hasMessage("build: no output; give one");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").init("systemd"))
                .hasMessage("init systemd: expected auto, kiln or none");
        assertThatThrownBy(() -> BuildOptions.builder("tar:x.tar").output("tar", out, "lzma"))
                .isInstanceOf(KilnException.class).hasMessageContaining("lzma");
    }
}
