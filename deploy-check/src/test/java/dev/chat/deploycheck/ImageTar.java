package dev.chat.deploycheck;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPInputStream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * An image as {@code jib:buildTar} writes it (the {@code docker save} layout): manifest.json, the config
 * blob and one tar (gzip) per layer. Reads the config and the paths of every layer; needs no Docker.
 */
final class ImageTar {

    private static final ObjectMapper JSON = new ObjectMapper();

    final JsonNode config;
    final Set<String> paths;

    private ImageTar(JsonNode config, Set<String> paths) {
        this.config = config;
        this.paths = paths;
    }

    static ImageTar read(Path tar) throws IOException {
        Map<String, byte[]> entries = new HashMap<>();
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
            Tar.entries(in, (name, content) -> entries.put(name, content.readAllBytes()));
        }
        JsonNode manifest = JSON.readTree(entries.get("manifest.json")).get(0);
        JsonNode config = JSON.readTree(entries.get(manifest.get("Config").asText()));
        Set<String> paths = new HashSet<>();
        for (JsonNode layer : manifest.get("Layers")) {
            byte[] blob = entries.get(layer.asText());
            try (InputStream layerIn = new GZIPInputStream(new java.io.ByteArrayInputStream(blob))) {
                Tar.entries(layerIn, (name, content) -> paths.add(name.startsWith("/") ? name : "/" + name));
            }
        }
        return new ImageTar(config, paths);
    }

    List<String> entrypoint() {
        return JSON.convertValue(config.at("/config/Entrypoint"), JSON.getTypeFactory()
                .constructCollectionType(List.class, String.class));
    }

    String label(String name) {
        JsonNode value = config.at("/config/Labels").get(name);
        return value == null ? null : value.asText();
    }

    /** Minimal ustar/GNU reader: names (with the GNU long-name extension) and contents, in order. */
    static final class Tar {

        interface Visitor {
            void entry(String name, InputStream content) throws IOException;
        }

        static void entries(InputStream in, Visitor visitor) throws IOException {
            byte[] header = new byte[512];
            String longName = null;
            while (in.readNBytes(header, 0, 512) == 512) {
                if (header[0] == 0) {
                    return;
                }
                String name = longName != null ? longName : field(header, 0, 100);
                String prefix = field(header, 345, 155);
                if (longName == null && !prefix.isEmpty() && header[257] == 'u') {
                    name = prefix + "/" + name;
                }
                longName = null;
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                byte type = header[156];
                byte[] content = in.readNBytes((int) size);
                in.skipNBytes((512 - size % 512) % 512);
                if (type == 'L') {
                    longName = new String(content, StandardCharsets.UTF_8).replace("\0", "");
                } else if (type == '0' || type == 0) {
                    visitor.entry(name, new java.io.ByteArrayInputStream(content));
                } else if (type == '5' || type == '2' || type == '1') {
                    visitor.entry(name, InputStream.nullInputStream());
                }
            }
        }

        private static String field(byte[] header, int offset, int length) {
            int end = offset;
            while (end < offset + length && header[end] != 0) {
                end++;
            }
            return new String(header, offset, end - offset, StandardCharsets.UTF_8);
        }
    }
}
