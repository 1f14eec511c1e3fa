package dev.kiln.run;

import dev.kiln.guest.InitConf;

import java.util.List;

/**
 * What `kiln run` changes of the image's configuration for one boot, as `docker run` does:
 * kiln-init applies it over the image's /etc/kiln/init.conf, the image itself is not changed.
 *
 * @param entrypoint a new Entrypoint (drops the image's Cmd unless {@code cmd} is given), or null
 * @param cmd        a new Cmd (the image's Entrypoint stays), or null
 * @param env        NAME=VALUE that replace or extend the image's Env
 * @param user       a new User (name or uid, optionally :group or :gid), or null
 * @param workdir    a new WorkingDir, or null
 */
public record GuestOverrides(List<String> entrypoint, List<String> cmd, List<String> env, String user,
                             String workdir) {
    public static final GuestOverrides NONE = new GuestOverrides(null, null, null, null, null);

    public GuestOverrides {
        entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
        cmd = cmd == null ? null : List.copyOf(cmd);
        env = env == null ? List.of() : List.copyOf(env);
    }

    public boolean isEmpty() {
        return entrypoint == null && cmd == null && env.isEmpty() && user == null && workdir == null;
    }

    /** The run config kiln-init reads from its disk, with the name servers of this boot. */
    byte[] runConfig(List<String> dns) {
        InitConf conf = InitConf.forRun();
        if (entrypoint != null) {
            conf.putList(InitConf.Key.ENTRYPOINT, entrypoint);
        }
        if (cmd != null) {
            conf.putList(InitConf.Key.CMD, cmd);
        }
        env.forEach(e -> conf.put(InitConf.Key.ENV, e));
        if (user != null) {
            conf.put(InitConf.Key.USER, user);
        }
        if (workdir != null) {
            conf.put(InitConf.Key.WORKDIR, workdir);
        }
        dns.forEach(ip -> conf.put(InitConf.Key.DNS, ip));
        return conf.bytes();
    }
}
