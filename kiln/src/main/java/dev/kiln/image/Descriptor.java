package dev.kiln.image;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonSetter;
import com.fasterxml.jackson.annotation.Nulls;
import dev.kiln.KilnException;

import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * An OCI content descriptor: what a blob is, where it is and how big it is. Binding one from JSON
 * checks nothing, so that a writer can keep entries it does not understand; {@link #check} is
 * what a reader calls before it trusts the digest (a file name) and the size (a limit).
 *
 * @param size the blob's size, or {@link #NO_SIZE} when the document states none
 */
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonInclude(JsonInclude.Include.NON_EMPTY)
@JsonPropertyOrder({"mediaType", "digest", "size", "platform", "annotations", "urls"})
public record Descriptor(String mediaType, String digest, @JsonInclude(JsonInclude.Include.ALWAYS) long size,
                         Platform platform, Map<String, String> annotations, List<String> urls) {

    public static final String REF_NAME = "org.opencontainers.image.ref.name";
    /** The size of a descriptor that states none. */
    public static final long NO_SIZE = -1;
    /** The image spec's digest grammar: the encoded part can hold no '/' and no "..", so it is a safe file name. */
    private static final Pattern DIGEST = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

    public Descriptor {
        mediaType = mediaType == null ? "" : mediaType;
        digest = digest == null ? "" : digest;
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        urls = urls == null ? List.of() : List.copyOf(urls);
    }

    /** A descriptor made by Kiln itself: no platform, annotations or URLs. */
    public Descriptor(String mediaType, String digest, long size) {
        this(mediaType, digest, size, null, null, null);
    }

    @JsonCreator
    static Descriptor fromJson(@JsonProperty("mediaType") String mediaType, @JsonProperty("digest") String digest,
                               @JsonProperty("size") Long size, @JsonProperty("platform") Platform platform,
                               @JsonProperty("annotations") @JsonSetter(contentNulls = Nulls.AS_EMPTY)
                               Map<String, String> annotations,
                               @JsonProperty("urls") @JsonSetter(contentNulls = Nulls.AS_EMPTY) List<String> urls) {
        return new Descriptor(mediaType, digest, size == null ? NO_SIZE : size, platform, annotations, urls);
    }

    /**
     * Refuses a descriptor that cannot be read safely: a digest outside the spec's grammar, no
     * size. {@code where} names the document that holds it. Returns this descriptor.
     */
    public Descriptor check(String where) {
        if (!DIGEST.matcher(digest).matches()) {
            throw new KilnException(where + ": descriptor has an invalid digest \"" + digest + "\"");
        }
        if (size == NO_SIZE) {
            throw new KilnException(where + ": descriptor " + digest + " has no size");
        }
        if (size < 0) {
            throw new KilnException(where + ": descriptor " + digest + " has a negative size " + size);
        }
        return this;
    }

    /** Checks each of {@code descriptors}. */
    static void check(List<Descriptor> descriptors, String where) {
        for (Descriptor d : descriptors) {
            d.check(where);
        }
    }

    public String refName() {
        return annotations.get(REF_NAME);
    }

    /** The hex part of the digest, used as a file name in blobs/ALG/. */
    public String encoded() {
        return digest.substring(digest.indexOf(':') + 1);
    }

    public String algorithm() {
        return digest.substring(0, digest.indexOf(':'));
    }
}
