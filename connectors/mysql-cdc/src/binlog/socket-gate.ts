/** The pause/resume pair of a mysql2 connection (pausing stops reading its socket). */
export interface Pausable {
  pause(): void;
  resume(): void;
}

/**
 * Lets two parties pause one connection independently: zongji pauses the binlog connection
 * while it fetches a table's columns and resumes it after, which must not resume a connection
 * the queue limit paused. Wraps `connection`'s own pause/resume (zongji's side) and returns the
 * queue's side; the socket reads again only when neither holds it.
 */
export function gatePauses(connection: Pausable): Pausable {
  const pause = connection.pause.bind(connection);
  const resume = connection.resume.bind(connection);
  let decoderHolds = false;
  let queueHolds = false;
  connection.pause = () => {
    decoderHolds = true;
    pause();
  };
  connection.resume = () => {
    decoderHolds = false;
    if (!queueHolds) resume();
  };
  return {
    pause: () => {
      if (queueHolds) return;
      queueHolds = true;
      pause();
    },
    resume: () => {
      if (!queueHolds) return;
      queueHolds = false;
      if (!decoderHolds) resume();
    },
  };
}
