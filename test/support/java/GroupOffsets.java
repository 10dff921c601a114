import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;

/**
 * Test fixture: commits consumer-group offsets through Kafka's own AdminClient
 * (alterConsumerGroupOffsets, i.e. an OffsetCommit from the coordinator's point of view), so tests
 * and the lag benchmark can set up groups with exactly known commits, including offsets that no
 * consumer could have committed (above the high watermark). The groups must have no active members.
 *
 * <p>Usage: java GroupOffsets.java BOOTSTRAP < commits, where each stdin line is
 * "GROUP TOPIC PARTITION OFFSET [LEADER_EPOCH]". Every group's offsets go in one request; groups are
 * sent twenty at a time. stdout: "committed GROUPS PARTITIONS" on success; any
 * failure exits 1 with the error on stderr.
 */
public class GroupOffsets {
    static final int WAVE = 20;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GroupOffsets BOOTSTRAP < 'GROUP TOPIC PARTITION OFFSET [EPOCH]' lines");
            System.exit(2);
        }
        Map<String, Map<TopicPartition, OffsetAndMetadata>> byGroup = new LinkedHashMap<>();
        int partitions = 0;
        try (BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                line = line.trim();
                if (line.isEmpty()) continue;
                String[] f = line.split("\\s+");
                TopicPartition tp = new TopicPartition(f[1], Integer.parseInt(f[2]));
                long offset = Long.parseLong(f[3]);
                Optional<Integer> epoch = f.length > 4 ? Optional.of(Integer.parseInt(f[4])) : Optional.empty();
                byGroup.computeIfAbsent(f[0], g -> new HashMap<>()).put(tp, new OffsetAndMetadata(offset, epoch, ""));
                partitions++;
            }
        }
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "30000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "60000");
        try (Admin admin = Admin.create(props)) {
            // Groups go in waves (a coordinator handed hundreds of groups at once times some out);
            // a wave that fails is tried again, up to three times.
            List<Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>>> entries = new ArrayList<>(byGroup.entrySet());
            for (int start = 0; start < entries.size(); start += WAVE) {
                List<Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>>> wave =
                    entries.subList(start, Math.min(entries.size(), start + WAVE));
                for (int attempt = 1; ; attempt++) {
                    List<KafkaFuture<Void>> pending = new ArrayList<>();
                    for (Map.Entry<String, Map<TopicPartition, OffsetAndMetadata>> entry : wave) {
                        pending.add(admin.alterConsumerGroupOffsets(entry.getKey(), entry.getValue()).all());
                    }
                    try {
                        KafkaFuture.allOf(pending.toArray(new KafkaFuture[0])).get(120, TimeUnit.SECONDS);
                        break;
                    } catch (ExecutionException e) {
                        if (attempt == 3) throw e;
                        System.err.println("retrying a wave of " + wave.size() + " groups: " + e.getCause());
                    }
                }
            }
        }
        System.out.println("committed " + byGroup.size() + " " + partitions);
    }
}
