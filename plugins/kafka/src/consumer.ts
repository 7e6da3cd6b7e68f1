/**
 * The consumer group's lifecycle: connect (retrying in the background while Kafka is away),
 * subscribe to what the configuration and the registered handlers need, process record by
 * record committing each offset after its handlers finished, track state and lag for /health
 * and metrics, and leave the group on shutdown.
 */
import type { Tracer } from '@opentelemetry/api';
import { Kafka, Partitioners, logLevel, type Admin, type Consumer, type KafkaMessage, type Producer, type SASLOptions } from 'kafkajs';
import type { HandlerContext, KafkaHandlers } from './handlers.js';
import type { KafkaOptions } from './options.js';
import { ShuttingDown, createProcessor } from './processor.js';
import { DEFAULT_RECORD_LIMITS } from './record.js';
import type { InputGuard } from '@actorwire/core';

type Logger = { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void; debug(o: object, m: string): void };

export type ConsumerState = 'idle' | 'connecting' | 'rebalancing' | 'consuming' | 'crashed' | 'stopped';

/**
 * A consuming group member fetches at least every second (maxWaitTimeInMs) and heartbeats; with
 * neither for this long, and no record in hand, the brokers are taken for gone. kafkajs itself
 * keeps reporting "consuming" while it retries a dead broker.
 */
export const STALL_MS = 10_000;

export class KafkaRuntime {
  readonly kafka: Kafka;
  producer: Producer | undefined;
  private consumer: Consumer | undefined;
  private admin: Admin | undefined;
  state: ConsumerState = 'idle';
  lastError: string | undefined;
  /** topic → lag (records not yet committed by the group). */
  readonly lag = new Map<string, number>();
  private running = false;
  private lagTimer: NodeJS.Timeout | undefined;
  /** Last fetch answer or heartbeat from the brokers (ms). */
  private lastSignOfLife = 0;
  /** A record being processed: a slow handler is not a lost broker. */
  private processing = false;
  /** Whether records flow, as last told to the handlers' listeners (undefined until the group was first joined). */
  private announced: boolean | undefined;
  private availabilityTimer: NodeJS.Timeout | undefined;
  private topics: string[] = [];
  /** The record being processed (and committed): shutdown waits for it. */
  private inFlight: Promise<unknown> | undefined;
  /** Ends the connect loop's wait between attempts. */
  private wake: (() => void) | undefined;
  /** A lag refresh in progress: shutdown waits for it (an admin request racing the disconnect reconnects). */
  private lagRun: Promise<void> | undefined;
  readonly processor;

  constructor(
    private readonly o: KafkaOptions,
    private readonly handlers: KafkaHandlers,
    handlerContext: () => Omit<HandlerContext, 'attempt'>,
    tracer: Tracer,
    private readonly logger: Logger,
    recordLatency?: (topic: string, ms: number) => void,
    guard?: InputGuard,
  ) {
    this.kafka = new Kafka({
      clientId: o.clientId,
      brokers: o.brokers,
      ssl: o.ssl,
      ...(o.sasl ? { sasl: o.sasl as SASLOptions } : {}),
      retry: { initialRetryTime: 300, retries: 8 },
      logLevel: logLevel.WARN,
      // kafkajs logs through ours.
      logCreator: () => ({ level, log }) => {
        const entry = { kafkajs: log.logger, ...(log.broker ? { broker: log.broker } : {}) };
        if (level <= logLevel.ERROR) logger.error(entry, `kafkajs: ${log.message}`);
        else logger.warn(entry, `kafkajs: ${log.message}`);
      },
    });
    this.processor = createProcessor({
      handlers,
      context: handlerContext,
      producer: { send: (r) => this.requireProducer().send(r) } as Producer,
      dlqTopic: o.dlqTopic,
      maxAttempts: o.maxAttempts,
      retryBackoff: o.retryBackoff,
      tracer,
      groupId: o.groupId,
      ...(recordLatency ? { recordLatency } : {}),
      logger,
      running: () => this.running,
      limits: { ...DEFAULT_RECORD_LIMITS, maxBytes: o.maxRecordSize },
      ...(guard ? { guard } : {}),
    });
  }

