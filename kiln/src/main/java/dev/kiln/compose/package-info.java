/**
 * Composed machines (LinuxKit's model, run by kiln-init alone): several opened images become
 * one entry stream, between flatten and guest.
 *
 * <pre>
 * root images (init: ..., image:)  -- each flattened, merged in order, later wins --+
 * onboot / services / onshutdown   -- each flattened under                          +--> guest -> outputs
 *                                     containers/KIND/NNN-NAME/rootfs, plus config --+
 * </pre>
 *
 * {@link dev.kiln.compose.Machine} says what goes where; {@link dev.kiln.compose.MachineStream}
 * is the stream. Depends on {@code flatten}, {@code guest} (the layout and the config file),
 * {@code image} and {@code entry}; never on {@code source} or {@code output}: the CLI opens the
 * images and hands them over.
 */
package dev.kiln.compose;
