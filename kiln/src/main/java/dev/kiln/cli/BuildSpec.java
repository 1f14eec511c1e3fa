package dev.kiln.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kiln.KilnException;
import dev.kiln.ext4.Ext4Limits;
import dev.kiln.ext4.Ext4Options;
import dev.kiln.guest.GuestConfig;
import dev.kiln.output.Compression;
import dev.kiln.output.OutputFormat;
import dev.kiln.output.OutputPlan;
import dev.kiln.output.OutputSpec;
import dev.kiln.source.SourceOptions;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything {@code kiln build} is told, from the spec file and from flags, before defaults:
 * null means "not said". {@link #overlay} lets flags win over the file; {@link #toYaml} is
 * what {@code --print-spec} prints (and {@link SpecFile} reads back).
 */
final class BuildSpec {
    String image;
    String platform;
    String size;
    Double headroom;
    Long inodes;
    String label;
    Boolean journal;
    String init;
    String agent;
    String agentDest;
    List<String> agentArgs;
    List<String> agentEnv;
    String script;
    List<FileEntry> files;
    List<String> env;
    String hostname;
    List<String> dns;
    List<String> entrypoint;
    List<String> cmd;
    String user;
    String workdir;
    String kernelPath;
    String kernelImage;
    String cmdline;
    List<OutputEntry> outputs;
    Boolean strict;

    /** One of {@code files:}: exactly one of source, contents, symlink, directory. */
    record FileEntry(String path, String source, String contents, String symlink, Boolean directory,
                     Integer mode, Long uid, Long gid) {
    }

    record OutputEntry(String format, String path, String compress) {
    }

    /** Every field {@code flags} sets replaces this one's (lists are replaced, not merged). */
    void overlay(BuildSpec flags) {
        image = pick(flags.image, image);
        platform = pick(flags.platform, platform);
        size = pick(flags.size, size);
        headroom = pick(flags.headroom, headroom);
        inodes = pick(flags.inodes, inodes);
        label = pick(flags.label, label);
        journal = pick(flags.journal, journal);
        init = pick(flags.init, init);
        if (flags.agent != null) {
            agent = flags.agent;
            agentDest = flags.agentDest;
        }
        agentArgs = pick(flags.agentArgs, agentArgs);
        agentEnv = pick(flags.agentEnv, agentEnv);
        script = pick(flags.script, script);
        files = pick(flags.files, files);
        env = pick(flags.env, env);
        hostname = pick(flags.hostname, hostname);
        dns = pick(flags.dns, dns);
        entrypoint = pick(flags.entrypoint, entrypoint);
        cmd = pick(flags.cmd, cmd);
        user = pick(flags.user, user);
        workdir = pick(flags.workdir, workdir);
        if (flags.kernelPath != null || flags.kernelImage != null) {
            kernelPath = flags.kernelPath;
            kernelImage = flags.kernelImage;
        }
        cmdline = pick(flags.cmdline, cmdline);
        outputs = pick(flags.outputs, outputs);
        strict = pick(flags.strict, strict);
    }

    /**
     * Resolves the path of a local image reference (tar:, dir:, ext4:, oci:, oci-archive:,
     * docker-archive:) against {@code base}; registry references and stdin are left alone.
     */
    static String resolveImage(String reference, Path base) {
        if (reference == null) {
            return null;
        }
        for (String transport : List.of("tar:", "dir:", "ext4:", "oci:", "oci-archive:", "docker-archive:")) {
            if (reference.startsWith(transport)) {
                String rest = reference.substring(transport.length());
                if (rest.isEmpty() || rest.equals("-") || rest.startsWith("/")) {
                    return reference;
                }
                return transport + base.resolve(rest).normalize();
            }
        }
        return reference;
    }

    private static <T> T pick(T flag, T file) {
        return flag != null ? flag : file;
    }

    BuildRequest toRequest(SourceOptions base, long timestamp) {
        if (image == null) {
            throw new KilnException("build: no image; give SOURCE or image: in the spec file");
        }
        SourceOptions sources = new SourceOptions(platform, base.credentials(), base.insecureRegistries(),
                base.caCert(), base.cacheDir(), base.quiet());
        List<OutputSpec> specs = new ArrayList<>();
        Path ext4 = null;
        for (OutputEntry o : outputs == null ? List.<OutputEntry>of() : outputs) {
            OutputFormat format = OutputFormat.parse("outputs: format", o.format());
            Compression c = o.compress() == null ? null : Compression.parse(o.compress());
            OutputSpec spec = new OutputSpec(format, Path.of(o.path()), format.fromExt4() ? null : c);
            if (format == OutputFormat.EXT4 && ext4 == null) {
                ext4 = spec.path();
            }
            specs.add(spec);
        }
        if (specs.isEmpty()) {
            throw new KilnException("build: no output; give -o FILE, --format FORMAT=PATH or outputs: in the spec");
        }
        if (kernelPath != null && kernelImage != null) {
            throw new KilnException("kernel: give a path or an image, not both");
        }
        OutputPlan plan = new OutputPlan(specs, Boolean.TRUE.equals(strict),
                new OutputPlan.KernelSpec(kernelPath == null ? null : Path.of(kernelPath), kernelImage, cmdline));
        return new BuildRequest(image, sources, ext4Options(timestamp), guest(), ext4, timestamp, plan);
    }

    /**
     * The ext4 options, each checked here against {@link Ext4Limits} so that a value ext4 cannot
     * hold fails before any layer is read, with the option's name.
     */
    Ext4Options ext4Options(long timestamp) {
        String l = label == null ? "kiln-rootfs" : label;
        if (l.getBytes(StandardCharsets.UTF_8).length > 16) {
            throw new KilnException("--label " + l + ": longer than 16 bytes");
        }
        double h = headroom == null ? 25 : headroom;
        if (!Double.isFinite(h) || h < 0) {
            throw new KilnException("--headroom " + h + ": must be a percentage, 0 or more");
        }
        long n = inodes == null ? 0 : inodes;
        if (n < 0 || n > Ext4Limits.MAX_INODES) {
            throw new KilnException("--inodes " + n + ": must be 0.." + Ext4Limits.MAX_INODES + " (ext4 holds at most "
                    + Ext4Limits.MAX_INODES_PER_GROUP + " inodes per block group, and a 32-bit inode count)");
        }
        Ext4Options options = Ext4Options.defaults()
                .withHeadroom(h / 100.0, 64L << 20)
                .withInodeCount(n)
                .withLabel(l)
                .withJournal(journal == null || journal)
                .withCreationTime(timestamp);
        if (size == null) {
            return options;
        }
        long bytes = ByteSize.parse("--size", size);
        if (bytes > Ext4Limits.MAX_SIZE_BYTES) {
            throw new KilnException("--size " + size + ": larger than 16 TiB, the largest ext4 image Kiln writes "
                    + "(block numbers must fit 32 bits)");
        }
        return options.withSizeBytes(bytes);
    }

    GuestConfig guest() {
        List<GuestConfig.FileSpec> fileSpecs = new ArrayList<>();
        for (FileEntry f : files == null ? List.<FileEntry>of() : files) {
            fileSpecs.add(fileSpec(f));
        }
        return new GuestConfig(GuestOptionsMixin.initMode(init == null ? "auto" : init),
                agent == null ? null : Path.of(agent), agentDest, agentArgs, agentEnv,
                script == null ? null : Path.of(script), hostname, dns, env, entrypoint, cmd, user, workdir, fileSpecs);
    }

    static GuestConfig.FileSpec fileSpec(FileEntry f) {
        try {
            return new GuestConfig.FileSpec(f.source() == null ? null : Path.of(f.source()), f.path(), f.mode(),
                    f.uid(), f.gid(), f.contents() == null ? null : f.contents().getBytes(StandardCharsets.UTF_8),
                    f.symlink(), Boolean.TRUE.equals(f.directory()));
        } catch (KilnException e) {
            throw new KilnException("files: " + e.getMessage());
        }
    }

    /** The spec as YAML, in the order of the README's example; unset keys are left out. */
    String toYaml() {
        Map<String, Object> m = new LinkedHashMap<>();
        put(m, "image", image);
        put(m, "platform", platform);
        put(m, "size", size);
        put(m, "headroom", headroom);
        put(m, "inodes", inodes);
        put(m, "label", label);
        put(m, "journal", journal);
        put(m, "init", init);
        if (agent != null) {
            Map<String, Object> a = new LinkedHashMap<>();
            put(a, "path", agent);
            put(a, "dest", agentDest);
            put(a, "args", agentArgs);
            put(a, "env", agentEnv);
            m.put("agent", a);
        }
        put(m, "script", script);
        if (files != null) {
            List<Map<String, Object>> l = new ArrayList<>();
            for (FileEntry f : files) {
                Map<String, Object> e = new LinkedHashMap<>();
                put(e, "path", f.path());
                put(e, "source", f.source());
                put(e, "contents", f.contents());
                put(e, "symlink", f.symlink());
                put(e, "directory", f.directory());
                put(e, "mode", f.mode() == null ? null : String.format("0%o", f.mode()));
                put(e, "uid", f.uid());
                put(e, "gid", f.gid());
                l.add(e);
            }
            m.put("files", l);
        }
        put(m, "env", env);
        put(m, "hostname", hostname);
        put(m, "dns", dns);
        put(m, "entrypoint", entrypoint);
        put(m, "cmd", cmd);
        put(m, "user", user);
        put(m, "workdir", workdir);
        if (kernelPath != null || kernelImage != null || cmdline != null) {
            Map<String, Object> k = new LinkedHashMap<>();
            put(k, "path", kernelPath);
            put(k, "image", kernelImage);
            put(k, "cmdline", cmdline);
            m.put("kernel", k);
        }
        if (outputs != null) {
            List<Map<String, Object>> l = new ArrayList<>();
            for (OutputEntry o : outputs) {
                Map<String, Object> e = new LinkedHashMap<>();
                put(e, "format", o.format());
                put(e, "path", o.path());
                put(e, "compress", o.compress());
                l.add(e);
            }
            m.put("outputs", l);
        }
        put(m, "strict", strict);
        try {
            return YAMLMapper.builder().disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
                    .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
                    .enable(YAMLGenerator.Feature.INDENT_ARRAYS_WITH_INDICATOR).build().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new KilnException("--print-spec: cannot write YAML", e);
        }
    }

    private static void put(Map<String, Object> m, String key, Object value) {
        if (value != null) {
            m.put(key, value);
        }
    }
}
