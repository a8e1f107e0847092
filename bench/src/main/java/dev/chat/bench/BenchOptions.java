package dev.chat.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A benchmark's {@code --name=value} options. Every argument must be one of the benchmark's known options: a typo
 * ({@code --rat=300}) is refused with the list of known ones instead of silently running the default. A value that
 * does not parse is refused with the option's name.
 */
final class BenchOptions {

    private final Map<String, String> values;
    private final boolean exitOnError;

    private BenchOptions(Map<String, String> values, boolean exitOnError) {
        this.values = values;
        this.exitOnError = exitOnError;
    }

    /** @throws IllegalArgumentException for an argument that is not {@code --name=value} of a known name */
    static BenchOptions parse(String[] args, String... known) {
        return parse(args, false, known);
    }

    /** {@link #parse}, or the reason on stderr and exit status 2; so too later for a value that does not parse. */
    static BenchOptions parseOrExit(String[] args, String... known) {
        try {
            return parse(args, true, known);
        } catch (IllegalArgumentException e) {
            throw exit(e);
        }
    }

    private static BenchOptions parse(String[] args, boolean exitOnError, String... known) {
        Set<String> names = new TreeSet<>(Arrays.asList(known));
        Map<String, String> values = new LinkedHashMap<>();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (!arg.startsWith("--") || equals < 3) {
                throw new IllegalArgumentException("not an option --name=value: '" + arg + "'; known: " + list(names));
            }
            String name = arg.substring(2, equals);
            if (!names.contains(name)) {
                throw new IllegalArgumentException("unknown option --" + name + "; known: " + list(names));
            }
            values.put(name, arg.substring(equals + 1));
        }
        return new BenchOptions(values, exitOnError);
    }

    String text(String name, String otherwise) {
        return values.getOrDefault(name, otherwise);
    }

    int integer(String name, int otherwise) {
        return parsed(name, Integer.toString(otherwise), "a whole number", Integer::parseInt);
    }

    double decimal(String name, double otherwise) {
        return parsed(name, Double.toString(otherwise), "a number", Double::parseDouble);
    }

    /** {@code 50ms}, {@code 15s}, {@code 30m}, {@code 1h}, {@code 1m30s}. */
    Duration duration(String name, String otherwise) {
        return parsed(name, otherwise, "a duration like 50ms, 15s or 30m", BenchOptions::duration);
    }

    /** A comma-separated list, blanks dropped. */
    List<String> list(String name, String otherwise) {
        return Arrays.stream(text(name, otherwise).split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** A comma-separated list of whole numbers. */
    int[] integers(String name, String otherwise) {
        return parsed(name, otherwise, "whole numbers separated by commas",
                text -> Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .mapToInt(Integer::parseInt).toArray());
    }

    /** A comma-separated list of numbers. */
    double[] decimals(String name, String otherwise) {
        return parsed(name, otherwise, "numbers separated by commas",
                text -> Arrays.stream(text.split(",")).map(String::strip).filter(s -> !s.isEmpty())
                        .mapToDouble(Double::parseDouble).toArray());
    }

    static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        if (t.endsWith("ms")) {
            return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
        }
        return Duration.parse("PT" + t.toUpperCase(Locale.ROOT));
    }

    private <T> T parsed(String name, String otherwise, String what, java.util.function.Function<String, T> parser) {
        String text = values.getOrDefault(name, otherwise);
        try {
            return parser.apply(text);
        } catch (RuntimeException e) {
            IllegalArgumentException refused = new IllegalArgumentException(
                    "--" + name + " must be " + what + ", not '" + text + "'", e);
            throw exitOnError ? exit(refused) : refused;
        }
    }

    private static IllegalArgumentException exit(IllegalArgumentException e) {
        System.err.println("bench: " + e.getMessage());
        System.exit(2);
        return e;
    }

    private static String list(Set<String> names) {
        return String.join(", ", names.stream().map(n -> "--" + n).toList());
    }
}
