package dev.chat.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.json.JsonMapper;

/**
 * Throw-away push credentials made for a run (nothing secret is committed): a Firebase service-account file whose
 * {@code token_uri} is the fake FCM's, an APNs .p8 key, and a localhost TLS certificate for the fake APNs
 * (from the JDK's keytool), with its PEM for {@code chat.push.apns.trusted-cert-file}.
 */
final class PushCredentials {

    static final String PROJECT_ID = "chat-bench";
    static final String APNS_TOPIC = "dev.chat.bench";

    record Tls(X509Certificate certificate, PrivateKey key, Path certificatePem) {
    }

    private PushCredentials() {
    }

    static Path serviceAccount(Path dir, String tokenUri) {
        try {
            KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
            rsa.initialize(2048);
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("type", "service_account");
            json.put("project_id", PROJECT_ID);
            json.put("private_key_id", "bench");
            json.put("private_key", pem("PRIVATE KEY", rsa.generateKeyPair().getPrivate().getEncoded()));
            json.put("client_email", "push@" + PROJECT_ID + ".iam.gserviceaccount.com");
            json.put("client_id", "1");
            json.put("token_uri", tokenUri);
            Path file = Files.createDirectories(dir).resolve("fcm-service-account.json");
            Files.writeString(file, JsonMapper.builder().build().writeValueAsString(json));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Path apnsKey(Path dir) {
        try {
            KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
            ec.initialize(new ECGenParameterSpec("secp256r1"));
            Path file = Files.createDirectories(dir).resolve("apns-key.p8");
            Files.writeString(file, pem("PRIVATE KEY", ec.generateKeyPair().getPrivate().getEncoded()));
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static Tls localhostTls(Path dir) {
        try {
            Files.createDirectories(dir);
            Path store = dir.resolve("apns-server.p12");
            Files.deleteIfExists(store);
            Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                    "-genkeypair", "-alias", "apns", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
                    "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "3650", "-keystore", store.toString(),
                    "-storetype", "PKCS12", "-storepass", "changeit", "-keypass", "changeit")
                    .redirectErrorStream(true).start();
            String output = new String(keytool.getInputStream().readAllBytes());
            if (!keytool.waitFor(60, TimeUnit.SECONDS) || keytool.exitValue() != 0) {
                throw new IllegalStateException("keytool failed: " + output);
            }
            KeyStore keyStore = KeyStore.getInstance("PKCS12");
            try (InputStream in = Files.newInputStream(store)) {
                keyStore.load(in, "changeit".toCharArray());
            }
            X509Certificate certificate = (X509Certificate) keyStore.getCertificate("apns");
            Path pem = dir.resolve("apns-ca.pem");
            Files.writeString(pem, pem("CERTIFICATE", certificate.getEncoded()));
            return new Tls(certificate, (PrivateKey) keyStore.getKey("apns", "changeit".toCharArray()), pem);
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
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
