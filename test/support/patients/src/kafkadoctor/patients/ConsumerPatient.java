package kafkadoctor.patients;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * A real Java consumer for kafka-doctor's tests: the "patient" whose threads, lag and traffic the tool
 * examines. Modes:
 *
 * <ul>
 *   <li>normal: poll(500 ms) loop, commitSync whenever its position moved;
 *   <li>poll-zero: poll(Duration.ZERO) in a tight loop, the classic busy consumer;
 *   <li>heavy-deserializer: normal loop, but a value deserializer that burns CPU per record.
 * </ul>
 *
 * It prints one JSON object per line on stdout: "ready" (pid, client version), "assigned"/"revoked",
 * "status" every --status-interval-ms (records consumed, positions, offsets it committed), "error",
 * and "closed" after SIGTERM, when it commits, closes the consumer and exits 0.
 *
 * <pre>
 * --bootstrap-server B  --topic T[,T]  (--group G | --assign T:P[,T:P])  [--mode normal|poll-zero|heavy-deserializer]
 * [--poll-ms 500] [--status-interval-ms 1000] [--commit sync|async|none] [--commit-offsets position|record]
 * [--max-records N]
 * [--deserializer-cost-us 2000] [--client-id ID] [--exit-on-stdin-close] [--prop key=value]...
 * </pre>
 */
public final class ConsumerPatient {
  private static final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static volatile boolean running = true;
  /** Set by main before it signals `closed`; the SIGTERM hook exits with it. */
  private static volatile int exitStatus = 1;

  static synchronized void emit(Json event) {
    out.println(event.toString());
  }

