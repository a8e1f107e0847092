package dev.chat.notification.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

import dev.chat.shared.problem.ChatException;

class DeviceValidatorTest {

    @Test
    void apnsTokensAreStoredInLowerCaseAndDefaultsApply() {
        DeviceValidator.Registration r = DeviceValidator.validate(new DeviceRequest("ios", " ABCDEF0123 ", " dev.chat.app ", null));
        assertThat(r.token()).isEqualTo("abcdef0123");
        assertThat(r.appId()).isEqualTo("dev.chat.app");
        assertThat(r.environment()).isEqualTo("production");
    }

    @Test
    void fcmTokensKeepTheirCase() {
        DeviceValidator.Registration r = DeviceValidator.validate(new DeviceRequest("android", "dXk:APA91b_Ab-Cd", null, "sandbox"));
        assertThat(r.token()).isEqualTo("dXk:APA91b_Ab-Cd");
        assertThat(r.appId()).isNull();
    }

    @Test
    void theDeletePathIsNormalisedLikeARegistration() {
        assertThat(DeviceValidator.normalise("ABCD")).isEqualTo("abcd");
        assertThat(DeviceValidator.normalise("dXk:APA91b")).isEqualTo("dXk:APA91b");
        assertThat(DeviceValidator.normalise("")).isNull();
    }

    @Test
    void eachBadFieldHasItsCode() {
        assertCode(new DeviceRequest(null, "t", null, null), "validation_failed");
        assertCode(new DeviceRequest("blackberry", "t", null, null), "invalid_platform");
        assertCode(new DeviceRequest("ios", "abc", null, null), "invalid_token");
        assertCode(new DeviceRequest("ios", "a".repeat(202), null, null), "invalid_token");
        assertCode(new DeviceRequest("android", "tab\tbed", null, null), "invalid_token");
        assertCode(new DeviceRequest("android", "t", null, "prod"), "invalid_environment");
        assertCode(new DeviceRequest("android", "t", "-starts-with-dash", null), "invalid_app_id");
    }

    private static void assertCode(DeviceRequest request, String code) {
        assertThatThrownBy(() -> DeviceValidator.validate(request))
                .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(code));
    }
}
