package dev.kiln.tar;

import dev.kiln.testing.Tools;

import java.nio.file.Path;

/** Source trees made with real tools, holding the cases tar formats find hard. */
public final class Trees {
    private Trees() {
    }

    /**
     * Files, dirs, hard and symbolic links, a FIFO, devices (minor > 255), setuid/setgid/sticky,
     * nanosecond mtimes, a 232-byte path (fits ustar's prefix field).
     * Unless {@code ustarOnly}: non-UTF-8 names, names with newlines and backslashes, a 255-byte
     * name, a 200-byte symlink target, uid/gid beyond octal's 8 digits.
     */
    public static Path make(Path parent, boolean ustarOnly) {
        Path src = parent.resolve("src");
        Tools.bash(parent, """
                mkdir src && cd src
                mkdir -p dir/sub empty sticky
                printf 'hello\\n' > dir/file
                head -c 200000 /dev/urandom > dir/random
                : > emptyfile
                ln dir/file dir/hardlink
                ln -s ../dir/file dir/symlink
                mkfifo fifo
                mknod chardev c 1 3
                mknod blockdev b 259 300
                printf x > setuid && chmod 4755 setuid
                printf y > setgid && chmod 2711 setgid
                chmod 1777 sticky
                chown 1000:1000 dir/sub
                chown 65534:70000 dir/random
                d=$(printf 'd%.0s' $(seq 70))/$(printf 'e%.0s' $(seq 70)); mkdir -p "$d"
                printf long > "$d/$(printf 'n%.0s' $(seq 90))"
                touch -h -d '2020-01-02 03:04:05.123456789' dir/symlink
                touch -d '2001-02-03 04:05:06.5' dir/file
                if [ "$1" = full ]; then
                  printf 'latin1' > "$(printf 'caf\\351')"
                  printf nl > "$(printf 'new\\nline')"
                  printf bs > 'back\\slash'
                  printf max > "$(printf 'm%.0s' $(seq 255))"
                  ln -s "$(printf 't%.0s' $(seq 200))" longtarget
                  printf big > bigids && chown 3000000:4000000 bigids
                fi
                """, ustarOnly ? "ustar" : "full");
        return src;
    }

    /** security.capability (setcap), a binary user xattr, access and default ACLs naming uid 1000. */
    public static Path makeXattrs(Path parent) {
        Path src = parent.resolve("xsrc");
        Tools.bash(parent, """
                mkdir xsrc && cd xsrc
                printf 'binary' > ping
                setcap cap_setuid+ep ping
                printf acl > acl
                setfacl -m u:1000:r,g:1000:rw acl
                mkdir shared
                setfacl -m u:1000:rwx -d -m u:1000:rx shared
                printf 'user' > user
                setfattr -n user.bin -v 0x00ff0a3d0d80c3 user
                setfattr -n user.text -v 'a=b c' user
                """);
        return src;
    }

    /**
     * A file at a path over 4 KiB ({@code deep/ppp.../deepfile}), made one directory at a time since
     * the kernel refuses longer paths in one call. JUnit cannot delete it: remove with {@link #removeDeep}.
     */
    public static Path makeDeep(Path parent) {
        Tools.bash(parent, """
                mkdir deep && cd deep
                for i in $(seq 22); do d=$(printf 'p%.0s' $(seq 200)); mkdir "$d"; cd "$d"; done
                printf deep > deepfile
                """);
        return parent.resolve("deep");
    }

    public static void removeDeep(Path parent) {
        Tools.bash(parent, "rm -rf deep");
    }
}
