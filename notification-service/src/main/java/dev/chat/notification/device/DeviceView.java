package dev.chat.notification.device;

import java.time.Instant;
import java.util.List;

/** A device as the API shows it (API.md "Devices"): every field always present. */
record DeviceView(String platform, String token, String appId, String environment, Instant createdAt) {

    static DeviceView of(Device device) {
        return new DeviceView(device.platform(), device.token(), device.appId(), device.environment(),
                device.createdAt());
    }

    /** {@code GET /api/v1/devices}. */
    record DeviceList(List<DeviceView> devices) {
    }
}
