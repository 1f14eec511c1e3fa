/**
 * What Kiln adds to the tree so it boots: kiln-init (or the image's own init kept), the agent,
 * the boot script, host files, {@code /etc/kiln/image.json} and {@code init.conf}, hostname and
 * DNS files. {@link dev.kiln.guest.GuestStage} applies a {@link dev.kiln.guest.GuestConfig} to an
 * entry stream; the formats kiln-init reads are here too, so the C side and this package agree
 * in one place ({@code kiln/src/main/c/PROTOCOL.md}).
 */
package dev.kiln.guest;
