package dev.kiln.run;

import dev.kiln.KilnException;
import dev.kiln.testing.Tools;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** How StepRunner reads a finished boot and when it stops waiting, without booting anything. */
class StepRunnerTest {
    private static final String NONCE = "00112233445566ff";
    private static final long SECOND = 1_000_000_000L;

    @TempDir
    Path tmp;

    private final List<String> shown = new ArrayList<>();
    private final StepConsole console = new StepConsole(NONCE, "[step 4] ", shown::add, 20);

    private void report(long at, String... what) {
        for (String w : what) {
            console.line(w.startsWith("|") || w.startsWith("[") ? w : "kiln-step " + NONCE + " " + w, at);
        }
    }

    private StepResult outcome(StepConsole.Phase overdue, Path disk, int qemuExit, String stderr) throws IOException {
        return StepRunner.outcome(console, overdue, disk, "step 4", 0, 10 * SECOND, qemuExit, stderr);
    }

    private Path cleanDisk() {
        Tools.assumeTools("mkfs.ext4");
        Path img = tmp.resolve("clean.ext4");
        Tools.check("mkfs.ext4", "-q", "-F", img.toString(), "8M");
        return img;
    }

    @Test
    void exitThenCleanIsAResultWithItsTimes() throws IOException {
        report(2 * SECOND, "start", "|out");
        report(5 * SECOND, "exit 7", "clean");
        StepResult r = outcome(null, cleanDisk(), 0, "");
        assertThat(r).isEqualTo(new StepResult(StepResult.Outcome.EXITED, 7, Duration.ofSeconds(2), Duration.ofSeconds(3),
                Duration.ofSeconds(10), List.of("out")));
        assertThat(shown).containsExactly("[step 4] out");
    }

    @Test
    void aTimeoutTheGuestHandledIsATimedOutResult() throws IOException {
        report(SECOND, "start");
        report(4 * SECOND, "timeout 3", "clean");
        StepResult r = outcome(null, cleanDisk(), 0, "");
        assertThat(r.outcome()).isEqualTo(StepResult.Outcome.TIMED_OUT);
        assertThat(r.exitStatus()).isEqualTo(-1);
        assertThat(r.step()).isEqualTo(Duration.ofSeconds(3));
    }

    /** The guest did not stop the step: QEMU was killed, which is still a timeout (the disk is not used). */
    @Test
    void aStepTheHostHadToKillIsTimedOut() throws IOException {
        report(SECOND, "start", "|still going");
        StepResult r = outcome(StepConsole.Phase.RUNNING, tmp.resolve("never-read"), 143, "qemu-system-x86_64: terminating on signal 15");
        assertThat(r.outcome()).isEqualTo(StepResult.Outcome.TIMED_OUT);
        assertThat(r.step()).isEqualTo(Duration.ofSeconds(9));
        assertThat(r.lastLines()).containsExactly("still going");
    }

    @Test
    void whatIsNotAResultIsOneLine() {
        assertError(null, 0, "", "step 4: the VM ended before kiln-init reported the step");
        report(SECOND, "[    0.5] VFS: Unable to mount root fs", "[    0.6] Kernel panic - not syncing: VFS: Unable to mount root fs");
        assertError(null, 0, "", "step 4: the guest kernel panicked: Kernel panic - not syncing: VFS: Unable to mount root fs");
    }

    @Test
    void aHungBootNamesWhatTheConsoleSaidLast() {
        report(SECOND, "[    3.1] random: crng init done");
        assertError(StepConsole.Phase.BOOTING, 143, "", "step 4: the VM did not start the step within 300 s "
                + "(last console line: [    3.1] random: crng init done)");
    }

    @Test
    void qemuFailingIsQemusMessage() {
        assertError(null, 1, "qemu-system-x86_64: -m lots: Parameter 'size' expects a non-negative number below 2^64\n",
                "step 4: qemu exited with status 1: qemu-system-x86_64: -m lots: Parameter 'size' expects a non-negative "
                        + "number below 2^64");
    }

    @Test
    void kilnInitsErrorIsTheMessageEvenWithACleanDisk() {
        report(SECOND, "error user nobody2: not found in /etc/passwd", "clean");
        assertError(null, 0, "", "step 4: user nobody2: not found in /etc/passwd");
    }

    @Test
    void anUncleanDiskOrAStopThatHangsIsAnError() {
        report(SECOND, "start", "exit 0");
        assertError(StepConsole.Phase.STOPPING, 143, "", "step 4: the VM did not stop and unmount the scratch disk within "
                + "300 s after the step ended");
        report(2 * SECOND, "unclean remount / read-only: Device or resource busy");
        assertError(null, 0, "", "step 4: the scratch disk was not left clean: remount / read-only: Device or resource busy");
    }

    @Test
    void aCleanReportTheSuperblockContradictsIsAnError() throws IOException {
        Path zeros = java.nio.file.Files.write(tmp.resolve("zeros"), new byte[8192]);
        report(SECOND, "start", "exit 0", "clean");
        assertError(null, 0, "", zeros, "step 4: " + zeros + ": the guest reported the disk clean, but no ext4 superblock");
    }

    @Test
    void anExt4ErrorDuringTheStepIsAnError() {
        report(SECOND, "start", "[   5.0] EXT4-fs error (device vda): ext4_lookup:1785: inode #2: comm sh: bad inode", "exit 0",
                "clean");
        assertError(null, 0, "", cleanDisk(), "step 4: the kernel reported an error in the scratch disk's filesystem: "
                + "EXT4-fs error (device vda): ext4_lookup:1785: inode #2: comm sh: bad inode");
    }

    @Test
    void theHostWaitsPerPhase() {
        Duration limit = Duration.ofSeconds(60);
        assertThat(StepRunner.deadline(StepConsole.Phase.BOOTING, console, 5, limit)).isEqualTo(5 + 300 * SECOND);
        report(7 * SECOND, "start");
        assertThat(StepRunner.deadline(StepConsole.Phase.RUNNING, console, 5, limit)).isEqualTo(97 * SECOND);
        assertThat(StepRunner.deadline(StepConsole.Phase.RUNNING, console, 5, Duration.ZERO)).isEqualTo(Long.MAX_VALUE);
        report(8 * SECOND, "exit 0");
        assertThat(StepRunner.deadline(StepConsole.Phase.STOPPING, console, 5, limit)).isEqualTo(308 * SECOND);
        report(9 * SECOND, "clean");
        assertThat(StepRunner.deadline(StepConsole.Phase.DONE, console, 5, limit)).isEqualTo(39 * SECOND);
    }

    private void assertError(StepConsole.Phase overdue, int qemuExit, String stderr, String message) {
        assertError(overdue, qemuExit, stderr, tmp.resolve("unused"), message);
    }

    private void assertError(StepConsole.Phase overdue, int qemuExit, String stderr, Path disk, String message) {
        assertThatThrownBy(() -> outcome(overdue, disk, qemuExit, stderr)).isInstanceOf(KilnException.class)
                .hasMessage(message);
    }
}
