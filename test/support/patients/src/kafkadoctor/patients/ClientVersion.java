package kafkadoctor.patients;

import java.io.InputStream;
import java.util.Properties;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * The kafka-clients version on the classpath, read from the properties file inside the jar (the class
 * that exposes it, AppInfoParser, moved between releases).
 */
final class ClientVersion {
  static String get() {
    try (InputStream in = KafkaConsumer.class.getResourceAsStream("/kafka/kafka-version.properties")) {
      if (in == null) return "unknown";
      Properties props = new Properties();
      props.load(in);
      return props.getProperty("version", "unknown").trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private ClientVersion() {}
}
