// Opening a TCP connection to an instrument, shared by the clients that own their socket
// (VXI-11's ONC RPC and HiSLIP): a timeout and a refused connection each give a clear error.
import { connect, type Socket } from 'node:net';
import { TransportClosedError, TransportTimeoutError } from './transport.js';

export function connectTcp(host: string, port: number, timeoutMs: number, description: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new TransportTimeoutError(timeoutMs, `connecting to ${description}`));
    }, timeoutMs);
    const onError = (error: Error): void => {
      clearTimeout(timer);
      reject(new TransportClosedError(`cannot connect to ${description}: ${error.message}`));
    };
    socket.once('error', onError);
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.off('error', onError);
      socket.setNoDelay(true);
      resolve(socket);
    });
  });
}
