package kafkadoctor.patients;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real Java producer for kafka-doctor's tests. It writes generated records (count, rate, key
 * pattern, value size, compression) or records read from stdin, optionally inside transactions that
 * are committed, aborted every K-th time, or — for the last one — left open, which keeps the
 * partition's last stable offset (LSO) below its high watermark until SIGTERM or the transaction
 * timeout.
 *
 * <p>JSON lines on stdout: "ready", "status" every --status-interval-ms, "transaction-open" (with
 * --end-with open), "send-error" (first ten), and "done" with totals and the last offset written per
 * partition. Exits 0 when every record was acknowledged, 1 otherwise.
 *
 * <pre>
 * --bootstrap-server B --topic T [--count 100 (-1: until SIGTERM)] [--rate 0 (records/s, 0: unlimited)]
 * [--key-pattern none|seq|mod:K|fixed:TEXT] [--value-size 100] [--partition P]
 * [--compression none|gzip|snappy|lz4|zstd] [--acks all] [--stdin]
 * [--transactional-id ID [--transaction-size 10] [--abort-every 0] [--end-with commit|abort|open]]
 * [--status-interval-ms 1000] [--exit-on-stdin-close] [--prop key=value]...
 * </pre>
 *
 * With --stdin each line is "KEY VALUE", each base64 or "-" for null, and --count/--rate are ignored.
 */
