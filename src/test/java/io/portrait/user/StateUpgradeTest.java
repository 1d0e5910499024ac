package io.portrait.user;

import static io.portrait.testing.TestEvents.at;
import static io.portrait.testing.TestEvents.purchase;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.portrait.config.PortraitConfig;
import io.portrait.event.Event;
import io.portrait.event.EventType;
import io.portrait.profile.ProfileRecord;
import io.portrait.testing.Harnesses;
import java.util.Map;
import org.apache.flink.streaming.util.OperatorSnapshotUtil;
import org.junit.jupiter.api.Test;

/**
 * State compatibility: {@code user-operator-format-1.snapshot} was taken by the first user operator
 * (format 1 of {@link UserStateCodec}; three users: one with purchases of one order, a view and an
 * alert read back, one with a login, one erased). Every later build must restore it with everything
 * the users had: a later format reads format 1 in its own branch of the codec, and this test keeps
 * that promise checked. Never regenerate the file.
 */
class StateUpgradeTest {
    static final long T0 = 1_764_000_000_000L;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String SNAPSHOT = "src/test/resources/savepoints/user-operator-format-1.snapshot";

    static void send(
            org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness<
                            String, UserInput, io.portrait.control.ControlMessage, ProfileRecord>
                    h,
            Event e)
            throws Exception {
        h.processElement1(UserInput.of(e), e.ts());
    }

    static JsonNode last(Iterable<ProfileRecord> out, String user) throws Exception {
        JsonNode found = null;
        for (ProfileRecord r : out) {
            if (r.userId().equals(user)) {
                found = JSON.readTree(r.json());
            }
        }
        return found;
    }

    @Test
    void restoresTheFirstUserStateFormat() throws Exception {
        var old = OperatorSnapshotUtil.readStateHandle(SNAPSHOT);
        PortraitConfig config =
                PortraitConfig.defaults().with(Map.of("portrait.profile.epoch", "999"));
        try (var h = Harnesses.user(config, Harnesses.rocksDb(), old)) {
            assertThat(((UserOperator) h.getOperator()).epoch())
                    .as("the epoch comes from the state, not the new setting")
                    .isEqualTo(100);
            send(h, purchase("u1", "p2", T0 + 2_000, "o1", 500)); // a duplicate still
            send(h, purchase("u1", "p3", T0 + 3_000, "o1", 250)); // another line of o1
            send(h, at("u2", "y", EventType.VIEW, T0 + 5_000).build());
            send(h, at("u3", "b", EventType.VIEW, T0 + 6_000).build());
            h.prepareSnapshotPreBarrier(2);

            JsonNode u1 = last(h.extractOutputValues(), "u1");
            assertThat(u1.get("epoch").asLong()).isEqualTo(100);
            assertThat(u1.get("version").asLong()).as("continues from the stored 3").isEqualTo(4);
            assertThat(u1.get("counts").get("total").asLong()).isEqualTo(4);
            assertThat(u1.get("rfm").get("orders").asLong())
                    .as("order o1 was remembered across the restore")
                    .isEqualTo(1);
            assertThat(u1.get("rfm").get("purchase_amount").asDouble()).isEqualTo(17.50);
            assertThat(u1.get("interests").has("books")).isTrue();
            assertThat(u1.get("risk").get("alerts_30d").asInt())
                    .as("the alert read back before the snapshot")
                    .isEqualTo(1);
            assertThat(u1.get("predictions").get("model_version").asText())
                    .isEqualTo("next-action-v1");

            JsonNode u2 = last(h.extractOutputValues(), "u2");
            assertThat(u2.get("version").asLong()).isEqualTo(2);
            assertThat(u2.get("counts").get("login").asLong()).isEqualTo(1);

            JsonNode u3 = last(h.extractOutputValues(), "u3");
            assertThat(u3.get("version").asLong())
                    .as("after the erase, versions move on from the floor")
                    .isEqualTo(3);
            assertThat(u3.get("counts").get("total").asLong()).isEqualTo(1);
        }
    }
}
