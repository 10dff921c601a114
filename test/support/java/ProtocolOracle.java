import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.common.message.ApiMessageType;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.ApiMessage;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.ObjectSerializationCache;

/**
 * The cross-implementation oracle for kafka-doctor's generated codec: Kafka's own generated message
 * classes (`*Data`) and their `*JsonConverter`s from the kafka-clients jar on the classpath.
 *
 * stdin, one case per line, tab-separated: id, api key, version, "request"|"response", the bytes our
 * encoder wrote (hex), the same message as Kafka JSON. For each case Kafka reads our bytes and prints
 * them as JSON (every number as text, so 64-bit values survive), and reads the JSON and writes its own
 * bytes (hex), and prints the request and response header versions Kafka uses for the api key and
 * version. stdout: id, "ok", json, hex, request header version, response header version — or id,
 * "error", message.
 */
public class ProtocolOracle {
    public static void main(String[] args) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), false, "UTF-8");
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isEmpty()) continue;
            String[] part = line.split("\t", 6);
            String id = part[0];
            try {
                short key = Short.parseShort(part[1]);
                short version = Short.parseShort(part[2]);
                boolean request = part[3].equals("request");
                ApiMessageType type = ApiMessageType.fromApiKey(key);

                ApiMessage decoded = request ? type.newRequest() : type.newResponse();
                ByteBuffer ours = ByteBuffer.wrap(fromHex(part[4]));
                decoded.read(new ByteBufferAccessor(ours), version);
                if (ours.hasRemaining()) throw new IllegalStateException(ours.remaining() + " bytes left unread");
                Class<?> converter = Class.forName(decoded.getClass().getName() + "JsonConverter");
                Method write = converter.getMethod("write", decoded.getClass(), short.class);
                JsonNode json = (JsonNode) write.invoke(null, decoded, version);

                Method read = converter.getMethod("read", JsonNode.class, short.class);
                ApiMessage fromJson = (ApiMessage) read.invoke(null, mapper.readTree(part[5]), version);
                ObjectSerializationCache cache = new ObjectSerializationCache();
                ByteBuffer theirs = ByteBuffer.allocate(fromJson.size(cache, version));
                fromJson.write(new ByteBufferAccessor(theirs), cache, version);

                // The header versions Kafka's client and broker use for this api key and version.
                ApiKeys api = ApiKeys.forId(key);
                String headers = api.requestHeaderVersion(version) + "\t" + api.responseHeaderVersion(version);
                out.println(id + "\tok\t" + mapper.writeValueAsString(numbersAsText(json)) + "\t" + toHex(theirs.array()) + "\t" + headers);
            } catch (Throwable e) {
                Throwable cause = e instanceof InvocationTargetException && e.getCause() != null ? e.getCause() : e;
                String message = cause.getClass().getSimpleName() + ": " + cause.getMessage();
                out.println(id + "\terror\t" + message.replace('\t', ' ').replace('\n', ' '));
            }
        }
        out.flush();
    }

    static JsonNode numbersAsText(JsonNode node) {
        if (node.isNumber()) return new TextNode(node.asText());
        if (node.isArray()) {
            ArrayNode array = JsonNodeFactory.instance.arrayNode();
            for (JsonNode item : node) array.add(numbersAsText(item));
            return array;
        }
        if (node.isObject()) {
            ObjectNode object = JsonNodeFactory.instance.objectNode();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                object.set(field.getKey(), numbersAsText(field.getValue()));
            }
            return object;
        }
        return node;
    }

    static byte[] fromHex(String hex) {
        byte[] out = new byte[hex.length() / 2];
        for (int i = 0; i < out.length; i++) out[i] = (byte) Integer.parseInt(hex.substring(2 * i, 2 * i + 2), 16);
        return out;
    }

    static String toHex(byte[] bytes) {
        StringBuilder sb = new StringBuilder(bytes.length * 2);
        for (byte b : bytes) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        return sb.toString();
    }
}
