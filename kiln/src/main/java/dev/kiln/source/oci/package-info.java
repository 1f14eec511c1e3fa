/**
 * Image sources with blobs on disk ({@code oci:}, {@code oci-archive:}, {@code docker-archive:})
 * and the machinery the registry source shares with them: a {@link dev.kiln.source.oci.BlobStore}
 * hands out blobs checked against digest and size as they are read, the
 * {@link dev.kiln.source.oci.ImageResolver} walks index and manifest to an image for the wanted
 * platform, and an OCI image layout is read ({@link dev.kiln.source.oci.LayoutReader}) and
 * written ({@link dev.kiln.source.oci.LayoutWriter}, for {@code kiln pull --to}) side by side,
 * with the layout's names in one place ({@link dev.kiln.source.oci.OciLayout}).
 */
package dev.kiln.source.oci;
