import { connect as netConnect, type Socket } from 'node:net';
import { type ConnectionOptions as TlsOptions, connect as tlsConnect } from 'node:tls';
import {
  create,
  type DescMessage,
  isFieldSet,
  type Message,
  type MessageInitShape,
} from '@bufbuild/protobuf';
import {
  isCertificateError,
  PulsarClosedError,
  PulsarConnectionError,
  PulsarServerError,
  PulsarTimeoutError,
  PulsarTlsVerificationError,
} from './errors.js';
import {
  type BaseCommand,
  BaseCommand_Type,
  BaseCommandSchema,
  type MessageMetadata,
  type ServerError,
} from './proto/PulsarApi_pb.js';
import { encodePayloadCommand, encodeSimpleCommand, type Frame, FrameReader } from './protocol/frame.js';

/** The protocol version we speak (v21: transactions, topic watchers, broker-entry metadata). */
export const PROTOCOL_VERSION = 21;
export const CLIENT_VERSION = 'tributary-pulsar-client';

/** Supplies the auth data sent in CONNECT and in answers to AUTH_CHALLENGE. */
export interface PulsarAuthentication {
  readonly methodName: string;
  authData(): Promise<Uint8Array> | Uint8Array;
}

/** Token (JWT) authentication; `token` may be a function to read a refreshed token. */
export function tokenAuthentication(token: string | (() => string | Promise<string>)): PulsarAuthentication {
  return {
    methodName: 'token',
    async authData() {
      const value = typeof token === 'string' ? token : await token();
      return new TextEncoder().encode(value);
    },
  };
}

export interface ConnectionOptions {
  /** `pulsar://host:port` or `pulsar+ssl://host:port` of the physical endpoint. */
  readonly physicalUrl: string;
  /** The broker this connection is for when going through a proxy (`proxy_to_broker_url`). */
  readonly logicalAddress?: string;
  readonly authentication?: PulsarAuthentication;
  readonly tls?: TlsOptions;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveIntervalMs: number;
}

/** A producer's or consumer's view of its connection's events. */
export interface ConnectionListener {
  onFrame(frame: Frame): void;
  onConnectionClosed(error: Error): void;
}

type Pending = {
  readonly resolve: (command: BaseCommand) => void;
  readonly reject: (error: Error) => void;
  readonly timer: NodeJS.Timeout;
  readonly operation: string;
};

/** Response commands that carry a `request_id`, by the BaseCommand field holding them. */
const RESPONSE_FIELDS = [
  'success',
  'error',
  'producerSuccess',
  'lookupTopicResponse',
  'partitionMetadataResponse',
  'getLastMessageIdResponse',
  'getTopicsOfNamespaceResponse',
  'getSchemaResponse',
  'ackResponse',
  'newTxnResponse',
  'addPartitionToTxnResponse',
  'addSubscriptionToTxnResponse',
  'endTxnResponse',
  'tcClientConnectResponse',
  'consumerStatsResponse',
] as const satisfies readonly (keyof BaseCommand)[];

type CommandInit = MessageInitShape<typeof BaseCommandSchema>;

/**
 * One TCP (or TLS) connection to a broker: the CONNECT handshake, request/response correlation
 * with timeouts, PING/PONG keep-alive, auth challenges, and routing of producer / consumer
 * frames to their listeners. Closes itself when the broker stops answering pings.
 */
export class PulsarConnection {
  private readonly socket: Socket;
  private readonly reader = new FrameReader();
  private readonly pending = new Map<bigint, Pending>();
  private readonly producers = new Map<bigint, ConnectionListener>();
  private readonly consumers = new Map<bigint, ConnectionListener>();
  private nextRequestId = 1n;
  private keepAlive: NodeJS.Timeout | undefined;
  private lastFrameAt = Date.now();
  private closedWith: Error | undefined;
  private readonly closeListeners = new Set<(error: Error) => void>();
  /** Set once CONNECTED arrived. */
  serverVersion = '';
  protocolVersion = 0;
  maxMessageSize = 5 * 1024 * 1024;

  private constructor(
    private readonly options: ConnectionOptions,
    socket: Socket,
  ) {
    this.socket = socket;
  }

  /** Opens a connection and completes the CONNECT / CONNECTED handshake. */
  static async open(options: ConnectionOptions): Promise<PulsarConnection> {
    const url = new URL(options.physicalUrl);
    const tls = url.protocol === 'pulsar+ssl:';
    const port = Number(url.port || (tls ? 6651 : 6650));
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const socket = tls
      ? tlsConnect({ host, port, servername: host, ...options.tls })
      : netConnect({ host, port });
    socket.setNoDelay(true);
    const connection = new PulsarConnection(options, socket);
    await connection.handshake(tls);
    return connection;
  }

  get closed(): boolean {
    return this.closedWith !== undefined;
  }

  get url(): string {
    return this.options.logicalAddress ?? this.options.physicalUrl;
  }