  public static void main(String[] argv) throws Exception {
    Args args;
    try {
      args = new Args(argv, "exit-on-stdin-close");
      args.required("bootstrap-server");
    } catch (IllegalArgumentException e) {
      System.err.println("usage error: " + e.getMessage());
      System.exit(2);
      return;
    }
    String mode = args.get("mode", "normal");
    if (!List.of("normal", "poll-zero", "heavy-deserializer").contains(mode)) {
      System.err.println("usage error: unknown --mode " + mode);
      System.exit(2);
    }
    String group = args.get("group", null);
    List<String> topics = args.list("topic");
    List<TopicPartition> assignment = new ArrayList<>();
    for (String item : args.list("assign")) {
      int colon = item.lastIndexOf(':');
      assignment.add(new TopicPartition(item.substring(0, colon), Integer.parseInt(item.substring(colon + 1))));
    }
    if (assignment.isEmpty() && (group == null || topics.isEmpty())) {
      System.err.println("usage error: give --group with --topic, or --assign topic:partition");
      System.exit(2);
    }
    String commitMode = args.get("commit", group == null ? "none" : "sync");
    long pollMs = args.number("poll-ms", 500);
    long statusIntervalMs = args.number("status-interval-ms", 1000);
    long maxRecords = args.number("max-records", -1);
    // "position" (default) commits what commitSync() would; "record" commits last record + 1, which
    // leaves a lag of 1 behind a transaction marker, as applications that commit per record see.
    boolean commitRecordOffsets = args.get("commit-offsets", "position").equals("record");

    Properties props = new Properties();
    props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args.required("bootstrap-server"));
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
    props.put(
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
        mode.equals("heavy-deserializer") ? HeavyDeserializer.class.getName() : StringDeserializer.class.getName());
    if (mode.equals("heavy-deserializer")) {
      props.put(HeavyDeserializer.COST_PROPERTY, args.get("deserializer-cost-us", "2000"));
    }
    props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, args.get("client-id", "patient-consumer-" + pid()));
    if (group != null) props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.putAll(args.props());

    if (args.flag("exit-on-stdin-close")) ParentWatch.exitWhenStdinCloses();
    CountDownLatch closed = new CountDownLatch(1);
    Thread mainThread = Thread.currentThread();
    KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running = false;
                  consumer.wakeup();
                  boolean clean = false;
                  try {
                    clean = closed.await(15, TimeUnit.SECONDS);
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                  if (!clean) mainThread.interrupt();
                  out.flush();
                  // Exit 0 after a clean close (a JVM ended by SIGTERM would otherwise report 143).
                  Runtime.getRuntime().halt(clean ? exitStatus : 1);
                },
                "patient-shutdown"));

    Map<TopicPartition, Long> committed = new TreeMap<>(ConsumerPatient::compare);
    Map<TopicPartition, Long> consumedUpTo = new HashMap<>();
    long consumed = 0;
    long polls = 0;
    long emptyPolls = 0;
    long started = System.currentTimeMillis();
    int exitCode = 0;
    try {
      if (assignment.isEmpty()) {
        consumer.subscribe(
            topics,
            new ConsumerRebalanceListener() {
              @Override
              public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                emit(Json.event("revoked").put("partitions", names(partitions)));
              }

              @Override
              public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                emit(Json.event("assigned").put("partitions", names(partitions)));
              }
            });
      } else {
        consumer.assign(assignment);
      }
      emit(
          Json.event("ready")
              .put("pid", pid())
              .put("clientVersion", ClientVersion.get())
              .put("javaVersion", System.getProperty("java.version"))
              .put("mode", mode)
              .put("groupId", group)
              .put("topics", topics)
              .put("assign", names(assignment)));
      if (!assignment.isEmpty()) emit(Json.event("assigned").put("partitions", names(assignment)));

      Duration pollTimeout = mode.equals("poll-zero") ? Duration.ZERO : Duration.ofMillis(pollMs);
      long nextStatus = System.currentTimeMillis() + statusIntervalMs;
      while (running) {
        ConsumerRecords<String, String> records;
        try {
          records = consumer.poll(pollTimeout);
        } catch (WakeupException e) {
          break;
        } catch (RuntimeException e) {
          emit(Json.event("error").put("during", "poll").put("type", e.getClass().getName()).put("message", e.getMessage()));
          sleepQuietly(100);
          continue;
        }
        polls++;
        Map<TopicPartition, OffsetAndMetadata> toCommit = new HashMap<>();
        if (records.isEmpty()) emptyPolls++;
        for (ConsumerRecord<String, String> record : records) {
          consumed++;
          TopicPartition tp = new TopicPartition(record.topic(), record.partition());
          consumedUpTo.put(tp, record.offset() + 1);
          if (commitRecordOffsets) toCommit.put(tp, new OffsetAndMetadata(record.offset() + 1));
        }
        if (!commitRecordOffsets && !commitMode.equals("none")) {
          // Like a plain commitSync(): the position, which also steps over transaction markers. Only
          // positions that moved since the last commit are sent, so an idle consumer sends nothing.
          for (TopicPartition tp : consumedUpTo.keySet()) {
            long position = positionOrMinus(consumer, tp);
            Long last = committed.get(tp);
            if (position >= 0 && (last == null || last != position)) toCommit.put(tp, new OffsetAndMetadata(position));
          }
        }
        if (!toCommit.isEmpty()) commit(consumer, commitMode, toCommit, committed);
        long now = System.currentTimeMillis();
        boolean done = maxRecords >= 0 && consumed >= maxRecords;
        if (now >= nextStatus || done) {
          emit(status(consumer, consumed, polls, emptyPolls, consumedUpTo, committed, now - started));
          nextStatus = now + statusIntervalMs;
        }
        if (done) break;
      }
    } catch (WakeupException e) {
      // SIGTERM while inside a commit: fall through to the clean close.
    } catch (RuntimeException e) {
      emit(Json.event("error").put("during", "loop").put("type", e.getClass().getName()).put("message", e.getMessage()));
      exitCode = 1;
    } finally {
      try {
        emit(Json.event("closing").put("consumed", consumed).put("committed", offsets(committed)));
        consumer.close(Duration.ofSeconds(5));
      } catch (RuntimeException e) {
        emit(Json.event("error").put("during", "close").put("type", e.getClass().getName()).put("message", e.getMessage()));
      }
      emit(
          Json.event("closed")
              .put("consumed", consumed)
              .put("polls", polls)
              .put("emptyPolls", emptyPolls)
              .put("committed", offsets(committed)));
      exitStatus = exitCode;
      closed.countDown();
    }
    // After SIGTERM the hook exits; when the loop ended by itself (--max-records), exit here.
    if (running) System.exit(exitCode);
  }

  private static void commit(
      KafkaConsumer<String, String> consumer,
      String commitMode,
      Map<TopicPartition, OffsetAndMetadata> toCommit,
      Map<TopicPartition, Long> committed) {
    if (commitMode.equals("none")) return;
    try {
      if (commitMode.equals("async")) {
        consumer.commitAsync(
            toCommit,
            (offsets, error) -> {
              if (error == null) recordCommitted(committed, offsets);
              else emit(Json.event("error").put("during", "commit").put("type", error.getClass().getName()).put("message", error.getMessage()));
            });
      } else {
        consumer.commitSync(toCommit);
        recordCommitted(committed, toCommit);
      }
    } catch (WakeupException e) {
      throw e;
    } catch (RuntimeException e) {
      emit(Json.event("error").put("during", "commit").put("type", e.getClass().getName()).put("message", e.getMessage()));
    }
  }

  private static long positionOrMinus(KafkaConsumer<String, String> consumer, TopicPartition tp) {
    try {
      return consumer.position(tp, Duration.ZERO);
    } catch (RuntimeException e) {
      return -1;
    }
  }

  private static synchronized void recordCommitted(
      Map<TopicPartition, Long> committed, Map<TopicPartition, OffsetAndMetadata> offsets) {
    for (Map.Entry<TopicPartition, OffsetAndMetadata> entry : offsets.entrySet()) {
      committed.put(entry.getKey(), entry.getValue().offset());
    }
  }

  private static Json status(
      KafkaConsumer<String, String> consumer,
      long consumed,
      long polls,
      long emptyPolls,
      Map<TopicPartition, Long> consumedUpTo,
      Map<TopicPartition, Long> committed,
      long elapsedMs) {
    Map<TopicPartition, Long> positions = new TreeMap<>(ConsumerPatient::compare);
    for (TopicPartition tp : consumer.assignment()) {
      try {
        positions.put(tp, consumer.position(tp, Duration.ofMillis(200)));
      } catch (RuntimeException e) {
        // No position yet (offset lookup in progress or failing): leave it out, the tests see that.
      }
    }
    return Json.event("status")
        .put("consumed", consumed)
        .put("polls", polls)
        .put("emptyPolls", emptyPolls)
        .put("elapsedMs", elapsedMs)
        .put("assignment", names(consumer.assignment()))
        .put("positions", offsets(positions))
        .put("consumedUpTo", offsets(consumedUpTo))
        .put("committed", offsets(committed));
  }

  private static synchronized Map<String, Long> offsets(Map<TopicPartition, Long> byPartition) {
    Map<String, Long> out = new TreeMap<>();
    for (Map.Entry<TopicPartition, Long> entry : byPartition.entrySet()) out.put(entry.getKey().toString(), entry.getValue());
    return out;
  }

  private static List<String> names(Collection<TopicPartition> partitions) {
    List<String> out = new ArrayList<>();
    for (TopicPartition tp : partitions) out.add(tp.toString());
    out.sort(null);
    return out;
  }

  private static int compare(TopicPartition a, TopicPartition b) {
    int byTopic = a.topic().compareTo(b.topic());
    return byTopic != 0 ? byTopic : Integer.compare(a.partition(), b.partition());
  }

  static long pid() {
    return ProcessHandle.current().pid();
  }

  private static void sleepQuietly(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private ConsumerPatient() {}
}