public final class ProducerPatient {
  private static final PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);
  private static volatile boolean running = true;
  /** Set by main before it signals `finished`; the SIGTERM hook exits with it. */
  private static volatile int exitStatus = 1;
  private static final AtomicLong acked = new AtomicLong();
  private static final AtomicLong errors = new AtomicLong();
  private static final Map<String, Long> lastOffsets = new TreeMap<>();

  static synchronized void emit(Json event) {
    out.println(event.toString());
  }

  public static void main(String[] argv) throws Exception {
    Args args;
    try {
      args = new Args(argv, "stdin", "exit-on-stdin-close");
      args.required("bootstrap-server");
      args.required("topic");
    } catch (IllegalArgumentException e) {
      System.err.println("usage error: " + e.getMessage());
      System.exit(2);
      return;
    }
    String topic = args.required("topic");
    long count = args.number("count", 100);
    long rate = args.number("rate", 0);
    String keyPattern = args.get("key-pattern", "seq");
    int valueSize = (int) args.number("value-size", 100);
    String partitionArg = args.get("partition", null);
    Integer partition = partitionArg == null ? null : Integer.valueOf(partitionArg);
    String transactionalId = args.get("transactional-id", null);
    long transactionSize = Math.max(1, args.number("transaction-size", 10));
    long abortEvery = args.number("abort-every", 0);
    String endWith = args.get("end-with", "commit");
    long statusIntervalMs = args.number("status-interval-ms", 1000);
    boolean fromStdin = args.flag("stdin");

    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, args.required("bootstrap-server"));
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
    props.put(ProducerConfig.ACKS_CONFIG, args.get("acks", "all"));
    props.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, args.get("compression", "none"));
    props.put(ProducerConfig.CLIENT_ID_CONFIG, args.get("client-id", "patient-producer-" + ConsumerPatient.pid()));
    if (transactionalId != null) props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
    props.putAll(args.props());

    if (args.flag("exit-on-stdin-close") && !fromStdin) ParentWatch.exitWhenStdinCloses();
    KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(props);
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  running = false;
                  boolean clean = false;
                  try {
                    clean = finished.await(15, TimeUnit.SECONDS);
                  } catch (InterruptedException ignored) {
                    Thread.currentThread().interrupt();
                  }
                  out.flush();
                  // The status main decided on, not the 143 a JVM ended by SIGTERM would report.
                  Runtime.getRuntime().halt(clean ? exitStatus : 1);
                },
                "patient-shutdown"));

    emit(
        Json.event("ready")
            .put("pid", ConsumerPatient.pid())
            .put("clientVersion", ClientVersion.get())
            .put("javaVersion", System.getProperty("java.version"))
            .put("topic", topic)
            .put("transactional", transactionalId != null));

    long sent = 0;
    long committedTransactions = 0;
    long abortedTransactions = 0;
    long transactionNumber = 0;
    boolean inTransaction = false;
    boolean leftOpen = false;
    long started = System.nanoTime();
    long nextStatus = System.currentTimeMillis() + statusIntervalMs;
    BufferedReader stdin =
        fromStdin ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)) : null;
    try {
      if (transactionalId != null) producer.initTransactions();
      nextStatus = System.currentTimeMillis() + statusIntervalMs;
      while (running && (fromStdin || count < 0 || sent < count)) {
        byte[][] keyValue;
        if (stdin != null) {
          String line = stdin.readLine();
          if (line == null) break;
          if (line.isEmpty()) continue;
          keyValue = parseLine(line);
        } else {
          keyValue = new byte[][] {key(keyPattern, sent), value(sent, valueSize)};
          if (rate > 0) {
            long due = started + sent * 1_000_000_000L / rate;
            long wait = due - System.nanoTime();
            if (wait > 0) Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
          }
        }
        if (transactionalId != null && !inTransaction) {
          producer.beginTransaction();
          inTransaction = true;
          transactionNumber++;
        }
        producer.send(new ProducerRecord<>(topic, partition, keyValue[0], keyValue[1]), ProducerPatient::onAck);
        sent++;
        boolean last = !fromStdin && count >= 0 && sent >= count;
        if (inTransaction && (sent % transactionSize == 0 || last)) {
          if (last && endWith.equals("open")) {
            producer.flush();
            leftOpen = true;
            break;
          }
          boolean abort = (last && endWith.equals("abort")) || (abortEvery > 0 && transactionNumber % abortEvery == 0);
          if (abort) {
            // Flush first so the aborted records really occupy offsets in the log (with an abort
            // marker after them), as in a real application whose transaction fails late.
            producer.flush();
            producer.abortTransaction();
            abortedTransactions++;
          } else {
            producer.commitTransaction();
            committedTransactions++;
          }
          inTransaction = false;
        }
        long now = System.currentTimeMillis();
        if (now >= nextStatus) {
          emit(progress("status", sent, committedTransactions, abortedTransactions));
          nextStatus = now + statusIntervalMs;
        }
      }
      if (inTransaction && !leftOpen) {
        // Stdin ended or SIGTERM mid-transaction: finish it the way --end-with says.
        if (endWith.equals("abort")) {
          producer.flush();
          producer.abortTransaction();
          abortedTransactions++;
        } else if (endWith.equals("open")) {
          producer.flush();
          leftOpen = true;
        } else {
          producer.commitTransaction();
          committedTransactions++;
        }
      }
      producer.flush();
      if (leftOpen) {
        emit(progress("transaction-open", sent, committedTransactions, abortedTransactions));
        // Hold the transaction open until SIGTERM; closing the producer does not abort it, so it stays
        // open on the broker until transaction.timeout.ms.
        while (running) Thread.sleep(100);
      }
    } catch (RuntimeException e) {
      emit(Json.event("error").put("type", e.getClass().getName()).put("message", e.getMessage()));
      errors.incrementAndGet();
    } finally {
      // A forced close (zero timeout) leaves an open transaction open; a graceful one would abort it.
      producer.close(leftOpen ? Duration.ZERO : Duration.ofSeconds(10));
      emit(progress("done", sent, committedTransactions, abortedTransactions));
      exitStatus = errors.get() == 0 && (leftOpen || acked.get() == sent) ? 0 : 1;
      finished.countDown();
    }
    if (running) System.exit(exitStatus);
  }

  private static void onAck(org.apache.kafka.clients.producer.RecordMetadata metadata, Exception error) {
    if (error != null) {
      if (errors.incrementAndGet() <= 10) {
        emit(Json.event("send-error").put("type", error.getClass().getName()).put("message", error.getMessage()));
      }
      return;
    }
    acked.incrementAndGet();
    synchronized (lastOffsets) {
      String name = metadata.topic() + "-" + metadata.partition();
      lastOffsets.merge(name, metadata.offset(), Math::max);
    }
  }

  private static Json progress(String event, long sent, long committedTransactions, long abortedTransactions) {
    Map<String, Long> offsets;
    synchronized (lastOffsets) {
      offsets = new TreeMap<>(lastOffsets);
    }
    return Json.event(event)
        .put("sent", sent)
        .put("acked", acked.get())
        .put("errors", errors.get())
        .put("committedTransactions", committedTransactions)
        .put("abortedTransactions", abortedTransactions)
        .put("lastOffsets", offsets);
  }

  private static byte[] key(String pattern, long sequence) {
    if (pattern.equals("none")) return null;
    if (pattern.equals("seq")) return ("key-" + sequence).getBytes(StandardCharsets.UTF_8);
    if (pattern.startsWith("mod:")) {
      long modulus = Long.parseLong(pattern.substring(4));
      return ("key-" + (sequence % modulus)).getBytes(StandardCharsets.UTF_8);
    }
    if (pattern.startsWith("fixed:")) return pattern.substring(6).getBytes(StandardCharsets.UTF_8);
    throw new IllegalArgumentException("unknown --key-pattern " + pattern);
  }

  private static byte[] value(long sequence, int size) {
    StringBuilder text = new StringBuilder("value-").append(sequence).append('-');
    while (text.length() < size) text.append('x');
    text.setLength(Math.max(size, 0));
    return text.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[][] parseLine(String line) {
    String[] parts = line.split(" ", -1);
    List<byte[]> decoded = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String part = i < parts.length ? parts[i] : "-";
      decoded.add(part.equals("-") ? null : Base64.getDecoder().decode(part));
    }
    return new byte[][] {decoded.get(0), decoded.get(1)};
  }

  private ProducerPatient() {}
}
