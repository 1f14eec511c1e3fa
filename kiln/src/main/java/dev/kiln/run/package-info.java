/**
 * QEMU, for {@code kiln run} and for the build steps' VM: the command line for each machine
 * type and architecture ({@link dev.kiln.run.Qemu}, {@link dev.kiln.run.Arch}), the KVM probe
 * that decides between KVM and TCG, the kernel file's architecture, and reading kiln-init's exit
 * status from the console. Knows images only through their config; never opens a source.
 */
package dev.kiln.run;
