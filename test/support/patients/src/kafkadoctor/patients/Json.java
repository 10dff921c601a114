package kafkadoctor.patients;

import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A minimal JSON writer for the patients' one-line events. The patients depend on nothing but
 * kafka-clients, so that any client version can be dropped in.
 */
final class Json {
  private final Map<String, Object> fields = new LinkedHashMap<>();

  static Json event(String name) {
    return new Json().put("event", name);
  }

  Json put(String key, Object value) {
    fields.put(key, value);
    return this;
  }

  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    write(out, fields);
    return out.toString();
  }

  private static void write(StringBuilder out, Object value) {
    if (value == null) {
      out.append("null");
    } else if (value instanceof Json) {
      write(out, ((Json) value).fields);
    } else if (value instanceof Map) {
      out.append('{');
      Iterator<? extends Map.Entry<?, ?>> entries = ((Map<?, ?>) value).entrySet().iterator();
      while (entries.hasNext()) {
        Map.Entry<?, ?> entry = entries.next();
        string(out, String.valueOf(entry.getKey()));
        out.append(':');
        write(out, entry.getValue());
        if (entries.hasNext()) out.append(',');
      }
      out.append('}');
    } else if (value instanceof Collection) {
      out.append('[');
      Iterator<?> items = ((Collection<?>) value).iterator();
      while (items.hasNext()) {
        write(out, items.next());
        if (items.hasNext()) out.append(',');
      }
      out.append(']');
    } else if (value instanceof Number || value instanceof Boolean) {
      out.append(value);
    } else {
      string(out, String.valueOf(value));
    }
  }

  private static void string(StringBuilder out, String text) {
    out.append('"');
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) out.append(String.format("\\u%04x", (int) c));
          else out.append(c);
      }
    }
    out.append('"');
  }
}
