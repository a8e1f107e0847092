package dev.chat.notification.device;

/** {@code POST /api/v1/devices}: {@code platform} and {@code token} are required. */
record DeviceRequest(String platform, String token, String appId, String environment) {
}
