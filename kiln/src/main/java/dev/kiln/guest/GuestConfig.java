package dev.kiln.guest;

/** What Kiln adds to an image to make it bootable. */
public record GuestConfig() {
    public static GuestConfig none() {
        return new GuestConfig();
    }
}
