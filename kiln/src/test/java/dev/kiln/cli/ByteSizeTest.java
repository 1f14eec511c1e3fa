package dev.kiln.cli;

import dev.kiln.KilnException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ByteSizeTest {
    @ParameterizedTest
    @CsvSource({"1048576,1048576", "64K,65536", "512M,536870912", "512m,536870912", "2G,2147483648",
            "2GiB,2147483648", "1T,1099511627776", "100MB,104857600"})
    void parsesBinaryUnits(String text, long expected) {
        assertThat(ByteSize.parse("--size", text)).isEqualTo(expected);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "M", "-1M", "0", "1.5G", "12Q", "99999999999999999T"})
    void rejectsWhatIsNotASizeNamingTheOption(String text) {
        assertThatThrownBy(() -> ByteSize.parse("--size", text))
                .isInstanceOf(KilnException.class)
                .hasMessageStartingWith("--size " + text + ": not a size");
    }
}
