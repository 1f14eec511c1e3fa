package dev.kiln.source.registry;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code WWW-Authenticate} challenge (RFC 7235): a scheme ("bearer", "basic", lower-cased)
 * and its auth-params ({@code realm}, {@code service}, {@code scope}, ...).
 */
record Challenge(String scheme, Map<String, String> params) {

    /** The first challenge with a scheme we speak (Bearer preferred over Basic), if any. */
    static Optional<Challenge> pick(List<String> headerValues) {
        Challenge basic = null;
        for (String value : headerValues) {
            for (Challenge c : parse(value)) {
                if (c.scheme.equals("bearer")) {
                    return Optional.of(c);
                }
                if (c.scheme.equals("basic") && basic == null) {
                    basic = c;
                }
            }
        }
        return Optional.ofNullable(basic);
    }

    /** Parses a header value, which may hold several challenges separated by commas. */
    static List<Challenge> parse(String header) {
        var out = new java.util.ArrayList<Challenge>();
        int i = 0;
        int n = header.length();
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (i < n) {
            while (i < n && (header.charAt(i) == ' ' || header.charAt(i) == ',' || header.charAt(i) == '\t')) {
                i++;
            }
            int start = i;
            while (i < n && header.charAt(i) != ' ' && header.charAt(i) != '=' && header.charAt(i) != ',') {
                i++;
            }
            if (start == i) {
                break;
            }
            String token = header.substring(start, i);
            int j = i;
            while (j < n && header.charAt(j) == ' ') {
                j++;
            }
            if (j < n && header.charAt(j) == '=' && scheme != null) {
                // auth-param: token = ( token / quoted-string )
                i = j + 1;
                while (i < n && header.charAt(i) == ' ') {
                    i++;
                }
                StringBuilder value = new StringBuilder();
                if (i < n && header.charAt(i) == '"') {
                    i++;
                    while (i < n && header.charAt(i) != '"') {
                        if (header.charAt(i) == '\\' && i + 1 < n) {
                            i++;
                        }
                        value.append(header.charAt(i++));
                    }
                    i++;
                } else {
                    while (i < n && header.charAt(i) != ',' && header.charAt(i) != ' ') {
                        value.append(header.charAt(i++));
                    }
                }
                params.put(token.toLowerCase(Locale.ROOT), value.toString());
            } else {
                // a new scheme starts
                if (scheme != null) {
                    out.add(new Challenge(scheme, params));
                    params = new LinkedHashMap<>();
                }
                scheme = token.toLowerCase(Locale.ROOT);
                i = j;
            }
        }
        if (scheme != null) {
            out.add(new Challenge(scheme, params));
        }
        return out;
    }
}
