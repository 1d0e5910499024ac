package io.portrait.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.config.PortraitConfig;
import io.portrait.profile.CoreFeatures;
import io.portrait.testing.TestProfiles;
import io.portrait.user.ProfileDocument;
import org.junit.jupiter.api.Test;

/** {@code portrait profile get}'s readable form of a real rendered document. */
class ProfileTextTest {
    @Test
    void everyGroupGetsALine() throws Exception {
        PortraitConfig config = PortraitConfig.defaults();
        CoreFeatures core = TestProfiles.core(200, 5);
        // As readers see it: the stored document with the user's list composed in.
        String doc =
                io.portrait.recommend.RecommendationJson.compose(
                        ProfileDocument.render(
                                1L,
                                "u-42",
                                core,
                                null,
                                null,
                                0,
                                core.lastSeen,
                                config.money(),
                                config.features(),
                                0.25,
                                2),
                        io.portrait.recommend.RecommendationJson.of(
                                io.portrait.testing.TestRecommendations.of(
                                        core.lastSeen, "i-7", "i-9")));
        String text = ProfileText.render(doc);
        assertThat(text).startsWith("u-42  (version " + core.version + ", updated ");
        assertThat(text).contains("  seen ").contains(core.total + " events (");
        assertThat(text).contains("  rfm ").contains(core.orders + " orders");
        assertThat(text).contains("  interests    category-").contains("█");
        assertThat(text).contains("  activity ").contains("tz Europe/London");
        assertThat(text).contains("  propensity   conversion ");
        assertThat(text).contains("  risk         score 0.25 · 2 alerts in 30 d");
        assertThat(text).contains("  recommended  i-7 (view seed), i-9 (view seed)");
        assertThat(text).doesNotContain("segment").doesNotContain("predictions");
        assertThat(ProfileText.render(ProfileDocument.tombstone(1L, 9)))
                .startsWith("erased (version 9)");
    }
}
