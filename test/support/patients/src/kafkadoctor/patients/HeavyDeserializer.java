package kafkadoctor.patients;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * A value deserializer that burns CPU on every record, so a thread dump shows the consumer thread hot
 * in deserialization (user code) rather than in the Kafka client's network layer. The cost per record
 * comes from the consumer property `kafka.doctor.deserializer.cost.us` (default 2000 µs).
 */
public final class HeavyDeserializer implements Deserializer<String> {
  static final String COST_PROPERTY = "kafka.doctor.deserializer.cost.us";
  private long costNanos = 2_000_000L;
  private long sink;

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {
    Object cost = configs.get(COST_PROPERTY);
    if (cost != null) costNanos = Long.parseLong(cost.toString()) * 1000L;
  }

  @Override
  public String deserialize(String topic, byte[] data) {
    if (data == null) return null;
    expensiveParse(data);
    return new String(data, StandardCharsets.UTF_8);
  }

  /** Mixes the bytes over and over until the time budget is spent; the result is kept so the JIT cannot drop it. */
  private void expensiveParse(byte[] data) {
    long deadline = System.nanoTime() + costNanos;
    long hash = 1125899906842597L;
    do {
      for (byte b : data) hash = 31 * hash + b;
      hash ^= hash >>> 17;
    } while (System.nanoTime() < deadline);
    sink += hash;
  }

  @Override
  public void close() {}
}
