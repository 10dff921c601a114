import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;

/**
 * Record data written by Kafka's own MemoryRecordsBuilder (the class its producer and broker use):
 * magic-2 batches with every compression codec, transactional batches with commit and abort markers,
 * and legacy magic-0/1 message sets. The records follow one recipe that test/protocol/records.test.ts
 * knows, so the test checks decoded values against what was written, not against this program.
 * stdout: name TAB hex, one fixture per line.
 */
public class RecordFixtures {
    static final long BASE_TIMESTAMP = 1_700_000_000_000L;
    static final String FILLER = "lorem ipsum dolor sit amet ".repeat(8);

    static byte[] key(int i) {
        return i == 2 ? null : ("key-" + i).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] value(int i) {
        return i == 3 ? null : ("value-" + i + " " + FILLER).getBytes(StandardCharsets.UTF_8);
    }

    static Header[] headers(int i) {
        if (i % 2 == 1) return new Header[0];
        return new Header[] {
            new RecordHeader("trace", ("t" + i).getBytes(StandardCharsets.UTF_8)),
            new RecordHeader("empty", null)
        };
    }

    static String hex(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        StringBuilder sb = new StringBuilder();
        while (b.hasRemaining()) {
            int v = b.get() & 0xff;
            sb.append(Character.forDigit(v >> 4, 16)).append(Character.forDigit(v & 0xf, 16));
        }
        return sb.toString();
    }

    static ByteBuffer batch(byte magic, CompressionType type, long baseOffset, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
            ByteBuffer.allocate(1 << 16), magic, Compression.of(type).build(), TimestampType.CREATE_TIME, baseOffset);
        for (int i = 0; i < count; i++) {
            long timestamp = BASE_TIMESTAMP + 7L * i;
            if (magic == RecordBatch.MAGIC_VALUE_V2) builder.append(timestamp, key(i), value(i), headers(i));
            else builder.append(timestamp, key(i), value(i));
        }
        return builder.build().buffer();
    }

    static ByteBuffer transactional(long baseOffset, long producerId, short epoch, int count) {
        MemoryRecordsBuilder builder = MemoryRecords.builder(
            ByteBuffer.allocate(1 << 16), RecordBatch.MAGIC_VALUE_V2, Compression.NONE, TimestampType.CREATE_TIME,
            baseOffset, RecordBatch.NO_TIMESTAMP, producerId, epoch, 0, true, 7);
        for (int i = 0; i < count; i++) builder.append(BASE_TIMESTAMP + 7L * i, key(i), value(i), headers(i));
        return builder.build().buffer();
    }

    static ByteBuffer concat(ByteBuffer... parts) {
        int size = 0;
        for (ByteBuffer p : parts) size += p.remaining();
        ByteBuffer out = ByteBuffer.allocate(size);
        for (ByteBuffer p : parts) out.put(p.duplicate());
        out.flip();
        return out;
    }

    public static void main(String[] args) {
        StringBuilder out = new StringBuilder();
        for (CompressionType type : CompressionType.values()) {
            out.append("v2-").append(type.name).append('\t').append(hex(batch(RecordBatch.MAGIC_VALUE_V2, type, 1000L, 5))).append('\n');
        }
        for (byte magic : new byte[] {RecordBatch.MAGIC_VALUE_V0, RecordBatch.MAGIC_VALUE_V1}) {
            for (CompressionType type : CompressionType.values()) {
                if (type == CompressionType.ZSTD) continue; // zstd needs magic 2
                out.append("v").append(magic).append('-').append(type.name).append('\t')
                    .append(hex(batch(magic, type, 500L, 5))).append('\n');
            }
        }
        ByteBuffer committed = transactional(2000L, 4242L, (short) 3, 3);
        ByteBuffer commit = MemoryRecords.withEndTransactionMarker(2003L, BASE_TIMESTAMP + 100, 7, 4242L, (short) 3,
            new EndTransactionMarker(ControlRecordType.COMMIT, 11)).buffer();
        ByteBuffer aborted = transactional(2004L, 4242L, (short) 3, 2);
        ByteBuffer abort = MemoryRecords.withEndTransactionMarker(2006L, BASE_TIMESTAMP + 200, 7, 4242L, (short) 3,
            new EndTransactionMarker(ControlRecordType.ABORT, 11)).buffer();
        out.append("transactional\t").append(hex(concat(committed, commit, aborted, abort))).append('\n');
        System.out.print(out);
    }
}
