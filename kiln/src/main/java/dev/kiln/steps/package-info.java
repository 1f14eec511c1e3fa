/**
 * Build steps ({@code kiln build --run}, {@code steps:} in kiln.yaml): the flattened tree goes
 * onto a sparse scratch ext4 disk, a microVM ({@code dev.kiln.run}) boots it and runs the steps,
 * and the disk is read back by the {@code ext4:} source, so what follows sees an ordinary entry
 * stream. {@link dev.kiln.steps.StepBuild} runs a plan; {@link dev.kiln.steps.StepCache} keeps
 * the tree after each step under a key of the base and the steps so far
 * ({@code StepKeys}), so an unchanged rebuild boots no VM.
 */
package dev.kiln.steps;
