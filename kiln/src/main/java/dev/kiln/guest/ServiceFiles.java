package dev.kiln.guest;

import dev.kiln.KilnException;

import java.nio.charset.StandardCharsets;

/**
 * Registers the agent and the boot script with the image's own init system. The services run
 * kiln-init in its helper mode ("kiln-init agent", "kiln-init script"), which reads the same
 * /etc/kiln/init.conf, so arguments and environment are applied the same way as under kiln-init.
 */
final class ServiceFiles {
    private static final String HELPER = "/" + Additions.HELPER_PATH;

    private final Additions add;
    private final InitSystem system;
    private final GuestConfig guest;

    ServiceFiles(Additions add, InitSystem system, GuestConfig guest) {
        this.add = add;
        this.system = system;
        this.guest = guest;
    }

    void add() {
        switch (system) {
            case SYSTEMD -> systemd();
            case OPENRC -> openrc();
            case BUSYBOX -> busybox();
            default -> throw new KilnException("/sbin/init: Kiln cannot register --agent or --script with this "
                    + "image's init system (not systemd, OpenRC or busybox init); use --init kiln");
        }
        add.kilnInit(Additions.HELPER_PATH);
    }

    private void systemd() {
        String unitDir = "etc/systemd/system";
        String wants = unitDir + "/multi-user.target.wants";
        add.dir(wants, 0755);
        if (guest.script() != null) {
            text(unitDir + "/kiln-script.service", 0644, """
                    [Unit]
                    Description=Kiln boot script
                    After=local-fs.target

                    [Service]
                    Type=oneshot
                    RemainAfterExit=yes
                    ExecStart=%s script
                    SyslogIdentifier=kiln-script
                    StandardOutput=journal+console
                    StandardError=journal+console

                    [Install]
                    WantedBy=multi-user.target
                    """.formatted(HELPER));
            add.symlink(wants + "/kiln-script.service", "/" + unitDir + "/kiln-script.service");
        }
        if (guest.agent() != null) {
            text(unitDir + "/kiln-agent.service", 0644, """
                    [Unit]
                    Description=Kiln guest agent
                    After=local-fs.target%s

                    [Service]
                    ExecStart=%s agent
                    SyslogIdentifier=kiln-agent
                    Restart=always
                    RestartSec=1
                    StandardOutput=journal+console
                    StandardError=journal+console

                    [Install]
                    WantedBy=multi-user.target
                    """.formatted(guest.script() != null ? " kiln-script.service" : "", HELPER));
            add.symlink(wants + "/kiln-agent.service", "/" + unitDir + "/kiln-agent.service");
        }
    }

    private void openrc() {
        add.dir("etc/runlevels/default", 0755);
        if (guest.script() != null) {
            text("etc/init.d/kiln-script", 0755, """
                    #!/sbin/openrc-run
                    description="Kiln boot script"
                    depend() {
                        need localmount
                    }
                    start() {
                        ebegin "Running the Kiln boot script"
                        %s script
                        eend $?
                    }
                    """.formatted(HELPER));
            add.symlink("etc/runlevels/default/kiln-script", "/etc/init.d/kiln-script");
        }
        if (guest.agent() != null) {
            text("etc/init.d/kiln-agent", 0755, """
                    #!/sbin/openrc-run
                    description="Kiln guest agent"
                    command=%s
                    command_args=agent
                    supervisor=supervise-daemon
                    respawn_delay=1
                    respawn_max=0
                    output_log=/dev/console
                    error_log=/dev/console
                    depend() {
                        need localmount
                        after kiln-script
                    }
                    """.formatted(HELPER));
            add.symlink("etc/runlevels/default/kiln-agent", "/etc/init.d/kiln-agent");
        }
    }

    private void busybox() {
        // busybox init runs sysinit lines in order, so the script runs after the image's rcS
        String existing = add.tree().kept("etc/inittab")
                .map(b -> new String(b, StandardCharsets.UTF_8))
                .orElse("""
                        ::sysinit:/etc/init.d/rcS
                        ::askfirst:-/bin/sh
                        ::ctrlaltdel:/sbin/reboot
                        ::shutdown:/bin/umount -a -r
                        ::restart:/sbin/init
                        """);
        StringBuilder inittab = new StringBuilder(existing);
        if (!existing.isEmpty() && !existing.endsWith("\n")) {
            inittab.append('\n');
        }
        inittab.append("# added by kiln\n");
        if (guest.script() != null) {
            inittab.append("::sysinit:").append(HELPER).append(" script\n");
        }
        if (guest.agent() != null) {
            inittab.append("::respawn:").append(HELPER).append(" agent\n");
        }
        text("etc/inittab", 0644, inittab.toString());
    }

    private void text(String path, int mode, String content) {
        add.bytes(path, mode, content.getBytes(StandardCharsets.UTF_8));
    }
}
