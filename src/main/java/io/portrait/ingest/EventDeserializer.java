package io.portrait.ingest;

import io.portrait.config.PortraitConfig;
import io.portrait.event.Ingested;
import java.time.Clock;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Parses each Kafka record in the source reader, so that watermarks are generated per partition
 * from valid timestamps only. Emits exactly one {@link Ingested} per record; never throws for bad
 * input. The clock (for the far-future rule) is injectable for tests.
 */
public final class EventDeserializer implements KafkaRecordDeserializationSchema<Ingested> {

    private final PortraitConfig config;
    private final Clock clock;
    private transient EventParser parser;

    public EventDeserializer(PortraitConfig config, Clock clock) {
        this.config = config;
        this.clock = clock;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        parser = new EventParser(config);
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<Ingested> out) {
        if (parser == null) {
            parser = new EventParser(config);
        }
        out.collect(
                parser.parse(
                        record.key(),
                        record.value(),
                        new EventParser.Source(record.topic(), record.partition(), record.offset()),
                        clock.millis()));
    }

    @Override
    public TypeInformation<Ingested> getProducedType() {
        return TypeInformation.of(Ingested.class);
    }
}
