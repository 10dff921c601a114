package kafkadoctor.patients;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/** `--flag value` / `--flag=value` / `--switch` parsing; repeated flags keep every value. */
final class Args {
  private final Map<String, List<String>> values = new HashMap<>();

  Args(String[] argv, String... switches) {
    List<String> booleans = List.of(switches);
    for (int i = 0; i < argv.length; i++) {
      String arg = argv[i];
      if (!arg.startsWith("--")) throw new IllegalArgumentException("unexpected argument: " + arg);
      String name = arg.substring(2);
      String value;
      int equals = name.indexOf('=');
      if (equals >= 0) {
        value = name.substring(equals + 1);
        name = name.substring(0, equals);
      } else if (booleans.contains(name)) {
        value = "true";
      } else {
        if (i + 1 >= argv.length) throw new IllegalArgumentException("--" + name + " needs a value");
        value = argv[++i];
      }
      values.computeIfAbsent(name, key -> new ArrayList<>()).add(value);
    }
  }

  String get(String name, String fallback) {
    List<String> list = values.get(name);
    return list == null ? fallback : list.get(list.size() - 1);
  }

  String required(String name) {
    String value = get(name, null);
    if (value == null) throw new IllegalArgumentException("--" + name + " is required");
    return value;
  }

  long number(String name, long fallback) {
    String value = get(name, null);
    return value == null ? fallback : Long.parseLong(value);
  }

  boolean flag(String name) {
    return Boolean.parseBoolean(get(name, "false"));
  }

  /** Every value of a repeated flag, each also split on commas. */
  List<String> list(String name) {
    List<String> out = new ArrayList<>();
    for (String value : values.getOrDefault(name, List.of())) {
      for (String part : value.split(",")) if (!part.isEmpty()) out.add(part);
    }
    return out;
  }

  /** `--prop key=value` pairs, passed to the Kafka client unchanged. */
  Properties props() {
    Properties props = new Properties();
    for (String pair : values.getOrDefault("prop", List.of())) {
      int equals = pair.indexOf('=');
      if (equals <= 0) throw new IllegalArgumentException("--prop needs key=value, got " + pair);
      props.put(pair.substring(0, equals), pair.substring(equals + 1));
    }
    return props;
  }
}
