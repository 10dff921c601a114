package kafkadoctor.patients;

import java.io.IOException;

/**
 * With --exit-on-stdin-close, a patient treats the end of its standard input as SIGTERM. The test
 * helper keeps that pipe open, so when the test process dies (even by SIGKILL) the pipe closes and the
 * patient shuts itself down instead of spinning on as an orphan.
 */
final class ParentWatch {
  static void exitWhenStdinCloses() {
    Thread watcher =
        new Thread(
            () -> {
              try {
                while (System.in.read() >= 0) {
                  // Anything written is ignored; only the end of the stream matters.
                }
              } catch (IOException ignored) {
                // A broken pipe means the parent is gone as well.
              }
              System.exit(0); // runs the shutdown hook: the same clean close as SIGTERM
            },
            "patient-parent-watch");
    watcher.setDaemon(true);
    watcher.start();
  }

  private ParentWatch() {}
}