  private requireProducer(): Producer {
    if (!this.producer) throw new Error('Kafka producer not connected');
    return this.producer;
  }

  /** Start in the background: the server does not wait for Kafka (it reports it on /health). */
  start(): void {
    this.running = true;
    this.handlers.freeze();
    this.availabilityTimer = setInterval(() => this.checkAvailability(), 1000);
    this.availabilityTimer.unref();
    void this.connectLoop();
  }

  /** Records flow: consuming, and the brokers answered lately (or a record is in hand). */
  get available(): boolean {
    return this.state === 'consuming' && (this.processing || Date.now() - this.lastSignOfLife < STALL_MS);
  }

  /** How long the brokers have been silent (ms), for /health. */
  get silentFor(): number {
    return this.lastSignOfLife === 0 ? 0 : Date.now() - this.lastSignOfLife;
  }

  private checkAvailability(): void {
    const now = this.available;
    if (this.announced === undefined) {
      if (now) this.announced = true; // first joined: nothing to announce
      return;
    }
    if (now === this.announced) return;
    this.announced = now;
    if (now) this.logger.info({ groupId: this.o.groupId }, 'Kafka records flow again');
    else this.logger.error({ groupId: this.o.groupId, silentMs: this.silentFor, state: this.state }, 'Kafka brokers silent: records stopped flowing');
    this.handlers.availabilityChanged(now, (err) => this.logger.error({ err }, 'a Kafka availability listener failed'));
  }

  private async connectLoop(): Promise<void> {
    let attempt = 0;
    while (this.running) {
      try {
        await this.connectOnce();
        return;
      } catch (err) {
        if (err instanceof ShuttingDown) return;
        attempt++;
        this.lastError = (err as Error).message;
        this.state = 'connecting';
        const delay = Math.min(30_000, 500 * 2 ** Math.min(attempt, 6));
        this.logger.error({ err: this.lastError, retryInMs: delay, brokers: this.o.brokers }, 'Kafka unavailable; retrying');
        await this.disconnectClients();
        // `stop` ends the wait at once (a 30 s timer would hold the process after shutdown).
        await new Promise<void>((r) => {
          const timer = setTimeout(r, delay);
          this.wake = () => { clearTimeout(timer); r(); };
        });
        this.wake = undefined;
      }
    }
  }

  /**
   * After `stop`, a client that finishes connecting (a connect retrying through a broker outage,
   * kafkajs restarting a crashed consumer) is closed at once: nothing may reconnect a stopped
   * consumer, or its retries would keep the process alive with the brokers gone.
   */
  private stillRunning(client: { disconnect(): Promise<void> }): void {
    if (this.running) return;
    void client.disconnect().catch(() => undefined);
    throw new ShuttingDown();
  }

