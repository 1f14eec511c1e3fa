package dev.kiln.compose;

import dev.kiln.KilnException;
import dev.kiln.guest.ContainerConfig;
import dev.kiln.guest.ContainerSpec;
import dev.kiln.guest.MachineLayout.Kind;
import dev.kiln.image.Image;
import dev.kiln.image.ImageConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static dev.kiln.compose.MemoryImages.image;
import static dev.kiln.compose.MemoryImages.lines;
import static dev.kiln.compose.MemoryImages.tree;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The one entry stream of a composed machine: the root's images merged, each container under its directory. */
class MachineStreamTest {
    private static final ImageConfig SHELL = new ImageConfig(List.of("/bin/sh"), List.of("-c", "echo hi"),
            List.of("PATH=/bin", "MODE=image"), "/srv", "app", null, null);

    private static Machine.Container container(Kind kind, int position, String name, Image image, ContainerSpec spec) {
        return new Machine.Container(kind, position, name, image, spec, "kiln.yaml:9: " + kind.dir() + "[" + position + "]");
    }

    private static Machine.Part part(String name, Image image) {
        return new Machine.Part(name, image);
    }

    @Test
    void eachContainerIsFlattenedUnderItsDirectoryWithItsConfigBeside() throws IOException {
        Image web = image(SHELL, null,
                List.of("d ", "d bin", "f bin/sh shell", "h bin/ash bin/sh", "s bin/bash sh", "f etc/old gone"),
                List.of("w etc/old", "f etc/web web"));
        Image setup = image(ImageConfig.empty(), null, List.of("f setup.sh echo"));
        Machine machine = new Machine(List.of(part("root", image(List.of("f etc/hostname vm")))), List.of(
                container(Kind.SERVICE, 0, "web", web, new ContainerSpec(null, List.of("MODE=spec"), null, "1000",
                        List.of("NET_BIND_SERVICE"), List.of(ContainerConfig.Bind.parse("/run/s:/s:ro")),
                        ContainerConfig.Net.NONE, true, 0)),
                container(Kind.ONBOOT, 0, "setup", setup, new ContainerSpec(List.of("/bin/sh", "/setup.sh"), null,
                        null, null, null, null, null, false, 30))));

        List<String> lines = lines(MachineStream.open(machine, 7));

        String svc = "containers/services/000-web";
        String boot = "containers/onboot/000-setup";
        // the root first, then onboot before services (kiln-init's order), each with its directory and config first
        assertThat(lines).containsSubsequence("f etc/hostname vm", "d containers", "d containers/onboot", "d " + boot,
                "f " + boot + "/config " + text(new ContainerConfig(List.of("/bin/sh", "/setup.sh"), null, null, null,
                        null, null, null, null, false, 30, null).bytes()),
                "f " + boot + "/rootfs/setup.sh echo", "d containers/services", "d " + svc);
        assertThat(lines).contains("f " + svc + "/rootfs/bin/sh shell", "h " + svc + "/rootfs/bin/ash -> " + svc
                        + "/rootfs/bin/sh", "s " + svc + "/rootfs/bin/bash -> sh", "f " + svc + "/rootfs/etc/web web",
                "d " + svc + "/rootfs");
        assertThat(lines).noneMatch(l -> l.contains("etc/old") || l.contains(".wh."));
        // the image's Entrypoint and Cmd, its Env with the spec's by name, its WorkingDir; the spec's user
        assertThat(tree(lines).get(svc + "/config")).isEqualTo("f " + svc + "/config " + text(new ContainerConfig(
                List.of("/bin/sh", "-c", "echo hi"), List.of("PATH=/bin", "MODE=spec"), "/srv", "1000", null,
                List.of("CAP_NET_BIND_SERVICE"), List.of(ContainerConfig.Bind.parse("/run/s:/s:ro")),
                ContainerConfig.Net.NONE, true, 0, null).bytes()));
        assertThat(text(new ContainerConfig(List.of("/bin/sh", "-c", "echo hi"), List.of("PATH=/bin", "MODE=spec"),
                "/srv", "1000", null, null, null, null, false, 0, null).bytes()))
                .contains("arg=/bin/sh\0arg=-c\0arg=echo hi\0env=PATH=/bin\0env=MODE=spec\0cwd=/srv\0user=1000\0");
    }

