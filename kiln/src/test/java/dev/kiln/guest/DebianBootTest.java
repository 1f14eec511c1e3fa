package dev.kiln.guest;

import dev.kiln.run.VmResult;
import dev.kiln.testing.Debootstrap;
import dev.kiln.testing.Ext4Image;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Real boots of a debootstrapped Debian under QEMU (TCG): an agent and a script, and systemd kept. */
@Tag("slow")
class DebianBootTest {
    /** Prints a marker every second; with "--stop-after N" it reboots the machine after N markers. */
    private static final String AGENT = """
            #!/bin/sh
            echo $$ > /run/agent.pid
            n=0
            while :; do
                n=$((n+1))
                echo "agent-marker pid=$$ n=$n arg=$1 token=$TOKEN host=$(hostname)"
                if [ "$1" = "--stop-after" ] && [ "$n" -ge "$2" ]; then
                    echo "agent: resolv=$(tr '\\n' ' ' < /etc/resolv.conf)"
                    echo "agent: hosts=$(grep -v '^ff02' /etc/hosts | tr '\\t\\n' '  ')"
                    echo "agent: pid1=$(cat /proc/1/comm)"
                    systemctl reboot
                    sleep 60
                fi
                sleep 1
            done
            """;

    /** The main program: kills the agent once and waits to see kiln-init restart it. */
    private static final String MAIN = """
            #!/bin/sh
            i=0
            while [ ! -s /run/agent.pid ]; do sleep 0.2; i=$((i+1)); [ $i -gt 300 ] && exit 90; done
            sleep 4
            first=$(cat /run/agent.pid)
            echo "main: killing agent $first"
            kill "$first"
            i=0
            while :; do
                p=$(cat /run/agent.pid 2>/dev/null)
                [ -n "$p" ] && [ "$p" != "$first" ] && break
                sleep 0.2; i=$((i+1)); [ $i -gt 300 ] && exit 91
            done
            echo "main: agent restarted as $p"
            sleep 4
            exit 0
            """;

    private static final String SCRIPT = """
            #!/bin/sh
            echo "script ran as uid $(id -u) in $(pwd), agent installed: $(ls /usr/local/bin/kiln-agent)"
            exit 5
            """;

    @TempDir
    static Path tmp;
    static Path kernel;
    static Path debian;
    static Path agent;

    @BeforeAll
    static void setUp() throws IOException {
        kernel = BootSupport.kernel();
        debian = Debootstrap.bookwormSystemd();
        agent = Files.writeString(tmp.resolve("agent.sh"), AGENT);
    }

