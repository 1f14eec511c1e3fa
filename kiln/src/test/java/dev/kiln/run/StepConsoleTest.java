package dev.kiln.run;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

class StepConsoleTest {
    private static final String NONCE = "0123456789abcdef";
    private final List<String> shown = new ArrayList<>();
    private final StepConsole console = new StepConsole(NONCE, "[step 2] ", shown::add, 5);
    private long clock = 1000;

    private void feed(String... lines) {
        for (String l : lines) {
            console.line(l, clock++);
        }
    }

    @Test
    void aStepFromStartToClean() {
        feed("[    0.5] some kernel line", "kiln-step " + NONCE + " start\r");
        assertThat(console.phase()).isEqualTo(StepConsole.Phase.RUNNING);
        feed("|hello\r", "|", "kiln-step " + NONCE + " exit 3\r");
        assertThat(console.phase()).isEqualTo(StepConsole.Phase.STOPPING);
        feed("kiln-step " + NONCE + " clean\r", "[    1.2] reboot: Restarting system");

        assertThat(console.phase()).isEqualTo(StepConsole.Phase.DONE);
        assertThat(console.status()).isEqualTo(3);
        assertThat(console.clean()).isTrue();
        assertThat(shown).containsExactly("[step 2] hello", "[step 2] ");
        assertThat(console.lastLines()).containsExactly("hello", "");
        assertThat(List.of(console.startedAt(), console.endedAt(), console.doneAt())).containsExactly(1001L, 1004L, 1005L);
        assertThat(console.lastOtherLine()).isEqualTo("[    1.2] reboot: Restarting system");
    }

    /** Only this boot's nonce makes a report: a step printing one (or an older build's log) is output. */
    @Test
    void reportsWithAnotherNonceAreTheStepsOutput() {
        feed("kiln-step " + NONCE + " start");
        feed("|kiln-step " + NONCE + " exit 0", "kiln-step fedcba9876543210 exit 0", "kiln-step " + NONCE + "x exit 0");
        assertThat(console.phase()).isEqualTo(StepConsole.Phase.RUNNING);
        assertThat(console.status()).isEqualTo(-1);
        assertThat(shown).hasSize(3);
    }

    @Test
    void theStepsOutputMentioningAPanicIsNoPanic() {
        feed("kiln-step " + NONCE + " start", "|Kernel panic - not syncing: in a log the step prints",
                "|EXT4-fs error (device vda): in a log too");
        assertThat(console.panic()).isNull();
        assertThat(console.fsError()).isNull();

        feed("[   9.9] Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b");
        assertThat(console.panic()).isEqualTo("Kernel panic - not syncing: Attempted to kill init! exitcode=0x0000000b");
        assertThat(shown).as("kernel lines during the step are shown with it").hasSize(3);
    }

    @Test
    void lastLinesAreBounded() {
        feed("kiln-step " + NONCE + " start");
        IntStream.rangeClosed(1, 12).forEach(i -> feed("|line " + i));
        assertThat(console.lastLines()).containsExactly("line 8", "line 9", "line 10", "line 11", "line 12");
        assertThat(shown).hasSize(12);
    }

    @Test
    void outputOutsideTheStepIsNotShown() {
        feed("|before", "kiln-step " + NONCE + " start", "kiln-step " + NONCE + " timeout 3", "|after");
        assertThat(shown).isEmpty();
        assertThat(console.timedOut()).isTrue();
        assertThat(console.status()).isEqualTo(-1);
    }

    @Test
    void errorsAndUncleanDisks() {
        feed("kiln-init: user nobody2: not found in /etc/passwd", "kiln-step " + NONCE + " error user nobody2: not found in /etc/passwd");
        assertThat(console.error()).isEqualTo("user nobody2: not found in /etc/passwd");
        assertThat(console.phase()).isEqualTo(StepConsole.Phase.STOPPING);
        feed("kiln-step " + NONCE + " unclean remount / read-only: Device or resource busy");
        assertThat(console.clean()).isFalse();
        assertThat(console.unclean()).isEqualTo("remount / read-only: Device or resource busy");
    }

    @Test
    void progressBarsShowTheirLastState() {
        assertThat(StepConsole.visible("10%\r50%\r100%\r")).isEqualTo("100%");
        assertThat(StepConsole.visible("plain")).isEqualTo("plain");
        assertThat(StepConsole.visible("\r")).isEmpty();
    }
}
