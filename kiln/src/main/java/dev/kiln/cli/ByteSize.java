package dev.kiln.cli;

import dev.kiln.KilnException;

import java.util.Locale;

/** Parses sizes the way users write them: 512M, 2G, 1048576, 64K (binary units). */
final class ByteSize {
    static final String NOT_A_SIZE = "not a size (examples: 512M, 2G, 1048576)";

    private ByteSize() {
    }

    static long parse(String option, String text) {
        try {
            return bytes(text);
        } catch (NumberFormatException e) {
            throw new KilnException(option + " " + text + ": " + NOT_A_SIZE);
        }
    }

    /** The size {@code text} means; NumberFormatException when it is none. */
    static long bytes(String text) {
        String s = text.trim().toUpperCase(Locale.ROOT);
        if (s.endsWith("IB")) {
            s = s.substring(0, s.length() - 2);
        } else if (s.endsWith("B") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) {
            s = s.substring(0, s.length() - 1);
        }
        int shift = 0;
        if (!s.isEmpty()) {
            switch (s.charAt(s.length() - 1)) {
                case 'K' -> shift = 10;
                case 'M' -> shift = 20;
                case 'G' -> shift = 30;
                case 'T' -> shift = 40;
                default -> shift = 0;
            }
        }
        String digits = shift == 0 ? s : s.substring(0, s.length() - 1);
        long value = Long.parseLong(digits);
        if (value <= 0 || value > (Long.MAX_VALUE >> shift)) {
            throw new NumberFormatException();
        }
        return value << shift;
    }
}
