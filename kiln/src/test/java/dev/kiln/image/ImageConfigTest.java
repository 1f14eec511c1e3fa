package dev.kiln.image;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ImageConfigTest {
    private static final ImageConfig IMAGE = new ImageConfig(null, null,
            List.of("PATH=/bin", "A=1", "AB=2", "BARE"), null, null, null, null);

    @Test
    void aChangeReplacesTheVariableOfItsNameInPlaceOfNoneOther() {
        assertThat(IMAGE.envWith(List.of("A=new", "C=3")))
                .as("A replaced (moved to the end), AB untouched, C added")
                .containsExactly("PATH=/bin", "AB=2", "BARE", "A=new", "C=3");
        assertThat(IMAGE.envWith(List.of("BARE=set"))).as("a name without a value is replaced too")
                .containsExactly("PATH=/bin", "A=1", "AB=2", "BARE=set");
        assertThat(IMAGE.envWith(List.of())).isEqualTo(IMAGE.env());
    }
}
