/**
 * One build, start to end, and Kiln's library API.
 *
 * <p>The API is three types: {@link dev.kiln.build.Kiln#build} runs a build described by
 * {@link dev.kiln.build.BuildOptions} (a builder with the options of a kiln.yaml spec file) and
 * returns a {@link dev.kiln.build.BuildResult} (what {@code kiln build --json} prints);
 * failures are {@link dev.kiln.KilnException}s with a one-line message ({@link
 * dev.kiln.build.Failures#describe} for any other exception). {@code kiln build} is a user of
 * this API, like any Java program.
 *
 * <p>Behind it, {@link dev.kiln.build.BuildPipeline} is the one place that knows every stage
 * (source, flatten, guest, output) and joins them; {@link dev.kiln.build.Progress} draws the
 * terminal display. The other public types here serve the CLI and the tests, and may change.
 */
package dev.kiln.build;
