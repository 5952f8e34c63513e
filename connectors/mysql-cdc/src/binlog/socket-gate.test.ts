import { describe, expect, it } from 'vitest';
import { gatePauses } from './socket-gate.js';

function fakeConnection() {
  const calls: string[] = [];
  const connection = {
    paused: false,
    pause() {
      this.paused = true;
      calls.push('pause');
    },
    resume() {
      this.paused = false;
      calls.push('resume');
    },
  };
  return { connection, calls };
}

describe('gatePauses', () => {
  it('keeps the socket paused while the queue holds it, whatever the decoder resumes', () => {
    const { connection } = fakeConnection();
    const queue = gatePauses(connection);
    queue.pause();
    connection.pause(); // zongji: fetching table info
    connection.resume(); // zongji: done
    expect(connection.paused).toBe(true);
    queue.resume();
    expect(connection.paused).toBe(false);
  });

  it('does not resume a socket the decoder still holds when the queue drains', () => {
    const { connection } = fakeConnection();
    const queue = gatePauses(connection);
    connection.pause();
    queue.pause();
    queue.resume();
    expect(connection.paused).toBe(true);
    connection.resume();
    expect(connection.paused).toBe(false);
  });

  it('pauses and resumes once for repeated queue calls', () => {
    const { connection, calls } = fakeConnection();
    const queue = gatePauses(connection);
    queue.pause();
    queue.pause();
    queue.resume();
    queue.resume();
    expect(calls).toEqual(['pause', 'resume']);
  });
});
