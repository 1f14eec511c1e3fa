package dev.kiln.source.registry;

import dev.kiln.KilnException;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

/**
 * Connection policy: TLS by default (with an extra CA from --ca-cert), plain HTTP allowed only
 * for loopback hosts (as Docker does) and hosts named by --insecure-registry.
 */
final class Connections {
    private final HttpClient http;
    private final List<String> insecure;

    Connections(List<String> insecureRegistries, Path caCert) {
        this.insecure = List.copyOf(insecureRegistries);
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(30))
                // Redirects are followed by hand so that credentials never travel to another host.
                .followRedirects(HttpClient.Redirect.NEVER);
        if (caCert != null) {
            b.sslContext(sslContextWith(caCert));
        }
        this.http = b.build();
    }

    HttpClient http() {
        return http;
    }

    /** Whether plain HTTP may be used for {@code hostPort} ("host", "host:5000", "[::1]:5000"). */
    boolean allowsPlainHttp(String hostPort) {
        if (insecure.contains(hostPort) || insecure.contains(hostOf(hostPort))) {
            return true;
        }
        String host = hostOf(hostPort);
        if (host.equals("localhost")) {
            return true;
        }
        String literal = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
        // Only literal addresses: resolving names here would make the policy depend on DNS.
        if (!literal.matches("[0-9.]+") && !literal.contains(":")) {
            return false;
        }
        try {
            return InetAddress.getByName(literal).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    static String hostOf(String hostPort) {
        if (hostPort.startsWith("[")) {
            int end = hostPort.indexOf(']');
            return end > 0 ? hostPort.substring(0, end + 1) : hostPort;
        }
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 ? hostPort.substring(0, colon) : hostPort;
    }

    private static SSLContext sslContextWith(Path caCert) {
        try {
            // The JDK's default trust store plus every certificate in the PEM file.
            TrustManagerFactory defaults = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            defaults.init((KeyStore) null);
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (var tm : defaults.getTrustManagers()) {
                if (tm instanceof javax.net.ssl.X509TrustManager x) {
                    for (X509Certificate c : x.getAcceptedIssuers()) {
                        store.setCertificateEntry("default-" + n++, c);
                    }
                }
            }
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            int added = 0;
            try (InputStream in = Files.newInputStream(caCert)) {
                for (Certificate c : cf.generateCertificates(in)) {
                    store.setCertificateEntry("ca-cert-" + added++, c);
                }
            }
            if (added == 0) {
                throw new KilnException(caCert + ": no certificate found");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(store);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (IOException e) {
            throw new KilnException(caCert + ": cannot load CA certificate", e);
        } catch (GeneralSecurityException e) {
            throw new KilnException(caCert + ": not a usable PEM CA certificate", e);
        }
    }
}
