package dev.kiln.cli;

import dev.kiln.cli.SpecFileTest.Run;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static dev.kiln.cli.BuildKeys.*;
import static dev.kiln.cli.SpecFileTest.kiln;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every key of the build spec, table-driven: its flags and its YAML give the same spec, a bad
 * value is an error naming the flag or the file, line and key, and what --print-spec prints
 * reads back as the same spec. A key without a row fails {@link #everyKeyHasARow}.
 */
class BuildKeysTest {
    @TempDir
    Path tmp;

    /**
     * A bad value, given by {@code flags} or by {@code yaml} (a whole spec file); DIR and FILE
     * in {@code error} stand for the temporary directory and the spec file.
     */
    record Bad(List<String> flags, String yaml, String error) {
    }

    /**
     * @param flags what to give kiln build (null: the key has no flag)
     * @param yaml  the same in kiln.yaml (null: the key exists on the command line only)
     * @param also  nested keys this row covers too
     */
    record Row(SpecKey<?> key, List<String> flags, String yaml, List<Bad> bad, List<SpecKey<?>> also) {
        Row(SpecKey<?> key, List<String> flags, String yaml, Bad... bad) {
            this(key, flags, yaml, List.of(bad), List.of());
        }

        Row covering(SpecKey<?>... keys) {
            return new Row(key, flags, yaml, bad, List.of(keys));
        }
    }

    static Bad flag(String error, String... flags) {
        return new Bad(List.of(flags), null, error);
    }

    static Bad file(String yaml, String error) {
        return new Bad(null, yaml, error);
    }

    @BeforeEach
    void files() throws IOException {
        for (String f : List.of("agent.sh", "boot.sh", "motd", "vmlinuz")) {
            Files.writeString(tmp.resolve(f), f + "\n");
        }
        Files.writeString(tmp.resolve("empty.yaml"), "");
    }

    private String at(String name) {
        return tmp.resolve(name).toString();
    }

    List<Row> rows() {
        List<Row> all = new ArrayList<>(baseRows());
        all.addAll(composeRows());
        return all;
    }

    /** The keys of a composed machine (issue 13): init images, the three container lists, onboot_failure. */
    List<Row> composeRows() {
        String rule = "use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit";
        String caps = "not a Linux capability Kiln knows (CAP_CHOWN ... CAP_CHECKPOINT_RESTORE, or ALL)";
        String unique = "names are unique across onboot, services and onshutdown (each is a host name, a log file, "
                + "a console prefix)";
        return List.of(
                new Row(INIT, List.of("--init-image", "tar:" + at("base.tar"), "--init-image", "oci:" + at("l") + ":t"),
                        "init:\n  - tar:base.tar\n  - oci:l:t",
                        file("init: []", "FILE:1: init: expected auto, kiln, none or a list of image references, got "
                                + "an empty list"),
                        file("init: {a: b}", "FILE:1: init: expected auto, kiln, none or a list of image references, "
                                + "got a mapping"),
                        file("init:\n  - tar:a\n  - [x]", "FILE:3: init: expected an image reference, got a list"),
                        file("init: none\nservices:\n  - {name: web, image: tar:w}", "FILE:1: init: none: a composed "
                                + "machine needs kiln-init as its init, which runs its containers; leave init out or "
                                + "give kiln"),
                        flag("--init-image tar:x: give --init or --init-image, not both (init images mean kiln-init)",
                                "--init", "kiln", "--init-image", "tar:x")),
                new Row(ONBOOT_FAILURE, List.of("--onboot-failure", "poweroff"), "onboot_failure: poweroff",
                        file("onboot_failure: halt", "FILE:1: onboot_failure: expected continue or poweroff, got 'halt'"),
                        flag("--onboot-failure halt: expected continue or poweroff", "--onboot-failure", "halt")),
                new Row(ONBOOT.list, null, """
                        onboot:
                          - name: setup
                            image: oci:images:setup
                            command: [/bin/sh, -c, "echo ready > /run/state/flag"]
                            binds: [/run/state:/run/state]
                            env: {MODE: demo}
                            user: "0:0"
                            cwd: /srv
                            capabilities: [CAP_CHOWN, net_raw]
                            net: none
                            readonly: true
                            timeout: 30
                          - {name: second, image: tar:second.tar}
                        """,
                        file("onboot:\n  - {name: a, image: tar:a, timeout: -1}",
                                "FILE:2: onboot[0].timeout: -1: must be 0 (no limit) to 1000000 seconds"),
                        file("onboot:\n  - {name: a, image: tar:a, command: []}",
                                "FILE:2: onboot[0].command: []: empty; leave command out to run the image's "
                                        + "Entrypoint and Cmd"),
                        file("onboot:\n  - {name: a, image: tar:a}\nservices:\n  - {name: b, image: tar:b}\n"
                                + "onshutdown:\n  - name: a\n    image: tar:c",
                                "FILE:6: onshutdown[0].name: a: also the name of onboot[0] (line 2); " + unique))
                        .covering(ONBOOT.name, ONBOOT.image, ONBOOT.command, ONBOOT.binds, ONBOOT.env, ONBOOT.user,
                                ONBOOT.cwd, ONBOOT.capabilities, ONBOOT.net, ONBOOT.readonly, ONBOOT.timeout),
                new Row(SERVICES.list, null, """
                        services:
                          - name: web
                            image: docker.io/library/nginx:alpine
                            binds: [/run/state:/state:ro]
                            env: [MODE=demo]
                            user: "101:101"
                            capabilities: [CAP_NET_BIND_SERVICE]
                            net: host
                            cwd: /
                            command: [nginx, -g, daemon off;]
                            readonly: false
                        """,
                        file("services:\n  - {name: -web, image: tar:w}", "FILE:2: services[0].name: -web: " + rule),
                        file("services:\n  - {image: tar:w}", "FILE:2: services[0]: name is missing"),
                        file("services:\n  - {name: web}", "FILE:2: services[0]: image is missing"),
                        file("services:\n  - name: web\n    image: tar:w\n    binds:\n      - /ok:/ok\n"
                                + "      - run/state:/s", "FILE:6: services[0].binds: run/state:/s: run/state is not "
                                + "an absolute path (without ':')"),
                        file("services:\n  - name: web\n    image: tar:w\n    binds: [\"/run/../etc:/s\"]",
                                "FILE:4: services[0].binds: /run/../etc:/s: /run/../etc has a '..' component"),
                        file("services:\n  - name: web\n    image: tar:w\n    binds: [\"/a:/b:rshared\"]",
                                "FILE:4: services[0].binds: /a:/b:rshared: the option must be ro or rw, not rshared"),
                        file("services:\n  - name: web\n    image: tar:w\n    capabilities:\n      - CAP_CHOWN\n"
                                + "      - CAP_FLY", "FILE:6: services[0].capabilities: CAP_FLY: " + caps),
                        file("services:\n  - {name: web, image: tar:w, net: bridge}",
                                "FILE:2: services[0].net: expected host or none, got 'bridge'"),
                        file("services:\n  - {name: web, image: tar:w, cwd: srv}",
                                "FILE:2: services[0].cwd: srv: must be an absolute path"),
                        file("services:\n  - {name: web, image: tar:w}\n  - {name: web, image: tar:v}",
                                "FILE:3: services[1].name: web: also the name of services[0] (line 2); " + unique),
                        file("services:\n  - name: web\n    image: tar:w\n    timeout: 5",
                                "FILE:4: services[0].timeout: unknown key; expected one of [binds, capabilities, command, "
                                        + "cwd, env, image, name, net, readonly, user]"),
                        file("services: {name: web}", "FILE:1: services: expected a list, got a mapping"))
                        .covering(SERVICES.name, SERVICES.image, SERVICES.command, SERVICES.binds, SERVICES.env,
                                SERVICES.user, SERVICES.cwd, SERVICES.capabilities, SERVICES.net, SERVICES.readonly),
                new Row(ONSHUTDOWN.list, null, "onshutdown:\n  - {name: flush, image: oci:images:tools, command: [sync]}",
                        file("onshutdown:\n  - {name: flush, image: tar:t, readonly: sure}",
                                "FILE:2: onshutdown[0].readonly: expected true or false, got 'sure'"))
                        .covering(ONSHUTDOWN.name, ONSHUTDOWN.image, ONSHUTDOWN.command, ONSHUTDOWN.binds,
                                ONSHUTDOWN.env, ONSHUTDOWN.user, ONSHUTDOWN.cwd, ONSHUTDOWN.capabilities,
                                ONSHUTDOWN.net, ONSHUTDOWN.readonly, ONSHUTDOWN.timeout));
    }

    List<Row> baseRows() {
        return List.of(
                new Row(IMAGE, List.of("tar:" + at("root.tar")), "image: tar:root.tar",
                        file("image: [a, b]", "FILE:1: image: expected an image reference, got a list")),
                new Row(PLATFORM, List.of("--platform", "linux/arm64"), "platform: linux/arm64",
                        file("platform: {os: linux}", "FILE:1: platform: expected a single value, got a mapping")),
                // ---- build steps ----
                new Row(STEPS, List.of("--run", "apt-get update", "--run", "make -C /src"),
                        "steps:\n  - run: apt-get update\n  - run: {command: make -C /src}",
                        file("steps:\n  - run: a\n    copy: {source: motd, path: /m}", "FILE:2: steps[0]: give run or copy"),
                        file("steps:\n  - rnu: a", "FILE:2: steps[0].rnu: unknown key; expected one of [copy, run]"),
                        file("steps:\n  - run: {workdir: /src}", "FILE:2: steps[0].run: command is missing"),
                        file("steps: [a]", "FILE:1: steps[0]: expected a mapping of keys to values, got 'a'"),
                        file("steps:\n  - run: a\nservices:\n  - {name: web, image: tar:w}", "FILE:1: steps: build "
                                + "steps run in one image; a composed machine (init images, onboot, services) cannot "
                                + "have them yet: build the image with its steps first, then name that image in the "
                                + "machine"),
                        flag("--run : is empty", "--run", ""))
                        .covering(RUN, RUN_COMMAND),
                new Row(STEPS, null, """
                        steps:
                          - copy: {source: motd, path: /etc/motd, uid: 1000, gid: 1000, mode: 0640}
                          - run:
                              command: make
                              user: app
                              workdir: /src
                              env: {CC: gcc}
                              network: none
                        """,
                        file("steps:\n  - run: {command: make, workdir: src}",
                                "FILE:2: steps[0].run.workdir: src: must be an absolute path"),
                        file("steps:\n  - run: {command: make, network: off}",
                                "FILE:2: steps[0].run.network: expected default or none, got a boolean (off)"),
                        file("steps:\n  - run: {command: make, env: [CC]}", "FILE:2: steps[0].run.env: CC: expected NAME=VALUE"),
                        file("steps:\n  - copy: {source: nope, path: /x}",
                                "FILE:2: steps[0].copy.source: DIR/nope: no such file or directory"),
                        file("steps:\n  - copy: {source: motd, path: etc/motd}",
                                "FILE:2: steps[0].copy.path: etc/motd: must be an absolute path without .."),
                        file("steps:\n  - copy: {source: motd}", "FILE:2: steps[0].copy: path is missing"),
                        file("steps:\n  - copy: {source: motd, path: /m, uid: -1}",
                                "FILE:2: steps[0].copy.uid: -1: not a user id"))
                        .covering(RUN_USER, RUN_WORKDIR, RUN_ENV, RUN_NETWORK, COPY, COPY_SOURCE, COPY_PATH, COPY_UID,
                                COPY_GID, COPY_MODE),
                new Row(BUILD_CPUS, List.of("--build-cpus", "2"), "build-cpus: 2",
                        file("build-cpus: many", "FILE:1: build-cpus: expected a whole number, got 'many'"),
                        flag("--build-cpus 0: must be 1..64", "--build-cpus", "0")),
                new Row(BUILD_MEM, List.of("--build-mem", "2G"), "build-mem: 2G",
                        file("build-mem: 64M", "FILE:1: build-mem: 64M: less than 128M"),
                        flag("--build-mem lots: " + ByteSize.NOT_A_SIZE, "--build-mem", "lots")),
                new Row(STEP_TIMEOUT, List.of("--step-timeout", "30m"), "step-timeout: 30m",
                        file("step-timeout: soon", "FILE:1: step-timeout: expected a duration such as 90s, 30m or 2h, "
                                + "got 'soon'"),
                        flag("--step-timeout 5d: expected a duration such as 90s, 30m or 2h", "--step-timeout", "5d")),
                new Row(STEP_NETWORK, List.of("--step-network", "none"), "step-network: none",
                        flag("--step-network off: expected default or none", "--step-network", "off")),
                new Row(STEP_CACHE, List.of("--no-cache"), "step-cache: false",
                        file("step-cache: maybe", "FILE:1: step-cache: expected true or false, got 'maybe'")),
                new Row(OUTPUT_LIST, List.of("-o", at("o.ext4"), "--format", "tar=" + at("o.tar.zst"), "--format",
                        "qcow2", "--compress", "zstd"), """
                        outputs:
                          - {format: ext4, path: o.ext4}
                          - {format: tar, path: o.tar.zst, compress: zstd}
                          - format: qcow2
                            path: o.qcow2
                        """,
                        file("outputs:\n  - {format: qcow3, path: x}", "FILE:2: outputs[0].format: expected one of "
                                + "ext4, qcow2, initramfs, kernel+initrd, tar, got 'qcow3'"),
                        file("outputs:\n  - format: tar\n", "FILE:2: outputs[0]: path is missing"),
                        file("outputs:\n  - {format: tar, path: x, compress: lz4}",
                                "FILE:2: outputs[0].compress: expected gzip, zstd or none, got 'lz4'"),
                        flag("--format qcow3: unknown format; expected one of ext4, qcow2, initramfs, kernel+initrd, "
                                + "tar", "--format", "qcow3=x"),
                        flag("--compress lz4: expected gzip, zstd or none", "-o", "x", "--compress", "lz4"))
                        .covering(OUTPUT_FORMAT, OUTPUT_PATH, OUTPUT_COMPRESS),
                new Row(OUTPUT_LIST, List.of("--format", "tar=-"), "outputs:\n  - {format: tar, path: \"-\"}"),
                new Row(KERNEL, List.of("--kernel", at("vmlinuz"), "--cmdline", "quiet"),
                        "kernel:\n  path: vmlinuz\n  cmdline: quiet",
                        file("kernel: bzImage", "FILE:1: kernel: expected a mapping of keys to values, got 'bzImage'"),
                        file("kernel:\n  path: nope", "FILE:2: kernel.path: DIR/nope: no such file"),
                        file("kernel:\n  path: vmlinuz\n  image: alpine",
                                "FILE:3: kernel.image: give kernel.path or kernel.image, not both"),
                        flag("--kernel DIR/nope: no such file", "--kernel", at("nope")),
                        flag("--kernel-image alpine: give --kernel or --kernel-image, not both",
                                "--kernel", at("vmlinuz"), "--kernel-image", "alpine"))
                        .covering(KERNEL_PATH, KERNEL_CMDLINE),
                new Row(KERNEL_IMAGE, List.of("--kernel-image", "tar:" + at("k.tar")), "kernel: {image: tar:k.tar}"),
                new Row(STRICT, List.of("--strict"), "strict: true",
                        file("strict: yes please", "FILE:1: strict: expected true or false, got 'yes please'")),
                new Row(SIZE, List.of("--size", "64M"), "size: 64M",
                        file("size: 12Q", "FILE:1: size: 12Q: " + ByteSize.NOT_A_SIZE),
                        file("size: 17T", "FILE:1: size: 17T: larger than 16 TiB, the largest ext4 image Kiln writes "
                                + "(block numbers must fit 32 bits)"),
                        flag("--size 12Q: " + ByteSize.NOT_A_SIZE, "--size", "12Q")),
                new Row(HEADROOM, List.of("--headroom", "10"), "headroom: 10",
                        file("headroom: lots", "FILE:1: headroom: expected a number, got 'lots'"),
                        file("headroom: -1", "FILE:1: headroom: -1.0: must be a percentage, 0 or more"),
                        flag("--headroom lots: expected a number", "--headroom", "lots"),
                        flag("--headroom -0.5: must be a percentage, 0 or more", "--headroom", "-0.5")),
                new Row(INODES, List.of("--inodes", "2048"), "inodes: 2048",
                        file("inodes: lots", "FILE:1: inodes: expected a whole number, got 'lots'"),
                        file("inodes: -5", "FILE:1: inodes: -5: must be 0..4292870144 (ext4 holds at most 32768 "
                                + "inodes per block group, and a 32-bit inode count)"),
                        flag("--inodes 1.5: expected a whole number", "--inodes", "1.5")),
                new Row(LABEL, List.of("--label", "spec-test"), "label: spec-test",
                        file("label: seventeen-bytes-x", "FILE:1: label: seventeen-bytes-x: longer than 16 bytes"),
                        flag("--label seventeen-bytes-x: longer than 16 bytes", "--label", "seventeen-bytes-x")),
                new Row(JOURNAL, List.of("--no-journal"), "journal: false",
                        file("journal: maybe", "FILE:1: journal: expected true or false, got 'maybe'")),
                new Row(INIT, List.of("--init", "KILN"), "init: kiln",
                        file("init: sysv", "FILE:1: init: expected auto, kiln, none or a list of image references, "
                                + "got 'sysv'"),
                        flag("--init sysv: expected auto, kiln or none", "--init", "sysv")),
                new Row(BARE, List.of("--bare"), "bare: true",
                        file("bare: mostly", "FILE:1: bare: expected true or false, got 'mostly'")),
                new Row(AGENT, List.of("--agent", at("agent.sh") + ":/usr/local/bin/agent"),
                        "agent:\n  path: agent.sh\n  dest: /usr/local/bin/agent",
                        file("agent:\n  path: agent.sh\n  dest: opt/agent",
                                "FILE:3: agent.dest: opt/agent: must be an absolute file path without .."),
                        file("agent:\n  paht: agent.sh",
                                "FILE:2: agent.paht: unknown key; expected one of [args, dest, env, path]"),
                        file("agent: nope", "FILE:1: agent.path: DIR/nope: no such file"),
                        flag("--agent DIR/agent.sh:opt/agent: opt/agent: must be an absolute file path without ..",
                                "--agent", at("agent.sh") + ":opt/agent"),
                        flag("--agent DIR/nope: no such file", "--agent", at("nope")))
                        .covering(AGENT_PATH, AGENT_DEST),
                new Row(AGENT_ARGS, List.of("--agent-arg", "serve", "--agent-arg", "--port=1"),
                        "agent:\n  args: [serve, --port=1]",
                        file("agent:\n  args: {a: b}", "FILE:2: agent.args: expected a list, got a mapping")),
                new Row(AGENT_ENV, List.of("--agent-env", "A=1", "--agent-env", "B="), "agent:\n  env: {A: 1, B: }",
                        file("agent:\n  env:\n    - A=1\n    - NOVALUE", "FILE:4: agent.env: NOVALUE: expected NAME=VALUE"),
                        flag("--agent-env NOVALUE: expected NAME=VALUE", "--agent-env", "A=1", "--agent-env", "NOVALUE")),
                new Row(SCRIPT, List.of("--script", at("boot.sh")), "script: boot.sh",
                        file("\nscript: nope.sh", "FILE:2: script: DIR/nope.sh: no such file"),
                        flag("--script DIR/nope.sh: no such file", "--script", at("nope.sh"))),
                new Row(FILES, List.of("--file", at("motd") + ":/etc/motd:0600:1:2", "--file", at("boot.sh") + ":/b"), """
                        files:
                          - path: /etc/motd
                            source: motd
                            mode: 0600
                            uid: 1
                            gid: 2
                          - {path: /b, source: boot.sh}
                        """,
                        file("files:\n  - path: /a\n    source: motd\n    mode: 999",
                                "FILE:4: files[0].mode: expected octal permission bits such as 0644, got a number (999)"),
                        file("files:\n  - source: motd", "FILE:2: files[0]: path is missing"),
                        file("files:\n  - {path: /a, source: motd, uid: -1}", "FILE:2: files[0].uid: -1: not a user id"),
                        file("files:\n  - {path: a/../b, source: motd}",
                                "FILE:2: files[0].path: a/../b: must be an absolute file path without .."),
                        flag("--file DIR/motd:/b:999: mode 999: expected octal permission bits such as 0644",
                                "--file", at("motd") + ":/b:999"),
                        flag("--file nope: expected SRC:DEST[:MODE[:UID:GID]]", "--file", "nope"),
                        flag("--file DIR/nope:/b: DIR/nope: no such file", "--file", at("nope") + ":/b"))
                        .covering(FILE_PATH, FILE_SOURCE, FILE_MODE, FILE_UID, FILE_GID),
                new Row(FILE_CONTENTS, null, "files:\n  - {path: /etc/greeting, contents: \"hi there\\n\", mode: 0640}",
                        file("files:\n  - {path: /x, contents: a, symlink: b}",
                                "FILE:2: files[0]: /x: give exactly one of a source file, contents, a symlink target "
                                        + "or directory")),
                new Row(FILE_SYMLINK, null, "files:\n  - {path: /usr/bin/sh2, symlink: /bin/busybox}",
                        file("files:\n  - {path: /x}", "FILE:2: files[0]: /x: give exactly one of a source file, "
                                + "contents, a symlink target or directory")),
                new Row(FILE_DIRECTORY, null, "files:\n  - {path: /data, directory: true, mode: 0700, uid: 7, gid: 8}",
                        file("files:\n  - {path: /data, directory: maybe}",
                                "FILE:2: files[0].directory: expected true or false, got 'maybe'")),
                new Row(ENV, List.of("--env", "FOO=bar", "--env", "X=1"), "env:\n  FOO: bar\n  X: 1",
                        file("env: [FOO]", "FILE:1: env: FOO: expected NAME=VALUE"),
                        file("env:\n  FOO: [a]", "FILE:2: env: FOO: expected a single value, got a list"),
                        flag("--env FOO: expected NAME=VALUE", "--env", "FOO")),
                new Row(HOSTNAME, List.of("--hostname", "vm1"), "hostname: vm1",
                        file("hostname: bad_name!", "FILE:1: hostname: bad_name!: not a valid host name"),
                        flag("--hostname bad_name!: not a valid host name", "--hostname", "bad_name!")),
                new Row(DNS, List.of("--dns", "10.0.0.1", "--dns", "::1"), "dns: [10.0.0.1, \"::1\"]",
                        file("dns:\n  - 1.1.1.1\n  - example.com", "FILE:3: dns: example.com: not an IP address"),
                        file("dns:\n  - a: b", "FILE:2: dns: expected a list of single values, got an item that is "
                                + "a mapping"),
                        flag("--dns example.com: not an IP address", "--dns", "1.1.1.1", "--dns", "example.com")),
                new Row(ENTRYPOINT, List.of("--entrypoint", "[\"/bin/sh\", \"-c\"]"), "entrypoint: [/bin/sh, -c]",
                        file("entrypoint: {a: b}", "FILE:1: entrypoint: expected a list, got a mapping"),
                        file("entrypoint: [\"a\\0b\"]", "FILE:1: entrypoint: a?b: contains a NUL byte"),
                        flag("--entrypoint [1,: not a JSON array of strings", "--entrypoint", "[1,")),
                new Row(CMD, List.of("--cmd", "echo", "--cmd", "hi"), "cmd: [echo, hi]",
                        file("cmd: {a: b}", "FILE:1: cmd: expected a list, got a mapping")),
                new Row(USER, List.of("--user", "0:0"), "user: \"0:0\"",
                        file("user: [a]", "FILE:1: user: expected a single value, got a list")),
                new Row(WORKDIR, List.of("--workdir", "/tmp"), "workdir: /tmp",
                        file("workdir: {a: b}", "FILE:1: workdir: expected a single value, got a mapping")),
                new Row(CREDS, List.of("--creds", "u:p"), null,
                        file("creds: u:p", "FILE:1: creds: unknown key; expected one of " + yamlNames())),
                new Row(INSECURE_REGISTRIES, List.of("--insecure-registry", "a:5000", "--insecure-registry", "b"), null),
                new Row(CA_CERT, List.of("--ca-cert", "ca.pem"), null),
                new Row(CACHE_DIR, List.of("--cache-dir", "cache"), null),
                new Row(QUIET, List.of("-q"), null),
                new Row(PRINT_SPEC, List.of("--print-spec"), null),
                new Row(JSON, List.of("--json"), null),
                new Row(SPEC_FILE, List.of("-f", at("empty.yaml")), null,
                        flag("DIR/none.yaml: spec file not found", "-f", at("none.yaml"))));
    }

    private static List<String> yamlNames() {
        return BuildKeys.ALL.stream().map(SpecKey::name).filter(n -> n != null).sorted().toList();
    }

    /** Every key, nested ones too: each must have a row, so that a new key cannot go untested. */
    @Test
    void everyKeyHasARow() {
        Set<SpecKey<?>> covered = new HashSet<>();
        for (Row r : rows()) {
            covered.add(r.key());
            covered.addAll(r.also());
        }
        List<SpecKey<?>> all = new ArrayList<>();
        BuildKeys.ALL.forEach(k -> addWithChildren(k, all));
        assertThat(covered).containsExactlyInAnyOrderElementsOf(all);
    }

    private static void addWithChildren(SpecKey<?> key, List<SpecKey<?>> into) {
        into.add(key);
        key.children().forEach(c -> addWithChildren(c, into));
    }

    @TestFactory
    Stream<DynamicTest> flagAndFileGiveTheSameSpec() {
        return rows().stream().filter(r -> r.flags() != null && r.yaml() != null)
                .map(r -> DynamicTest.dynamicTest(r.key().toString(), () -> {
                    BuildSpec fromFlags = resolve(r.flags());
                    BuildSpec fromFile = resolve(List.of("-f", write("kiln.yaml", r.yaml()).toString()));
                    assertThat(fromFlags.get(r.key())).as("set by the flags").isNotNull();
                    assertSameSpec(fromFile, fromFlags, false);
                    assertThat(fromFile.guest()).isEqualTo(fromFlags.guest());
                }));
    }

    @TestFactory
    Stream<DynamicTest> flagOnlyKeysAreNotInTheFile() {
        return rows().stream().filter(r -> r.yaml() == null)
                .map(r -> DynamicTest.dynamicTest(r.key().toString(), () -> {
                    assertThat(r.key().name()).isNull();
                    List<String> args = new ArrayList<>(r.flags());
                    assertThat(resolve(args).get(r.key())).isNotNull();
                    if (r.key() != PRINT_SPEC) {
                        args.add("--print-spec");
                    }
                    assertThat(printSpec(args)).isEqualTo("{}\n");
                }));
    }

    @TestFactory
    Stream<DynamicTest> printedSpecReadsBackAsTheSameSpec() {
        return rows().stream().filter(r -> r.yaml() != null)
                .map(r -> DynamicTest.dynamicTest(r.key().toString(), () -> {
                    List<String> args = r.flags() != null ? r.flags()
                            : List.of("-f", write("kiln.yaml", r.yaml()).toString());
                    BuildSpec given = resolve(args);
                    List<String> print = new ArrayList<>(args);
                    print.add("--print-spec");
                    String printed = printSpec(print);
                    BuildSpec readBack = resolve(List.of("-f", write("printed.yaml", printed).toString()));
                    assertSameSpec(readBack, given, true);
                }));
    }

    @TestFactory
    Stream<DynamicTest> badValuesNameTheFlagOrTheFileLineAndKey() {
        return rows().stream().flatMap(r -> r.bad().stream().map(b -> DynamicTest.dynamicTest(
                r.key() + ": " + (b.flags() != null ? String.join(" ", b.flags()) : b.yaml()), () -> {
                    Path spec = tmp.resolve("bad.yaml");
                    List<String> args = new ArrayList<>(List.of("build"));
                    if (b.flags() != null) {
                        args.addAll(b.flags());
                    } else {
                        Files.writeString(spec, b.yaml());
                        args.addAll(List.of("-f", spec.toString()));
                    }
                    args.add("--print-spec");
                    Run run = kiln(args.toArray(String[]::new));
                    String expected = b.error().replace("FILE", spec.toString()).replace("DIR", tmp.toString());
                    assertThat(run.err()).isEqualTo("kiln: " + expected + "\n");
                    assertThat(run.exit()).isEqualTo(1);
                })));
    }

    @Test
    void aFlagReplacesTheKeysThatGoWithItAndNoOthers() throws IOException {
        Path spec = write("k.yaml", """
                agent: {path: agent.sh, dest: /opt/agent, args: [serve]}
                kernel: {image: alpine, cmdline: quiet}
                """);
        BuildSpec s = resolve(List.of("-f", spec.toString(), "--agent", at("boot.sh"), "--kernel", at("vmlinuz")));
        assertThat(s.get(AGENT_PATH)).isEqualTo(tmp.resolve("boot.sh"));
        assertThat(s.get(AGENT_DEST)).as("--agent without DEST means the default one").isNull();
        assertThat(s.get(AGENT_ARGS)).containsExactly("serve");
        assertThat(s.get(KERNEL_PATH)).isEqualTo(tmp.resolve("vmlinuz"));
        assertThat(s.get(KERNEL_IMAGE)).as("--kernel replaces the file's kernel image").isNull();
        assertThat(s.get(KERNEL_CMDLINE)).isEqualTo("quiet");

        BuildSpec image = resolve(List.of("-f", spec.toString(), "--kernel-image", "busybox", "--agent-arg", "x"));
        assertThat(image.get(KERNEL_IMAGE)).isEqualTo("busybox");
        assertThat(image.get(AGENT_PATH)).isEqualTo(tmp.resolve("agent.sh"));
        assertThat(image.get(AGENT_DEST)).isEqualTo("/opt/agent");
        assertThat(image.get(AGENT_ARGS)).containsExactly("x");
    }

    @Test
    void helpListsEveryFlagUnderItsSection() {
        Run help = kiln("build", "--help");
        assertThat(help.exit()).isZero();
        String out = help.out();
        assertThat(out).startsWith("Usage: kiln build [OPTIONS] [SOURCE]\n");
        List<Integer> starts = new ArrayList<>();
        for (Section s : Section.values()) {
            int at = out.indexOf("\n" + s.heading() + ":\n");
            assertThat(at).as(s.heading()).isGreaterThan(starts.isEmpty() ? 0 : starts.get(starts.size() - 1));
            starts.add(at);
        }
        starts.add(out.length());
        List<SpecKey<?>> keys = new ArrayList<>();
        BuildKeys.ALL.forEach(k -> addWithChildren(k, keys));
        for (SpecKey<?> key : keys) {
            for (SpecKey.Flag f : key.flags()) {
                if (f.names().isEmpty()) {
                    continue;
                }
                String listed = "  " + String.join(", ", f.names()) + (f.takesValue() ? "=" + f.label() : "");
                int at = out.indexOf(listed);
                int section = key.section().ordinal();
                assertThat(at).as(listed + " under " + key.section().heading())
                        .isGreaterThan(starts.get(section)).isLessThan(starts.get(section + 1));
            }
        }
        assertThat(out.substring(starts.get(Section.GENERAL.ordinal()))).contains("--help", "--version", "--debug");
    }

    /** Each key of BuildKeys (but -f and --print-spec, which say how to resolve) holds equal values. */
    private static void assertSameSpec(BuildSpec actual, BuildSpec expected, boolean fileKeysOnly) {
        for (SpecKey<?> key : BuildKeys.ALL) {
            if (key != SPEC_FILE && key != PRINT_SPEC && (!fileKeysOnly || key.name() != null)) {
                assertThat((Object) actual.get(key)).as(key.toString()).isEqualTo(expected.get(key));
            }
        }
    }

    /** What kiln build resolves from {@code args}: the spec file they name with their flags on top. */
    static BuildSpec resolve(List<String> args) throws IOException {
        List<String> full = new ArrayList<>(List.of("build"));
        full.addAll(args);
        String[] argv = full.toArray(String[]::new);
        CommandLine cli = Main.commandLine(argv);
        cli.parseArgs(argv);
        return ((BuildCommand) cli.getSubcommands().get("build").getCommandSpec().userObject()).resolvedSpec();
    }

    private static String printSpec(List<String> args) {
        List<String> full = new ArrayList<>(List.of("build"));
        full.addAll(args);
        Run run = kiln(full.toArray(String[]::new));
        assertThat(run.exit()).as(run.err()).isZero();
        return run.out();
    }

    private Path write(String name, String yaml) throws IOException {
        return Files.writeString(tmp.resolve(name), yaml);
    }
}
