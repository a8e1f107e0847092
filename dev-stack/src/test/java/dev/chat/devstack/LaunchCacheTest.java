package dev.chat.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LaunchCacheTest {

    @TempDir
    Path tmp;

    private final ProcessRegistry registry = new ProcessRegistry(null);

    @Test
    void aSpringBootJarIsExtractedOncePerBuildAndOldBuildsAreDropped() throws Exception {
        Path jar = FakeProject.create(tmp.resolve("project"), true)
                .resolve("message-service/target/message-service-0.1.0-SNAPSHOT-exec.jar");
        LaunchCache cache = new LaunchCache(tmp.resolve("cache"));
        Path log = tmp.resolve("logs/message-service.log");

        LaunchCache.Launch first = prepare(cache, jar, log);
        Path extracted = Path.of(first.arguments().get(1));
        assertThat(first.note()).isNull();
        assertThat(first.arguments().get(0)).isEqualTo("-jar");
        assertThat(extracted).startsWith(tmp.resolve("cache/message-service")).hasFileName(jar.getFileName().toString()).exists();
        assertThat(log).content().contains("fake jarmode: extracted");

        LaunchCache.Launch locked = prepare(cache, jar, log); // while the first launch holds the service's directory
        assertThat(locked.arguments()).containsExactly("-jar", jar.toString());
        assertThat(locked.note()).contains("in use by another stack");
        first.lock().close();

        Files.delete(log);
        LaunchCache.Launch again = prepare(cache, jar, log);
        assertThat(again.arguments().get(1)).isEqualTo(extracted.toString());
        assertThat(log).doesNotExist(); // not extracted again
        again.lock().close();

        Files.setLastModifiedTime(jar, FileTime.from(Instant.now().plusSeconds(5))); // a new build
        LaunchCache.Launch rebuilt = prepare(cache, jar, log);
        assertThat(rebuilt.arguments().get(1)).isNotEqualTo(extracted.toString());
        assertThat(extracted).doesNotExist();
        rebuilt.lock().close();
    }

    @Test
    void otherJarsAndFailuresRunFromTheJarItself() throws Exception {
        Path plain = FakeProject.create(tmp.resolve("plain"), false)
                .resolve("gateway-service/target/gateway-service-0.1.0-SNAPSHOT-exec.jar");
        assertThat(prepare(new LaunchCache(tmp.resolve("cache")), plain, tmp.resolve("gw.log")).arguments())
                .containsExactly("-jar", plain.toString());
        assertThat(prepare(new LaunchCache(null), plain, tmp.resolve("gw.log")).arguments())
                .containsExactly("-jar", plain.toString());

        Path boot = FakeProject.create(tmp.resolve("boot"), true)
                .resolve("gateway-service/target/gateway-service-0.1.0-SNAPSHOT-exec.jar");
        Files.createDirectories(tmp.resolve("not-a-dir"));
        Files.writeString(tmp.resolve("not-a-dir/cache"), "a file where the cache directory should be");
        LaunchCache.Launch broken = prepare(new LaunchCache(tmp.resolve("not-a-dir/cache")), boot, tmp.resolve("gw.log"));
        assertThat(broken.arguments()).containsExactly("-jar", boot.toString());
        assertThat(broken.note()).startsWith("launch cache not used");
    }

    private LaunchCache.Launch prepare(LaunchCache cache, Path jar, Path log) throws Exception {
        Files.createDirectories(log.getParent());
        return cache.prepare("message-service", jar, ChatStack.javaBinary(), System.getenv(), log, registry);
    }
}