  private async handshake(tls: boolean): Promise<void> {
    const { socket, options } = this;
    const connected = new Promise<BaseCommand>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new PulsarTimeoutError(
              `connect to ${options.physicalUrl}: no answer in ${options.connectTimeoutMs} ms`,
            ),
          ),
        options.connectTimeoutMs,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(
          tls && isCertificateError(error)
            ? new PulsarTlsVerificationError(
                `connect to ${options.physicalUrl}: the broker's certificate was rejected (${error.message}); pass the CA that signed it as tls.ca`,
                { cause: error },
              )
            : new PulsarConnectionError(`connect to ${options.physicalUrl}: ${error.message}`, {
                cause: error,
              }),
        );
      };
      socket.once('error', fail);
      socket.once(tls ? 'secureConnect' : 'connect', async () => {
        try {
          const auth = options.authentication;
          this.sendCommand({
            type: BaseCommand_Type.CONNECT,
            connect: {
              clientVersion: CLIENT_VERSION,
              protocolVersion: PROTOCOL_VERSION,
              ...(auth === undefined
                ? {}
                : { authMethodName: auth.methodName, authData: await auth.authData() }),
              ...(options.logicalAddress === undefined
                ? {}
                : { proxyToBrokerUrl: new URL(options.logicalAddress).host }),
              featureFlags: { supportsAuthRefresh: true },
            },
          });
        } catch (error) {
          fail(error as Error);
        }
      });
      this.onceHandshake = (command) => {
        clearTimeout(timer);
        socket.off('error', fail);
        resolve(command);
      };
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) =>
      this.close(new PulsarConnectionError(`${this.url}: ${error.message}`, { cause: error })),
    );
    socket.on('close', () => this.close(new PulsarConnectionError(`${this.url}: connection closed`)));
    let answer: BaseCommand;
    try {
      answer = await connected;
    } catch (error) {
      socket.destroy();
      throw error;
    }
    if (answer.type === BaseCommand_Type.ERROR && answer.error !== undefined) {
      socket.destroy();
      throw new PulsarServerError(answer.error.error, answer.error.message, `connect to ${this.url}`);
    }
    const info = answer.connected;
    this.serverVersion = info?.serverVersion ?? '';
    this.protocolVersion = info?.protocolVersion ?? 0;
    if (info?.maxMessageSize) this.maxMessageSize = info.maxMessageSize;
    this.startKeepAlive();
  }

  private onceHandshake: ((command: BaseCommand) => void) | undefined;

  private onData(chunk: Buffer): void {
    this.lastFrameAt = Date.now();
    let frames: Frame[];
    try {
      frames = this.reader.push(chunk);
    } catch (error) {
      this.close(error as Error);
      return;
    }
    for (const frame of frames) this.onFrame(frame);
  }

  private onFrame(frame: Frame): void {
    const { command } = frame;
    switch (command.type) {
      case BaseCommand_Type.CONNECTED:
        this.onceHandshake?.(command);
        this.onceHandshake = undefined;
        return;
      case BaseCommand_Type.PING:
        this.sendCommand({ type: BaseCommand_Type.PONG, pong: {} });
        return;
      case BaseCommand_Type.PONG:
        return;
      case BaseCommand_Type.AUTH_CHALLENGE:
        void this.answerAuthChallenge();
        return;
      case BaseCommand_Type.SEND_RECEIPT:
        this.producers.get(command.sendReceipt?.producerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.SEND_ERROR:
        this.producers.get(command.sendError?.producerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.CLOSE_PRODUCER:
        this.producers.get(command.closeProducer?.producerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.MESSAGE:
        this.consumers.get(command.message?.consumerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.CLOSE_CONSUMER:
        this.consumers.get(command.closeConsumer?.consumerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.REACHED_END_OF_TOPIC:
        this.consumers.get(command.reachedEndOfTopic?.consumerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.ACTIVE_CONSUMER_CHANGE:
        this.consumers.get(command.activeConsumerChange?.consumerId ?? -1n)?.onFrame(frame);
        return;
      case BaseCommand_Type.ERROR:
        if (this.onceHandshake !== undefined) {
          this.onceHandshake(command);
          this.onceHandshake = undefined;
          return;
        }
        this.resolveResponse(command);
        return;
      default:
        this.resolveResponse(command);
    }
  }

  private resolveResponse(command: BaseCommand): void {
    for (const field of RESPONSE_FIELDS) {
      const body = command[field] as { requestId: bigint } | undefined;
      if (body === undefined) continue;
      const pending = this.pending.get(body.requestId);
      if (pending === undefined) return;
      // A producer waiting for exclusive access gets `producer_ready = false` first; wait on.
      if (command.producerSuccess !== undefined && !command.producerSuccess.producerReady) return;
      this.pending.delete(body.requestId);
      clearTimeout(pending.timer);
      if (command.error !== undefined) {
        pending.reject(new PulsarServerError(command.error.error, command.error.message, pending.operation));
        return;
      }
      const failure = responseError(field, body);
      if (failure !== undefined) {
        pending.reject(new PulsarServerError(failure.error, failure.message, pending.operation));
        return;
      }
      pending.resolve(command);
      return;
    }
  }

  private async answerAuthChallenge(): Promise<void> {
    const auth = this.options.authentication;
    if (auth === undefined) return;
    try {
      this.sendCommand({
        type: BaseCommand_Type.AUTH_RESPONSE,
        authResponse: {
          clientVersion: CLIENT_VERSION,
          protocolVersion: PROTOCOL_VERSION,
          response: { authMethodName: auth.methodName, authData: await auth.authData() },
        },
      });
    } catch (error) {
      this.close(new PulsarConnectionError(`${this.url}: refreshing auth data failed`, { cause: error }));
    }
  }

  private startKeepAlive(): void {
    const interval = this.options.keepAliveIntervalMs;
    this.keepAlive = setInterval(() => {
      if (Date.now() - this.lastFrameAt > 2 * interval) {
        this.close(new PulsarConnectionError(`${this.url}: no frame for ${2 * interval} ms, closing`));
        return;
      }
      this.sendCommand({ type: BaseCommand_Type.PING, ping: {} });
    }, interval);
    this.keepAlive.unref();
  }

  newRequestId(): bigint {
    return this.nextRequestId++;
  }

  /** Sends a command without waiting for anything. */
  sendCommand(init: CommandInit): void {
    if (this.closedWith !== undefined) throw this.closedWith;
    this.socket.write(encodeSimpleCommand(create(BaseCommandSchema, init)));
  }

  /** Sends a payload command (SEND); returns false when the socket buffer is full. */
  sendPayload(init: CommandInit, metadata: MessageMetadata, payload: Uint8Array): boolean {
    if (this.closedWith !== undefined) throw this.closedWith;
    return this.socket.write(encodePayloadCommand(create(BaseCommandSchema, init), metadata, payload));
  }

  /** Resolves when the socket's write buffer drained. */
  drained(): Promise<void> {
    if (!this.socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve) => this.socket.once('drain', () => resolve()));
  }

  /**
   * Sends a command with a request id (`build` gets it) and waits for its response; rejects with
   * {@link PulsarServerError} on an error answer and {@link PulsarTimeoutError} after the timeout.
   */
  request(
    operation: string,
    build: (requestId: bigint) => CommandInit,
    timeoutMs?: number,
  ): Promise<BaseCommand> {
    if (this.closedWith !== undefined) return Promise.reject(this.closedWith);
    const requestId = this.newRequestId();
    const ms = timeoutMs ?? this.options.requestTimeoutMs;
    return new Promise<BaseCommand>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new PulsarTimeoutError(`${operation}: no answer from ${this.url} in ${ms} ms`));
      }, ms);
      this.pending.set(requestId, { resolve, reject, timer, operation });
      try {
        this.sendCommand(build(requestId));
      } catch (error) {
        this.pending.delete(requestId);
        clearTimeout(timer);
        reject(error as Error);
      }
    });
  }

  registerProducer(id: bigint, listener: ConnectionListener): void {
    this.producers.set(id, listener);
  }
  unregisterProducer(id: bigint): void {
    this.producers.delete(id);
  }
  registerConsumer(id: bigint, listener: ConnectionListener): void {
    this.consumers.set(id, listener);
  }
  unregisterConsumer(id: bigint): void {
    this.consumers.delete(id);
  }

  onClose(listener: (error: Error) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Closes the socket; everything waiting on it fails with `error`. */
  close(error: Error = new PulsarClosedError(`${this.url}: connection closed by the client`)): void {
    if (this.closedWith !== undefined) return;
    this.closedWith = error;
    clearInterval(this.keepAlive);
    this.socket.destroy();
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(error);
    }
    this.pending.clear();
    for (const listener of [...this.producers.values(), ...this.consumers.values()]) {
      listener.onConnectionClosed(error);
    }
    this.producers.clear();
    this.consumers.clear();
    for (const listener of this.closeListeners) listener(error);
    this.closeListeners.clear();
  }
}

/** The `error` (+ `message`) of a response whose schema has such fields, if the broker set it. */
function responseError(
  field: (typeof RESPONSE_FIELDS)[number],
  body: unknown,
): { error: ServerError; message: string } | undefined {
  const desc = BaseCommandSchema.field[field]?.message as DescMessage | undefined;
  const errorField = desc?.field.error ?? desc?.field.errorCode;
  if (desc === undefined || errorField === undefined || field === 'error') return undefined;
  if (!isFieldSet(body as Message, errorField)) return undefined;
  const record = body as Record<string, unknown>;
  return {
    error: record[errorField.localName] as ServerError,
    message: String(record.message ?? record.errorMessage ?? ''),
  };
}