    @Test
    void theConfigTakesTheImagesUserAndWorkdirUnlessTheSpecReplacesThem() {
        ContainerConfig fromImage = ContainerSpec.defaults().resolve(SHELL);
        assertThat(fromImage.command()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(fromImage.env()).containsExactly("PATH=/bin", "MODE=image");
        assertThat(fromImage.cwd()).isEqualTo("/srv");
        assertThat(fromImage.user()).isEqualTo("app");
        assertThat(fromImage.capabilities()).as("Docker's default set").isNull();
        assertThat(fromImage.net()).isEqualTo(ContainerConfig.Net.HOST);

        ContainerConfig replaced = new ContainerSpec(List.of("/x"), List.of("NEW=1"), "/w", "0:0", List.of(), null,
                null, false, 0).resolve(SHELL);
        assertThat(replaced.command()).as("command replaces Entrypoint and Cmd").containsExactly("/x");
        assertThat(replaced.env()).containsExactly("PATH=/bin", "MODE=image", "NEW=1");
        assertThat(replaced.cwd()).isEqualTo("/w");
        assertThat(replaced.user()).isEqualTo("0:0");
        assertThat(replaced.capabilities()).as("an empty list is no capabilities").isEmpty();

        ContainerConfig bare = ContainerSpec.defaults().resolve(new ImageConfig(List.of("/run"), null, null, null,
                null, null, null));
        assertThat(bare.cwd()).isNull();
        assertThat(bare.user()).isNull();
    }

    @Test
    void aContainerWithNothingToRunFailsBeforeAnyLayerIsRead() {
        MemoryImages.MemoryImage root = image(List.of("f a a"));
        Image empty = new MemoryImages.MemoryImage(List.of(MemoryImages.unreadable()), ImageConfig.empty(), null);
        Machine machine = new Machine(List.of(part("root", root)),
                List.of(container(Kind.SERVICE, 1, "idle", empty, ContainerSpec.defaults())));

        assertThatThrownBy(() -> MachineStream.open(machine, 0)).isInstanceOf(KilnException.class)
                .hasMessage("kiln.yaml:9: services[1]: command: empty; the image has no Entrypoint or Cmd, so give a "
                        + "command");
        assertThat(root.reads()).isZero();
    }

    @Test
    void rootImagesMergeInOrderTheLaterWinningEachWithItsOwnWhiteouts() throws IOException {
        Image base = image(List.of("d etc", "f etc/a base-a", "f etc/b base-b", "d lib", "f lib/x base-x",
                "f keep base"));
        // its whiteouts delete from its own lower layer only; .wh.a names nothing of its own
        Image tools = image(List.of("f etc/c tools-c", "f etc/old old"),
                List.of("w etc/a", "w etc/old", "f etc/b tools-b", "s lib usr/lib"));
        Machine machine = new Machine(List.of(part("base", base), part("tools", tools)), List.of());

        Map<String, String> tree = tree(lines(MachineStream.open(machine, 0)));

        assertThat(tree).containsEntry("etc/a", "f etc/a base-a").containsEntry("etc/b", "f etc/b tools-b")
                .containsEntry("etc/c", "f etc/c tools-c").containsEntry("keep", "f keep base")
                .containsEntry("lib", "s lib -> usr/lib").doesNotContainKeys("etc/old", "lib/x");
        assertThat(tree.keySet()).noneMatch(p -> p.contains(".wh.") || p.startsWith("containers"));
    }

    @Test
    void aHardLinkWhoseNameALaterImageReplacesKeepsItsContent() throws IOException {
        MemoryImages.MemoryImage base = image(List.of("f bin/busybox bb", "h bin/sh bin/busybox"));
        Image over = image(List.of("f bin/busybox newer"));
        Machine machine = new Machine(List.of(part("base", base), part("over", over)), List.of());

        Map<String, String> tree = tree(lines(MachineStream.open(machine, 0)));

        assertThat(tree).containsEntry("bin/busybox", "f bin/busybox newer").containsEntry("bin/sh", "f bin/sh bb");
        assertThat(base.reads()).as("the base image flattened again for the link's content").isEqualTo(2);
    }

    @Test
    void aRootWithContainersOfItsOwnIsRefused() {
        Image root = image(List.of("d containers", "d containers/services", "f containers/services/000-x/config c"));
        Machine machine = new Machine(List.of(part("kiln.yaml:2: image: ext4:old.img", root)), List.of(
                container(Kind.SERVICE, 0, "web", image(ImageConfig.empty(), null, List.of("f x x")),
                        new ContainerSpec(List.of("/x"), null, null, null, null, null, null, false, 0))));

        assertThatThrownBy(() -> lines(MachineStream.open(machine, 0))).isInstanceOf(KilnException.class)
                .hasMessage("kiln.yaml:2: image: ext4:old.img: /containers/services: the root of a composed machine must "
                        + "not have /containers, where Kiln puts the machine's containers");
    }

    @Test
    void identicalFilesInTwoContainersAreTwoFilesNotOneInode() throws IOException {
        ContainerSpec run = new ContainerSpec(List.of("/bin/sh"), null, null, null, null, null, null, false, 0);
        Machine machine = new Machine(List.of(), List.of(
                container(Kind.SERVICE, 0, "a", image(List.of("f bin/sh same")), run),
                container(Kind.SERVICE, 1, "b", image(List.of("f bin/sh same")), run)));

        List<String> lines = lines(MachineStream.open(machine, 0));

        assertThat(lines).contains("f containers/services/000-a/rootfs/bin/sh same",
                "f containers/services/001-b/rootfs/bin/sh same");
        assertThat(lines).noneMatch(l -> l.startsWith("h "));
        assertThat(lines).as("no root images: only the containers").allMatch(l -> l.startsWith("d containers")
                || l.startsWith("f containers/"));
    }

    @Test
    void namesAreUniqueAcrossTheLists() {
        ContainerSpec run = new ContainerSpec(List.of("/x"), null, null, null, null, null, null, false, 0);
        Image i = image(List.of("f x x"));
        assertThatThrownBy(() -> new Machine(List.of(), List.of(container(Kind.ONBOOT, 0, "a", i, run),
                container(Kind.ONSHUTDOWN, 0, "a", i, run)))).isInstanceOf(KilnException.class)
                .hasMessage("kiln.yaml:9: onshutdown[0]: name a: given to another container too; names are unique "
                        + "across onboot, services and onshutdown");
        assertThatThrownBy(() -> new Machine(List.of(), List.of(container(Kind.ONBOOT, 0, "-a", i, run))))
                .hasMessage("name -a: use 1 to 63 letters, digits, '-', '_' or '.', starting with a letter or digit");
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
