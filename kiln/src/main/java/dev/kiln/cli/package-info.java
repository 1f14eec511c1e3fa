/**
 * The commands (picocli) and the one place that knows every stage: {@link dev.kiln.cli.BuildPipeline}
 * runs source, flatten (or compose, or steps), guest and outputs for a build request. Every build
 * option is declared once in {@code BuildKeys}; flags and kiln.yaml are both read from that schema.
 */
package dev.kiln.cli;
