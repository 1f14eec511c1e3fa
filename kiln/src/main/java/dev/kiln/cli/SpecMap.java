package dev.kiln.cli;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The values of one mapping of the build spec (the top level, {@code agent:}, {@code kernel:},
 * or one item of {@code files:}), each with where it came from. A key that was not given is
 * absent; {@link #getOrDefault} supplies its default.
 */
final class SpecMap {
    private record Given(Object value, Origin origin) {
    }

    private final SpecKey<?> holder;
    private final List<SpecKey<?>> keys;
    private final Origin origin;
    private final Map<SpecKey<?>, Given> values = new LinkedHashMap<>();

    /**
     * @param holder the key whose value this mapping is; null at the top level
     * @param keys   the keys it may hold, in the order --print-spec writes them
     * @param origin where the mapping itself is (for problems with it as a whole)
     */
    SpecMap(SpecKey<?> holder, List<SpecKey<?>> keys, Origin origin) {
        this.holder = holder;
        this.keys = keys;
        this.origin = origin;
    }

    /** An empty mapping for the value of {@code holder} (or of one of its items). */
    static SpecMap of(SpecKey<?> holder, Origin origin) {
        return new SpecMap(holder, holder.children(), origin);
    }

    Origin origin() {
        return origin;
    }

    /** The value of {@code key} (of this mapping, or nested in one of its mappings), or null. */
    @SuppressWarnings("unchecked")
    <T> T get(SpecKey<T> key) {
        SpecMap owner = owner(key, null);
        Given g = owner == null ? null : owner.values.get(key);
        return g == null ? null : (T) g.value();
    }

    <T> T getOrDefault(SpecKey<T> key) {
        T value = get(key);
        return value != null ? value : key.defaultValue();
    }

    boolean has(SpecKey<?> key) {
        return get(key) != null;
    }

    /** Where the value of {@code key} came from; null when it was not given. */
    Origin origin(SpecKey<?> key) {
        SpecMap owner = owner(key, null);
        Given g = owner == null ? null : owner.values.get(key);
        return g == null ? null : g.origin();
    }

    /** Sets {@code key}, creating the mappings it is nested in. */
    <T> void put(SpecKey<T> key, T value, Origin from) {
        owner(key, from).values.put(key, new Given(value, from));
    }

    /** The mapping that holds {@code key}; created (with origin {@code create}) unless that is null. */
    private SpecMap owner(SpecKey<?> key, Origin create) {
        if (key.parent() == holder) {
            return this;
        }
        SpecKey<?> parent = key.parent();
        if (parent == null || parent.shape() != SpecKey.Shape.MAPPING) {
            throw new IllegalArgumentException(key + " is not a key of " + (holder == null ? "the spec" : holder));
        }
        SpecMap outer = owner(parent, create);
        if (outer == null) {
            return null;
        }
        Given g = outer.values.get(parent);
        if (g == null) {
            if (create == null) {
                return null;
            }
            g = new Given(of(parent, create), create);
            outer.values.put(parent, g);
        }
        return (SpecMap) g.value();
    }

    /**
     * Lets {@code flags} win: each key they set replaces this one's (a list as a whole); in a
     * mapping only the keys they set, together with the keys replaced along with them.
     */
    void overlay(SpecMap flags) {
        for (Map.Entry<SpecKey<?>, Given> e : flags.values.entrySet()) {
            SpecKey<?> key = e.getKey();
            Given mine = values.get(key);
            if (key.shape() == SpecKey.Shape.MAPPING && mine != null) {
                SpecMap inner = (SpecMap) mine.value();
                SpecMap given = (SpecMap) e.getValue().value();
                for (List<SpecKey<?>> together : key.replacedTogether()) {
                    if (together.stream().anyMatch(given::has)) {
                        together.forEach(inner.values::remove);
                    }
                }
                inner.overlay(given);
            } else {
                values.put(key, e.getValue());
            }
        }
    }

    /** The mapping as --print-spec writes it, keys in spec order; keys not in the spec file are left out. */
    Map<String, Object> toYaml() {
        Map<String, Object> out = new LinkedHashMap<>();
        for (SpecKey<?> key : keys) {
            Given g = values.get(key);
            if (key.name() == null || g == null || g.value() == null) {
                continue;
            }
            Object yaml = key.toYaml(g.value());
            if (!(yaml instanceof Map<?, ?> m && m.isEmpty())) {
                out.put(key.name(), yaml);
            }
        }
        return out;
    }

    /** Equal when the same keys have equal values, wherever those came from. */
    @Override
    public boolean equals(Object o) {
        return o instanceof SpecMap m && holder == m.holder && plain().equals(m.plain());
    }

    @Override
    public int hashCode() {
        return plain().hashCode();
    }

    private Map<SpecKey<?>, Object> plain() {
        Map<SpecKey<?>, Object> out = new HashMap<>();
        values.forEach((key, given) -> {
            if (given.value() != null) {
                out.put(key, given.value());
            }
        });
        return out;
    }

    @Override
    public String toString() {
        return toYaml().toString();
    }
}
