package dev.chat.devstack;

import java.nio.file.Path;
import java.util.List;

/** Processes still alive that a test started, found by a path on their command line. */
final class Leftovers {

    private Leftovers() {
    }

    static List<String> mentioning(Path path) {
        String marker = path.toAbsolutePath().toString();
        return ProcessHandle.allProcesses()
                .filter(ProcessHandle::isAlive)
                .filter(p -> p.pid() != ProcessHandle.current().pid())
                .filter(p -> p.info().commandLine().orElse("").contains(marker))
                .map(p -> p.pid() + " " + p.info().commandLine().orElse(""))
                .toList();
    }

    static List<String> liveDescendants() {
        return ProcessHandle.current().descendants()
                .filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().commandLine().orElse("?"))
                .toList();
    }
}
