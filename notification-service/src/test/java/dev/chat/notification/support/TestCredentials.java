package dev.chat.notification.support;

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
 * Throw-away credentials made at test time (nothing secret is committed): a Firebase service-account file whose
 * {@code token_uri} is the fake FCM's, an APNs .p8 signing key, and a TLS certificate for the fake APNs server
 * (made with the JDK's keytool) with its PEM for {@code chat.push.apns.trusted-cert-file}.
 */
public final class TestCredentials {

    public static final String PROJECT_ID = "chat-test-project";
    public static final String APNS_KEY_ID = "KEY1234567";
    public static final String APNS_TEAM_ID = "TEAM123456";
    public static final String APNS_TOPIC = "dev.chat.app";

    private TestCredentials() {
    }

    public record Tls(X509Certificate certificate, PrivateKey key, Path certificatePem) {
    }

    public record ApnsKey(Path p8, ECPublicKey publicKey) {
    }

    public static Path serviceAccount(Path dir, String tokenUri) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", "service_account");
            json.put("project_id", PROJECT_ID);
            json.put("private_key_id", "test-key");
            json.put("private_key", pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            json.put("client_email", "push@" + PROJECT_ID + ".iam.gserviceaccount.com");
            json.put("client_id", "1234567890");
            json.put("token_uri", tokenUri);
            Path file = dir.resolve("fcm-service-account.json");
            Files.writeString(file, ChatJson.mapper().writeValueAsString(json));
            return file;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static ApnsKey apnsKey(Path dir) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            Path file = dir.resolve("AuthKey_" + APNS_KEY_ID + ".p8");
            Files.writeString(file, pem("PRIVATE KEY", pair.getPrivate().getEncoded()));
            return new ApnsKey(file, (ECPublicKey) pair.getPublic());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed certificate for localhost, from keytool (the JDK has no API to make one). */
    public static Tls localhostTls(Path dir) {
        Path store = dir.resolve("apns-server.p12");
        char[] password = "changeit".toCharArray();
        try {
            Files.deleteIfExists(store);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1",
                    "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "3650",
                    "-keystore", store.toString(), "-storetype", "PKCS12",
                    "-storepass", new String(password), "-keypass", new String(password))
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, password);
            }
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate("apns");
            PrivateKey key = (PrivateKey) keyStore.getKey("apns", password);
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

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
