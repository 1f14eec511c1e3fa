/**
 * The commands (picocli). Every build option is declared once in {@code BuildKeys}; flags and
 * kiln.yaml are both read from that schema into {@link dev.kiln.build.BuildOptions}, and
 * {@code kiln build} runs them with {@link dev.kiln.build.Kiln#build}, as any library caller does.
 */
package dev.kiln.cli;
