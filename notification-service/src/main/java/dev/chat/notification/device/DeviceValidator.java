package dev.chat.notification.device;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.springframework.http.HttpStatus;

import dev.chat.shared.problem.ChatException;
import dev.chat.shared.problem.ErrorCodes;
import dev.chat.shared.problem.Problem;

/**
 * Checks a registration before anything is stored. iOS tokens are APNs device tokens (hex, stored in lower
 * case so that the same token always matches); Android tokens are FCM registration tokens (printable
 * ASCII, no spaces). Lengths are generous: neither provider promises a fixed length.
 */
final class DeviceValidator {

    static final int MAX_TOKEN_LENGTH = 4096;
    static final int MAX_APNS_TOKEN_LENGTH = 200;
    private static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
    private static final Pattern FCM_TOKEN = Pattern.compile("[\\x21-\\x7E]+");
    /** A bundle id (reverse DNS, letters, digits, '-', '.'), or an Android package name (also '_'). */
    private static final Pattern APP_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,254}");

    private DeviceValidator() {
    }

    /** The registration as it will be stored: platform and environment checked, defaults applied, token normalised. */
    record Registration(String platform, String token, String appId, String environment) {
    }

    static Registration validate(DeviceRequest request) {
        List<Problem.FieldError> missing = new ArrayList<>();
        if (request.platform() == null) {
            missing.add(new Problem.FieldError("platform", "is required"));
        }
        if (request.token() == null) {
            missing.add(new Problem.FieldError("token", "is required"));
        }
        if (!missing.isEmpty()) {
            throw new ChatException(HttpStatus.BAD_REQUEST, ErrorCodes.VALIDATION_FAILED,
                    "platform and token are required", missing);
        }
        String platform = request.platform();
        if (!Device.ANDROID.equals(platform) && !Device.IOS.equals(platform)) {
            throw ChatException.invalidField(DeviceErrors.INVALID_PLATFORM, "platform",
                    "platform must be android or ios");
        }
        String token = token(platform, request.token());
        String environment = request.environment() == null ? Device.PRODUCTION : request.environment();
        if (!Device.PRODUCTION.equals(environment) && !Device.SANDBOX.equals(environment)) {
            throw ChatException.invalidField(DeviceErrors.INVALID_ENVIRONMENT, "environment",
                    "environment must be production or sandbox");
        }
        String appId = request.appId() == null || request.appId().isBlank() ? null : request.appId().strip();
        if (appId != null && !APP_ID.matcher(appId).matches()) {
            throw ChatException.invalidField(DeviceErrors.INVALID_APP_ID, "app_id",
                    "app_id must be a bundle id or package name (letters, digits, '.', '-', '_'; at most 255)");
        }
        return new Registration(platform, token, appId, environment);
    }

    /** A token as the path of {@code DELETE /devices/{token}} names it: the stored form, or null if it cannot be one. */
    static String normalise(String token) {
        if (token == null || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return null;
        }
        return HEX.matcher(token).matches() ? token.toLowerCase(Locale.ROOT) : token;
    }

    private static String token(String platform, String raw) {
        String token = raw.strip();
        if (Device.IOS.equals(platform)) {
            if (token.length() % 2 != 0 || token.length() > MAX_APNS_TOKEN_LENGTH || !HEX.matcher(token).matches()) {
                throw ChatException.invalidField(DeviceErrors.INVALID_TOKEN, "token",
                        "an APNs device token is an even number of hex digits (at most " + MAX_APNS_TOKEN_LENGTH + ")");
            }
            return token.toLowerCase(Locale.ROOT);
        }
        if (token.isEmpty() || token.length() > MAX_TOKEN_LENGTH || !FCM_TOKEN.matcher(token).matches()) {
            throw ChatException.invalidField(DeviceErrors.INVALID_TOKEN, "token",
                    "an FCM registration token is 1.." + MAX_TOKEN_LENGTH + " printable characters without spaces");
        }
        // FCM tokens are case-sensitive; only an all-hex one is folded, as DELETE does (such a token is not an FCM one)
        return HEX.matcher(token).matches() ? token.toLowerCase(Locale.ROOT) : token;
    }
}
