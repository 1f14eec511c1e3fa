package dev.kiln.cli;

import dev.kiln.guest.ContainerConfig;
import dev.kiln.guest.ContainerSpec;
import dev.kiln.guest.MachineLayout;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

import static dev.kiln.cli.SpecKey.items;
import static dev.kiln.cli.SpecKey.value;

/**
 * The keys of one list of a composed machine's containers ({@code onboot:}, {@code services:}
 * or {@code onshutdown:}), LinuxKit's where they overlap. The three lists have the same keys,
 * declared here once; each list gets its own instances, since a key belongs to one list (its
 * path names it in messages: {@code services[1].binds}). Only onboot and onshutdown have
 * {@code timeout}: a service is restarted, not timed.
 */
final class ContainerKeys {
    /** The longest timeout kiln-init takes, in seconds (11.5 days). */
    static final long MAX_TIMEOUT = 1_000_000;

    final MachineLayout.Kind kind;
    final SpecKey<String> name = value("name", Kinds.TEXT).required()
            .check(MachineLayout::isName, MachineLayout.NAME_RULE);
    final SpecKey<String> image = value("image", Kinds.IMAGE).required();
    final SpecKey<List<String>> command = value("command", Kinds.ARGV)
            .check(c -> !c.isEmpty(), "empty; leave command out to run the image's Entrypoint and Cmd");
    final SpecKey<List<String>> binds = value("binds", Kinds.LIST.each(ContainerConfig.Bind::problem));
    final SpecKey<List<String>> env = value("env", Kinds.ENV);
    final SpecKey<String> user = value("user", Kinds.TEXT)
            .check(u -> !u.isBlank() && Kinds.hasNoNul(u), "expected USER[:GROUP], names or ids");
    final SpecKey<String> cwd = value("cwd", Kinds.TEXT)
            .check(c -> c.startsWith("/") && Kinds.hasNoNul(c), "must be an absolute path");
    final SpecKey<List<String>> capabilities = value("capabilities",
            Kinds.LIST.each(ContainerConfig::isCapability, ContainerConfig.CAPABILITY_RULE));
    final SpecKey<String> net = value("net", Kinds.choice("host", "none"));
    final SpecKey<Boolean> readonly = value("readonly", Kinds.BOOLEAN);
    /** Null for services. */
    final SpecKey<Long> timeout;
    final SpecKey<List<SpecMap>> list;

    private ContainerKeys(MachineLayout.Kind kind) {
        this.kind = kind;
        this.timeout = kind == MachineLayout.Kind.SERVICE ? null : value("timeout", Kinds.WHOLE_NUMBER)
                .check(t -> t >= 0 && t <= MAX_TIMEOUT, "must be 0 (no limit) to " + MAX_TIMEOUT + " seconds");
        List<SpecKey<?>> keys = new ArrayList<>(List.of(name, image, command, binds, env, user, cwd, capabilities,
                net, readonly));
        if (timeout != null) {
            keys.add(timeout);
        }
        this.list = items(kind.dir(), keys.toArray(SpecKey<?>[]::new)).section(Section.GUEST);
    }

    /** The keys of the list of {@code kind}, named as its directory: onboot, services, onshutdown. */
    static ContainerKeys of(MachineLayout.Kind kind) {
        return new ContainerKeys(kind);
    }

    /** What one item of the list says over its image's config. */
    ContainerSpec spec(SpecMap item) {
        String network = item.get(net);
        Long seconds = timeout == null ? null : item.get(timeout);
        return new ContainerSpec(item.get(command), item.get(env), item.get(cwd), item.get(user),
                item.get(capabilities),
                item.get(binds) == null ? null : item.get(binds).stream().map(ContainerConfig.Bind::parse).toList(),
                network == null ? null : ContainerConfig.Net.valueOf(network.toUpperCase(Locale.ROOT)),
                Boolean.TRUE.equals(item.get(readonly)), seconds == null ? 0 : seconds.intValue());
    }
}
