package dev.kiln.cli;

import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.ParseResult;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The flags of spec keys as picocli options, built with picocli's programmatic API (no
 * reflection), their help grouped by {@link Section}, and what a parsed command line says.
 */
final class SpecOptions {
    private SpecOptions() {
    }

    /**
     * Adds an option for every flag of {@code keys} (and of the keys nested in them) to
     * {@code command}, and the positional parameter for a key that has one; with
     * {@code bySection}, the help lists the options under the headings of their sections.
     */
    static void addTo(CommandSpec command, List<SpecKey<?>> keys, boolean bySection) {
        Map<ArgSpec, Section> sections = new IdentityHashMap<>();
        for (SpecKey<?> key : keys) {
            add(command, key, sections);
        }
        if (bySection) {
            command.usageMessage().sectionMap().put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST,
                    help -> optionsBySection(help, sections));
        }
    }

    private static void add(CommandSpec command, SpecKey<?> key, Map<ArgSpec, Section> sections) {
        for (SpecKey.Flag flag : key.flags()) {
            String help = flag.help() + defaultText(key, flag);
            ArgSpec arg;
            if (flag.names().isEmpty()) {
                arg = PositionalParamSpec.builder().index("0").arity("0..1").paramLabel(flag.label())
                        .description(help).type(flag.kind().flagType()).build();
                command.addPositional((PositionalParamSpec) arg);
            } else {
                OptionSpec.Builder option = OptionSpec.builder(flag.names().toArray(String[]::new)).description(help);
                if (!flag.takesValue()) {
                    option.arity("0").type(boolean.class);
                } else {
                    Kind<?> kind = flag.kind();
                    option.arity("1").paramLabel(flag.label());
                    if (kind.repeatable()) {
                        option.type(List.class).auxiliaryTypes(kind.flagType());
                    } else {
                        option.type(kind.flagType());
                    }
                    if (!kind.choices().isEmpty()) {
                        option.completionCandidates(kind.choices());
                    }
                }
                arg = option.build();
                command.addOption((OptionSpec) arg);
            }
            sections.put(arg, key.section());
        }
        if (key.shape() == SpecKey.Shape.MAPPING) {
            for (SpecKey<?> child : key.children()) {
                add(command, child, sections);
            }
        }
    }

    private static String defaultText(SpecKey<?> key, SpecKey.Flag flag) {
        Object value = key.defaultValue();
        if (value == null || !flag.takesValue() || flag != key.flags().get(0)) {
            return "";
        }
        return " Default: " + (value instanceof Double d && d == Math.rint(d) ? Long.toString(d.longValue())
                : value) + ".";   // 25, not 25.0
    }

    /** The option list, one heading per section in the order of {@link Section}; options of no key are General. */
    private static String optionsBySection(CommandLine.Help help, Map<ArgSpec, Section> sections) {
        StringBuilder out = new StringBuilder();
        for (Section section : Section.values()) {
            List<OptionSpec> options = new ArrayList<>();
            for (OptionSpec o : help.commandSpec().options()) {
                if (!o.hidden() && sections.getOrDefault(o, Section.GENERAL) == section) {
                    options.add(o);
                }
            }
            if (!options.isEmpty()) {
                out.append(String.format("%n%s:%n", section.heading()));
                out.append(help.optionListExcludingGroups(options, help.createDefaultLayout(), null,
                        help.parameterLabelRenderer()));
            }
        }
        return out.toString();
    }

    /** What the flags on {@code parsed} say about {@code keys}; keys whose flags were not given are absent. */
    static SpecMap read(ParseResult parsed, List<SpecKey<?>> keys) {
        Path base = Path.of("").toAbsolutePath();
        SpecKey.FlagValues given = new SpecKey.FlagValues() {
            @Override
            public List<String> texts(SpecKey.Flag flag) {
                if (flag.names().isEmpty()) {
                    return parsed.hasMatchedPositional(0) ? parsed.matchedPositional(0).stringValues() : null;
                }
                OptionSpec o = parsed.matchedOption(flag.names().get(0));
                return o == null ? null : flag.takesValue() ? o.stringValues() : List.of();
            }

            @Override
            public Path base() {
                return base;
            }
        };
        SpecMap flags = new SpecMap(null, keys, new Origin.OnCommandLine(parsed.commandSpec().qualifiedName(),
                List.of()));
        for (SpecKey<?> key : keys) {
            read(key, given, flags);
        }
        for (SpecKey<?> key : keys) {
            check(key, flags);
        }
        return flags;
    }

    private static void read(SpecKey<?> key, SpecKey.FlagValues given, SpecMap into) {
        key.readFlags(given, into);
        if (key.shape() == SpecKey.Shape.MAPPING) {
            for (SpecKey<?> child : key.children()) {
                read(child, given, into);
            }
        }
    }

    /** Checks the mappings the flags made, as the spec file reader checks those it reads. */
    @SuppressWarnings("unchecked")
    private static void check(SpecKey<?> key, SpecMap flags) {
        List<SpecMap> mappings = switch (key.shape()) {
            case VALUE -> List.of();
            case MAPPING -> flags.has(key) ? List.of((SpecMap) flags.get(key)) : List.of();
            case ITEMS -> flags.has(key) ? (List<SpecMap>) flags.get(key) : List.of();
        };
        for (SpecMap m : mappings) {
            try {
                key.checkMappingValue(m);
            } catch (SpecProblem p) {
                throw m.origin().error(p);
            }
        }
    }
}