    @Test
    void agentIsRestartedAndScriptRunsBeforeTheMainProgram() throws IOException {
        Path main = Files.writeString(tmp.resolve("main.sh"), MAIN);
        Path script = Files.writeString(tmp.resolve("script.sh"), SCRIPT);
        Path image = tmp.resolve("agent.ext4");
        // the real pipeline: dir: source, GuestStage, the ext4 writer. The tree has systemd, but an
        // Entrypoint that is not an init makes --init auto pick kiln-init, which replaces the
        // /sbin/init symlink and lands in usr/sbin because sbin -> usr/sbin
        assertThat(dev.kiln.cli.Main.run("build", "dir:" + debian, "-o", image.toString(), "-q",
                "--agent", agent.toString(), "--agent-arg", "--serve", "--agent-env", "TOKEN=s3cret",
                "--script", script.toString(), "--file", main + ":/usr/local/bin/main.sh:755",
                "--entrypoint", "/usr/local/bin/main.sh")).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /usr/sbin/init")).contains("Type: regular");

        BootSupport.Boot boot = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(180)));

        assertThat(boot.result().outcome()).isEqualTo(VmResult.Outcome.EXITED);
        assertThat(boot.result().status()).isZero();
        List<String> lines = boot.lines();
        assertThat(lines).containsSubsequence(
                "kiln-init: running script /etc/kiln/script",
                "[script] script ran as uid 0 in /, agent installed: /usr/local/bin/kiln-agent",
                "kiln-init: script /etc/kiln/script exited with status 5");
        String killed = lines.stream().filter(l -> l.startsWith("main: killing agent ")).findFirst().orElseThrow();
        String firstPid = killed.substring("main: killing agent ".length());
        String restarted = lines.stream().filter(l -> l.startsWith("main: agent restarted as ")).findFirst().orElseThrow();
        String secondPid = restarted.substring("main: agent restarted as ".length());
        assertThat(lines).containsSubsequence(
                "agent-marker pid=" + firstPid + " n=1 arg=--serve token=s3cret host=" + hostname(lines),
                killed,
                "kiln-init: agent exited with status 143, restarting in 1000 ms",
                "kiln-init: agent /usr/local/bin/kiln-agent started (pid " + secondPid + ")",
                restarted,
                "kiln-init: exit status 0");
        // the restarted agent's first line and the main program's line race each other
        assertThat(lines).contains("agent-marker pid=" + secondPid + " n=1 arg=--serve token=s3cret host=" + hostname(lines));
        assertThat(lines.stream().filter(l -> l.startsWith("agent-marker pid=" + firstPid + " n=")).count())
                .isGreaterThanOrEqualTo(2);
        System.out.println("[timing] debian+agent: QEMU start to first agent marker " + boot.timeTo("agent-marker")
                + " ms, to QEMU exit " + boot.result().elapsed().toMillis() + " ms");
        Ext4Image.assertClean(image);
    }

    private static String hostname(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("agent-marker ")).findFirst().orElseThrow()
                .replaceAll(".* host=", "");
    }

    @Test
    void systemdIsKeptAndRunsTheAgentAsAUnit() throws IOException {
        Path image = tmp.resolve("systemd.ext4");
        assertThat(dev.kiln.cli.Main.run("build", "dir:" + debian, "-o", image.toString(), "-q", "--init", "auto",
                "--agent", agent + ":/opt/agent/agent", "--agent-arg", "--stop-after", "--agent-arg", "2",
                "--agent-env", "TOKEN=unit", "--hostname", "kiln-systemd", "--dns", "192.0.2.53",
                "--dns", "2001:db8::53")).isZero();
        Ext4Image.assertClean(image);
        assertThat(Ext4Image.debugfs(image, "stat /usr/sbin/init")).contains("Type: symlink");
        assertThat(Ext4Image.debugfs(image, "cat /etc/systemd/system/kiln-agent.service"))
                .contains("ExecStart=/usr/lib/kiln/kiln-init agent");

        BootSupport.Boot boot = BootSupport.boot(BootSupport.tcg(image, kernel, Duration.ofSeconds(240))
                .withAppend("quiet systemd.show_status=1"));

        // systemd reboots the machine at the agent's request; QEMU exits with no kiln-init status
        assertThat(boot.result().outcome()).isEqualTo(VmResult.Outcome.STOPPED);
        assertThat(boot.lines()).anyMatch(l -> l.contains("Started") && l.contains("kiln-agent.service"));
        // the journal copies the agent's output to the console as "[ time] kiln-agent[pid]: text"
        List<String> agentLines = boot.lines().stream().filter(l -> l.matches("^\\[[ 0-9.]+\\] kiln-agent\\[\\d+\\]: .*"))
                .map(l -> l.replaceFirst("^\\[[ 0-9.]+\\] kiln-agent\\[\\d+\\]: ", "")).toList();
        assertThat(agentLines).contains(
                "agent-marker pid=" + pidOfFirstMarker(agentLines) + " n=1 arg=--stop-after token=unit host=kiln-systemd",
                "agent: resolv=nameserver 192.0.2.53 nameserver 2001:db8::53",
                "agent: pid1=systemd");
        assertThat(agentLines).anyMatch(l -> l.startsWith("agent: hosts=") && l.contains("127.0.0.1 localhost")
                && l.contains("127.0.1.1 kiln-systemd") && l.contains("::1 localhost"));
        System.out.println("[timing] debian+systemd: QEMU start to first agent marker " + boot.timeTo("agent-marker")
                + " ms, to QEMU exit " + boot.result().elapsed().toMillis() + " ms");
    }

    private static String pidOfFirstMarker(List<String> lines) {
        return lines.stream().filter(l -> l.startsWith("agent-marker pid=")).findFirst().orElseThrow()
                .replaceAll("agent-marker pid=(\\d+) .*", "$1");
    }
}
