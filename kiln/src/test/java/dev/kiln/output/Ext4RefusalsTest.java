package dev.kiln.output;

import dev.kiln.KilnException;
import dev.kiln.LimitExceeded;
import dev.kiln.entry.Entry;
import dev.kiln.ext4.Ext4LimitException;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.ext4.Ext4Writer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The ext4 writer's refusals reach callers as KilnExceptions; its limits as {@link LimitExceeded}. */
class Ext4RefusalsTest {
    @TempDir
    Path dir;

    private static Entry file(String path, long uid) {
        return Entry.file(path.getBytes(StandardCharsets.UTF_8), 0644, uid, 0, 0, 1, new ByteArrayInputStream(new byte[1]));
    }

    private void accept(Entry e) throws Exception {
        try (FileChannel ch = FileChannel.open(dir.resolve("image.ext4"), StandardOpenOption.CREATE,
                StandardOpenOption.READ, StandardOpenOption.WRITE); Ext4Writer writer = new Ext4Writer(ch, Ext4Options.defaults())) {
            new Ext4Sink(writer).accept(e);
        }
    }

    @Test
    void aUidBeyondExt4IsALimitWithItsNumbers() {
        assertThatThrownBy(() -> accept(file("etc/x", 1L << 32))).isInstanceOfSatisfying(LimitExceeded.class, l -> {
            assertThat(l.value()).isEqualTo(1L << 32);
            assertThat(l.limit()).isEqualTo(0xFFFFFFFFL);
            assertThat(l).hasMessage("etc/x: uid 4294967296 is beyond ext4's limit of 4294967295")
                    .hasCauseInstanceOf(Ext4LimitException.class);
        });
    }

    @Test
    void aNameLongerThanExt4HoldsIsALimit() {
        String name = "n".repeat(256);
        assertThatThrownBy(() -> accept(file(name, 0))).isInstanceOfSatisfying(LimitExceeded.class, l -> {
            assertThat(l.value()).isEqualTo(256);
            assertThat(l.limit()).isEqualTo(255);
        });
    }

    @Test
    void otherRefusalsAreNoLimit() {
        assertThatThrownBy(() -> accept(file("a\0b", 0))).isInstanceOf(KilnException.class)
                .isNotInstanceOf(LimitExceeded.class)
                .hasMessageEndingWith(": NUL byte in name");
    }

    @Test
    void aWriteFailureNamesTheOutput() {
        java.io.IOException full = new java.io.IOException("No space left on device");
        assertThatThrownBy(() -> {
            throw WriteFailures.named("out.img", full);
        }).isInstanceOf(dev.kiln.PathFailure.class).hasMessage("out.img: no space left on device").hasCause(full);
        java.io.IOException other = new java.io.IOException("out.img: is a directory now");
        assertThat(WriteFailures.named("out.img", other)).isSameAs(other);
    }
}
