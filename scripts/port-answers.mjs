// Whether something accepts TCP connections on 127.0.0.1:<port> (1 s at most): the scripts' check that a port
// they are about to publish is free.
import { connect } from 'node:net';

/** @param {number} port @returns {Promise<boolean>} */
export function portAnswers(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port, timeout: 1000 });
    const done = (answers) => {
      socket.destroy();
      resolve(answers);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}
