package dev.chat.devstack;

import java.io.IOException;
import java.io.OutputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;

/** A project root whose four modules have an executable jar running {@link FakeService}. */
final class FakeProject {

    private FakeProject() {
    }

    /** With the Spring-Boot-Version manifest attribute, so that the stack extracts it (FakeService mimics the tool). */
    static Path create(Path root) throws IOException {
        return create(root, true);
    }

    static Path create(Path root, boolean springBootLike) throws IOException {
        Path classes;
        try {
            classes = Path.of(FakeService.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        } catch (URISyntaxException e) {
            throw new IOException(e);
        }
        Path packageDir = classes.resolve("dev/chat/devstack");
        List<Path> classFiles;
        try (Stream<Path> files = Files.list(packageDir)) {
            classFiles = files.filter(f -> f.getFileName().toString().startsWith("FakeService")).toList();
        }
        Manifest manifest = new Manifest();
        manifest.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        manifest.getMainAttributes().put(Attributes.Name.MAIN_CLASS, FakeService.class.getName());
        if (springBootLike) {
            manifest.getMainAttributes().putValue("Spring-Boot-Version", "4.0.7");
        }
        for (String service : ChatStack.SERVICES) {
            Path target = Files.createDirectories(root.resolve(service).resolve("target"));
            Path jar = target.resolve(service + "-0.1.0-SNAPSHOT-exec.jar");
            try (OutputStream file = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(file, manifest)) {
                for (Path classFile : classFiles) {
                    out.putNextEntry(new JarEntry("dev/chat/devstack/" + classFile.getFileName()));
                    Files.copy(classFile, out);
                    out.closeEntry();
                }
            }
        }
        return root;
    }
}
