package dev.chat.notification.device;

/** The {@code code} values of the devices API (docs/errors.md). */
final class DeviceErrors {

    static final String INVALID_PLATFORM = "invalid_platform";
    static final String INVALID_TOKEN = "invalid_token";
    static final String INVALID_APP_ID = "invalid_app_id";
    static final String INVALID_ENVIRONMENT = "invalid_environment";
    static final String DEVICE_NOT_FOUND = "device_not_found";

    private DeviceErrors() {
    }
}
