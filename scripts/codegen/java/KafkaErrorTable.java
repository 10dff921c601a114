import org.apache.kafka.common.errors.InvalidMetadataException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Prints Kafka's error-code table from the source of truth, the Errors enum of the kafka-clients jar
 * on the classpath: one tab-separated line per code (code, name, retriable, invalidMetadata,
 * exception class, default message). Run by scripts/codegen/generate-protocol.ts.
 */
public class KafkaErrorTable {
    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        for (Errors error : Errors.values()) {
            Throwable exception = error.exception();
            out.append(error.code()).append('\t')
                .append(error.name()).append('\t')
                .append(exception instanceof RetriableException).append('\t')
                .append(exception instanceof InvalidMetadataException).append('\t')
                .append(exception == null ? "" : exception.getClass().getSimpleName()).append('\t')
                .append(clean(error.message())).append('\n');
        }
        System.out.print(out);
    }

    private static String clean(String text) {
        return text == null ? "" : text.replace('\t', ' ').replace('\n', ' ').trim();
    }
}
