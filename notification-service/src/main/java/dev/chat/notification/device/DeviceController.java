package dev.chat.notification.device;

import java.net.URI;
import java.time.Clock;
import java.time.Instant;

import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriUtils;

import dev.chat.notification.push.PushProperties;
import dev.chat.shared.auth.ChatUser;
import dev.chat.shared.json.ChatJson;
import dev.chat.shared.problem.ChatException;
import reactor.core.publisher.Mono;

/**
 * {@code /api/v1/devices}: the caller's push registrations (API.md "Devices"). The caller is always the
 * token's {@code sub}; a user sees and deletes only their own devices (another's token is 404).
 */
@RestController
class DeviceController {

    private final DeviceStore devices;
    private final PushProperties properties;
    private final Clock clock;

    DeviceController(DeviceStore devices, PushProperties properties, Clock clock) {
        this.devices = devices;
        this.properties = properties;
        this.clock = clock;
    }

    /** 201 for a new token, 200 when the token was registered before (by anyone: it is now the caller's). */
    @PostMapping("/api/v1/devices")
    Mono<ResponseEntity<DeviceView>> register(@RequestBody DeviceRequest request) {
        DeviceValidator.Registration registration = DeviceValidator.validate(request);
        Instant now = ChatJson.truncate(clock.instant());
        return ChatUser.current()
                .flatMap(user -> devices.register(user.id(), registration, now)
                        .flatMap(registered -> devices.trim(user.id(), properties.maxDevicesPerUser())
                                .thenReturn(registered)))
                .map(registered -> registered.created()
                        ? ResponseEntity.created(URI.create("/api/v1/devices/"
                                + UriUtils.encodePathSegment(registered.device().token(), "UTF-8")))
                                .body(DeviceView.of(registered.device()))
                        : ResponseEntity.ok(DeviceView.of(registered.device())));
    }

    @GetMapping("/api/v1/devices")
    Mono<DeviceView.DeviceList> mine() {
        return ChatUser.current()
                .flatMap(user -> devices.ofUser(user.id()).map(DeviceView::of).collectList())
                .map(DeviceView.DeviceList::new);
    }

    /** 204; 404 {@code device_not_found} when the token is not registered, or not to the caller. */
    @DeleteMapping("/api/v1/devices/{token}")
    Mono<ResponseEntity<Void>> unregister(@PathVariable String token) {
        String stored = DeviceValidator.normalise(token);
        Mono<Boolean> deleted = stored == null ? Mono.just(false)
                : ChatUser.current().flatMap(user -> devices.unregister(user.id(), stored));
        return deleted.map(found -> {
            if (!found) {
                throw new ChatException(HttpStatus.NOT_FOUND, DeviceErrors.DEVICE_NOT_FOUND,
                        "No such device of yours");
            }
            return ResponseEntity.noContent().<Void>build();
        });
    }
}
