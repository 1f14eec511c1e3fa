package dev.kiln.source.registry;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Plain HTTP only where Docker allows it: loopback, and what --insecure-registry names. */
class ConnectionsTest {
    @ParameterizedTest
    @CsvSource({
            "localhost, true", "localhost:5000, true", "127.0.0.1:5000, true", "127.5.6.7, true",
            "[::1]:5000, true", "[::1], true",
            "registry.example:5000, true", "registry.example, false", "other.example:5000, false",
            "10.0.0.1:5000, true", "10.0.0.1:6000, false", "ghcr.io, false", "128.0.0.1:5000, false",
            "localhost.evil.example, false"})
    void plainHttpPolicy(String hostPort, boolean allowed) {
        Connections t = new Connections(List.of("registry.example:5000", "10.0.0.1:5000"), null);
        assertThat(t.allowsPlainHttp(hostPort)).isEqualTo(allowed);
    }

    @ParameterizedTest
    @CsvSource({"h:5000, h", "h, h", "[::1]:5000, [::1]", "[::1], [::1]"})
    void hostOf(String hostPort, String host) {
        assertThat(Connections.hostOf(hostPort)).isEqualTo(host);
    }
    /** What a failed connection says: the JDK's words without its class names. */
    @org.junit.jupiter.api.Test
    void connectionFailuresAreDescribedWithoutJavaClassNames() {
        assertThat(RegistryClient.describe(new javax.net.ssl.SSLHandshakeException("PKIX path building failed:"
                + " sun.security.provider.certpath.SunCertPathBuilderException: unable to find valid certification path"
                + " to requested target"))).isEqualTo("TLS: the server's certificate is not signed by a CA this machine"
                + " trusts; for a private CA pass --ca-cert FILE");
        assertThat(RegistryClient.describe(new javax.net.ssl.SSLHandshakeException("No subject alternative names"
                + " matching IP address 127.0.0.1 found"))).startsWith("TLS: the server's certificate is not for this host");
        assertThat(RegistryClient.describe(new java.io.IOException("java.io.EOFException: EOF reached while reading")))
                .isEqualTo("EOF reached while reading");
        assertThat(RegistryClient.describe(new java.io.IOException())).isEqualTo("connection failed");
    }
}
