/**
 * Registry sources: images pulled over the OCI distribution / Docker Registry v2 HTTP API.
 *
 * <pre>
 * Reference.parse("alpine:3.20")          docker.io/library/alpine:3.20, endpoint registry-1.docker.io
 *   -> RegistryClient.manifest(tag)       Accept: OCI + Docker index/manifest types; auth on 401
 *   -> BlobCache.put(manifest)            every blob lands in ROOT/blobs/sha256/HEX, verified
 *   -> oci.ImageResolver(RegistryBlobStore, --platform)
 *                                         index, manifest and config read as dev.kiln.image records
 *   -> first layer opened: startPrefetch  3 parallel downloads, newest layer first
 *   -> Layer.open()                       cached file, or GrowingFileInputStream while downloading
 * </pre>
 *
 * <p>Auth ({@link dev.kiln.source.registry.RegistryClient}): requests go out anonymous; a 401's
 * {@code WWW-Authenticate} picks Bearer (token from the realm, per repository scope, kept until
 * it expires) or Basic. Credentials are looked up only then, in Docker's order
 * ({@link dev.kiln.source.registry.CredentialStore}); they go only to the registry host, never to
 * a redirect target, and never into messages. Plain HTTP only for loopback hosts and
 * --insecure-registry ({@link dev.kiln.source.registry.Connections}).
 *
 * <p>Downloads ({@link dev.kiln.source.registry.BlobDownload}) hash as they write, resume with
 * Range after a dropped connection (also from a partial file an earlier run left), and retry
 * transient failures with exponential backoff; the cache renames a blob into place only when its
 * digest and size match, under a per-blob file lock shared with other kiln processes.
 */
package dev.kiln.source.registry;
