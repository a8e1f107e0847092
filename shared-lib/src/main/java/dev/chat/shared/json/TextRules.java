package dev.chat.shared.json;

/**
 * What a text a client sends may not contain: NUL characters (PostgreSQL cannot store them in text) and
 * unpaired UTF-16 surrogates (they are not characters and cannot be encoded as UTF-8). Applied to every
 * JSON string of every request ({@link ChatJson}) and to the token's {@code sub}.
 */
public final class TextRules {

    private TextRules() {
    }

    /** The problem with this text, or null if it is acceptable. */
    public static String problem(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                return "must not contain NUL characters";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return "must not contain unpaired surrogates (not valid Unicode)";
            }
            if (Character.isLowSurrogate(c)) {
                return "must not contain unpaired surrogates (not valid Unicode)";
            }
        }
        return null;
    }

    /** Whether the text has a control character (C0, DEL, C1): never in an identifier. */
    public static boolean hasControlCharacter(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (Character.isISOControl(text.charAt(i))) {
                return true;
            }
        }
        return false;
    }

    /** Thrown by the JSON reader for a string that breaks {@link #problem}: a 400 {@code invalid_text}. */
    public static final class InvalidTextException extends IllegalArgumentException {
        public InvalidTextException(String message) {
            super(message);
        }
    }
}
