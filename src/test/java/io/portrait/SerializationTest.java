package io.portrait;

import static org.assertj.core.api.Assertions.assertThat;

import io.portrait.control.ControlMessage;
import io.portrait.control.ControlRecord;
import io.portrait.event.DeadLetter;
import io.portrait.event.Event;
import io.portrait.event.Ingested;
import io.portrait.profile.AssemblerState;
import io.portrait.profile.CoreFeatures;
import io.portrait.profile.ProfilePart;
import io.portrait.profile.ProfileRecord;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.types.PojoTestUtils;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every type in state or on the wire is serialized by Flink's POJO serializer, never Kryo, so
 * savepoints survive upgrades and schema evolution works.
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
                CoreFeatures.class,
                ProfilePart.class,
                AssemblerState.class,
                ProfileRecord.class,
                io.portrait.anomaly.Alert.class,
                io.portrait.profile.ProfileChange.class,
                io.portrait.quality.BotState.class,
                io.portrait.segment.SegmentPart.class,
                io.portrait.segment.SegmentState.class,
                io.portrait.segment.ClusterDelta.class,
                io.portrait.segment.AggregatorState.class,
                io.portrait.segment.SegmentModel.class,
                io.portrait.predict.PredictionState.class,
                io.portrait.predict.PredictionPart.class,
                io.portrait.predict.ModelRef.class,
                io.portrait.predict.StepInput.class,
                io.portrait.anomaly.Enriched.class,
                io.portrait.anomaly.CardTesting.SmallOrders.class,
                io.portrait.anomaly.ImpossibleTravel.LastPlace.class,
                io.portrait.anomaly.RiskSignal.class,
                io.portrait.anomaly.RuleAcc.class,
                io.portrait.anomaly.RulesState.class,
                io.portrait.profile.RiskState.class,
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

    @ParameterizedTest
    @ValueSource(classes = {CoreFeatures.class})
    void roundTripsWithNullsAndArrays(Class<?> ignored) throws Exception {
        CoreFeatures f = new CoreFeatures();
        f.version = 7;
        f.total = 6;
        f.typeCounts[3] = 2;
        f.lastPurchaseAt = null;
        f.purchaseMinor = 12_345;
        TypeSerializer<CoreFeatures> s =
                TypeInformation.of(CoreFeatures.class).createSerializer(new SerializerConfigImpl());
        DataOutputSerializer out = new DataOutputSerializer(64);
        s.serialize(f, out);
        CoreFeatures back = s.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
        assertThat(back).isEqualTo(f);
    }
}
