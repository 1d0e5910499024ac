package io.portrait;

import io.portrait.control.ControlMessage;
import io.portrait.control.ControlRecord;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import io.portrait.profile.ProfileRecord;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every type on the wire or in operator state is serialized by Flink's POJO serializer, never Kryo,
 * so savepoints survive upgrades and schema evolution works. (The user state is one byte array with
 * its own versioned codec: UserStateCodecTest.)
 */
class SerializationTest {

    @ParameterizedTest
    @ValueSource(
            classes = {
                Event.class,
                DeadLetter.class,
                Ingested.class,
                ControlMessage.class,
                ControlRecord.class,
                ProfileRecord.class,
                io.portrait.user.UserInput.class,
                io.portrait.anomaly.Alert.class,
                io.portrait.profile.ProfileChange.class,
                io.portrait.segment.ClusterDelta.class,
                io.portrait.segment.AggregatorState.class,
                io.portrait.segment.SegmentModel.class,
                io.portrait.predict.ModelRef.class,
                io.portrait.anomaly.Enriched.class,
                io.portrait.recommend.ItemSignal.class,
                io.portrait.recommend.NeighbourList.class,
                io.portrait.recommend.RecommendationPart.class,
                io.portrait.recommend.RecommendationLog.class,
                io.portrait.recommend.RecentItemsState.class,
                io.portrait.recommend.ItemCount.class,
                io.portrait.recommend.ItemNeighboursState.class,
                io.portrait.recommend.RecommenderState.class
            })
    void isAPojoWithoutKryo(Class<?> type) {
        PojoTestUtils.assertSerializedAsPojoWithoutKryo(type);
    }
}
