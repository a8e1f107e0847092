package dev.chat.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.chat.shared.json.ChatJson;

/**
 * Throw-away push credentials made at run time (nothing secret is committed), for the fake providers of the
 * notification-service tests, the end-to-end suite and the benchmarks: a Firebase service-account file whose
 * {@code token_uri} is the fake FCM's, an APNs .p8 signing key, and a localhost TLS certificate for the fake APNs
 * server (made with the JDK's keytool: the JDK has no API to make one) with its PEM for
 * {@code chat.push.apns.trusted-cert-file}.
 */
public final class PushCredentials {

    private static final String PASSWORD = "changeit";

    public record Tls(X509Certificate certificate, PrivateKey key, Path certificatePem) {
    }

    public record ApnsKey(Path p8, ECPublicKey publicKey) {
    }

    private PushCredentials() {
    }

    /** {@code dir}/fcm-service-account.json, with a fresh RSA key. */
    public static Path serviceAccount(Path dir, String projectId, String tokenUri) {
        try {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", "service_account");
            json.put("project_id", projectId);
            json.put("private_key_id", "test-key");
            json.put("private_key", pem("PRIVATE KEY", rsa.generateKeyPair().getPrivate().getEncoded()));
            json.put("client_email", "push@" + projectId + ".iam.gserviceaccount.com");
            json.put("client_id", "1234567890");
            json.put("token_uri", tokenUri);
            Path file = Files.createDirectories(dir).resolve("fcm-service-account.json");
            Files.writeString(file, ChatJson.mapper().writeValueAsString(json));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code dir}/{@code fileName}: a fresh P-256 key as an APNs .p8 file, and its public half. */
    public static ApnsKey apnsKey(Path dir, String fileName) {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = ec.generateKeyPair();
            Path file = Files.createDirectories(dir).resolve(fileName);
            Files.writeString(file, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            return new ApnsKey(file, (ECPublicKey) pair.getPublic());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed certificate for localhost and 127.0.0.1, its key, and {@code dir}/apns-server-ca.pem. */
    public static Tls localhostTls(Path dir) {
        try {
            Path store = Files.createDirectories(dir).resolve("apns-server.p12");
            Files.deleteIfExists(store);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "3650",
                    "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD)
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, PASSWORD.toCharArray());
            }
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate("apns");
            PrivateKey key = (PrivateKey) keyStore.getKey("apns", PASSWORD.toCharArray());
            Path pem = dir.resolve("apns-server-ca.pem");
            Files.writeString(pem, pem("CERTIFICATE", certificate.getEncoded()));
            return new Tls(certificate, key, pem);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
