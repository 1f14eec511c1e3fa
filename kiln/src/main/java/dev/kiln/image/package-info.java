/**
 * The image contracts every source implements and every later stage reads: an
 * {@link dev.kiln.image.Image} is its {@link dev.kiln.image.Layer}s plus an
 * {@link dev.kiln.image.ImageConfig}; {@link dev.kiln.image.SourceOptions} is what opening one
 * needs besides the reference. Also the OCI/Docker model the image sources share: descriptors,
 * platforms, media types, and the index, manifest and config documents as records bound by
 * Jackson ({@link dev.kiln.image.Json}), each with the checks the image spec requires.
 *
 * <p>Depends on no source implementation (a build test enforces it), so that flatten and guest
 * see images without seeing where they came from.
 */
package dev.kiln.image;