  private async connectOnce(): Promise<void> {
    this.state = 'connecting';
    const producer = this.kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    this.stillRunning(producer);
    this.producer = producer;
    const admin = this.kafka.admin();
    await admin.connect();
    this.stillRunning(admin);
    this.admin = admin;
    // A short fetch long-poll: shutdown waits for the fetch in flight (kafkajs default: 5 s).
    // A crashed consumer restarts itself, unless the server is stopping.
    const consumer = this.kafka.consumer({
      groupId: this.o.groupId,
      allowAutoTopicCreation: true,
      maxWaitTimeInMs: 1000,
      retry: { initialRetryTime: 300, retries: 8, restartOnFailure: async () => this.running },
    });
    this.consumer = consumer;
    // kafkajs may still restart a consumer whose crash it handled while we stopped: close it again.
    consumer.on(consumer.events.CONNECT, () => {
      if (!this.running) void consumer.disconnect().catch(() => undefined);
    });
    const alive = () => { this.lastSignOfLife = Date.now(); };
    consumer.on(consumer.events.FETCH, alive);
    consumer.on(consumer.events.HEARTBEAT, alive);
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      alive();
      this.state = 'consuming';
      this.lastError = undefined;
      this.logger.info({ groupId: this.o.groupId, memberId: payload.memberId, assignment: payload.memberAssignment }, 'Kafka consumer joined the group');
    });
    consumer.on(consumer.events.REBALANCING, () => { this.state = 'rebalancing'; });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      this.lastError = payload.error?.message;
      this.state = payload.restart ? 'rebalancing' : 'crashed';
      this.logger.error({ err: this.lastError, restart: payload.restart }, 'Kafka consumer crashed');
    });
    await consumer.connect();
    this.stillRunning(consumer);
    const subs = this.handlers.subscriptions();
    if (subs.length === 0) {
      this.state = 'consuming';
      this.logger.warn({}, 'Kafka: no entity topics (WS_ENTITY_TOPICS) and no registered handlers: the consumer has nothing to read');
      return;
    }
    this.topics = subs.filter((s): s is string => typeof s === 'string');
    await consumer.subscribe({ topics: subs, fromBeginning: this.o.fromBeginning });
    await consumer.run({
      autoCommit: false,
      eachMessage: ({ topic, partition, message }) => {
        // One record at a time per consumer (kafkajs default): remember it for shutdown.
        const work = this.handle(consumer, topic, partition, message);
        this.inFlight = work.catch(() => undefined);
        return work;
      },
    });
    this.lagTimer = setInterval(() => {
      this.lagRun ??= this.refreshLag().finally(() => { this.lagRun = undefined; });
    }, this.o.lagInterval);
    this.lagTimer.unref();
  }

  /** Process, then commit: the offset moves only after every handler finished (at least once). */
  private async handle(consumer: Consumer, topic: string, partition: number, message: KafkaMessage): Promise<void> {
    this.processing = true;
    try {
      await this.processor.process(topic, partition, message);
      this.lastSignOfLife = Date.now();
    } catch (err) {
      if (err instanceof ShuttingDown) throw err;
      // DLQ unavailable or an unexpected failure: do not commit; kafkajs retries from here.
      this.logger.error({ topic, partition, offset: message.offset, err: (err as Error).message }, 'Kafka record not processed; it will be retried');
      throw err;
    }
    finally {
      this.processing = false;
    }
    await consumer.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  private async refreshLag(): Promise<void> {
    const admin = this.admin;
    if (!admin || this.topics.length === 0) return;
    try {
      const committed = await admin.fetchOffsets({ groupId: this.o.groupId, topics: this.topics });
      for (const t of committed) {
        const ends = await admin.fetchTopicOffsets(t.topic);
        let lag = 0;
        for (const p of t.partitions) {
          const end = Number(ends.find((e) => e.partition === p.partition)?.high ?? 0);
          const done = Number(p.offset) < 0 ? Number(ends.find((e) => e.partition === p.partition)?.low ?? 0) : Number(p.offset);
          lag += Math.max(0, end - done);
        }
        this.lag.set(t.topic, lag);
      }
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'Kafka lag refresh failed');
    }
  }

  private async disconnectClients(): Promise<void> {
    const clients = [this.consumer, this.producer, this.admin];
    this.consumer = undefined;
    this.producer = undefined;
    this.admin = undefined;
    await Promise.all(clients.map((c) => c?.disconnect().catch(() => undefined)));
  }

  /** Graceful: finish the record in hand (its offset is committed), leave the group, close. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    if (this.lagTimer) clearInterval(this.lagTimer);
    if (this.availabilityTimer) clearInterval(this.availabilityTimer);
    // Let the record in hand finish and commit; a commit racing the disconnect would reopen a connection.
    await this.inFlight?.catch(() => undefined);
    await this.lagRun;
    await this.disconnectClients();
    this.state = 'stopped';
  }
}
