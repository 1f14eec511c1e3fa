package dev.kiln.flatten;

/**
 * One entry of a test layer, as it will be written to the layer's tar: a file, directory,
 * symlink, hard link or fifo at {@code path}, or a whiteout of {@code path}, or an opaque
 * marker in the directory {@code path}. {@code arg} is a file's content or a link's target.
 * The root is the empty path.
 */
record Op(Type type, String path, String arg, int mode, long mtime) {
    enum Type { FILE, DIR, SYMLINK, LINK, FIFO, WHITEOUT, OPAQUE }

    static Op file(String path, String content) {
        return new Op(Type.FILE, path, content, 0644, 1);
    }

    static Op dir(String path) {
        return new Op(Type.DIR, path, null, 0755, 1);
    }

    static Op dir(String path, int mode) {
        return new Op(Type.DIR, path, null, mode, 1);
    }

    static Op symlink(String path, String target) {
        return new Op(Type.SYMLINK, path, target, 0777, 1);
    }

    static Op link(String path, String target) {
        return new Op(Type.LINK, path, target, 0644, 1);
    }

    static Op fifo(String path) {
        return new Op(Type.FIFO, path, null, 0644, 1);
    }

    /** Deletes {@code path} from lower layers: {@code dir/.wh.name}. */
    static Op whiteout(String path) {
        return new Op(Type.WHITEOUT, path, null, 0644, 1);
    }

    /** Hides the lower contents of the directory {@code path}: {@code path/.wh..wh..opq}. */
    static Op opaque(String dir) {
        return new Op(Type.OPAQUE, dir, null, 0644, 1);
    }

    Op with(String newArg, int newMode, long newMtime) {
        return new Op(type, path, newArg, newMode, newMtime);
    }

    boolean isNonDirectory() {
        return type == Type.FILE || type == Type.SYMLINK || type == Type.LINK || type == Type.FIFO;
    }

    /** The name the entry has in the tar. */
    String tarName() {
        return switch (type) {
            case DIR -> path.isEmpty() ? "./" : path + "/";
            case WHITEOUT -> {
                int slash = path.lastIndexOf('/');
                yield path.substring(0, slash + 1) + ".wh." + path.substring(slash + 1);
            }
            case OPAQUE -> path.isEmpty() ? ".wh..wh..opq" : path + "/.wh..wh..opq";
            default -> path;
        };
    }

    @Override
    public String toString() {
        String s = type.name().toLowerCase() + " " + (path.isEmpty() ? "/" : path);
        return arg == null ? s : s + (type == Type.FILE ? " \"" + arg + "\"" : " -> " + arg);
    }
}
